#include "pipeline/load_runner.h"

#include "pipeline/writer_stage.h"

namespace sluice {

Status RunLoad(BatchSource& source, LoadSink& sink) {
  Status read;
  Status write;
  {
    WriterStage<PreparedBatch> writer("load-write", 1,
                                      [&](PreparedBatch& batch) { return sink.Write(batch); });
    read = source.Produce([&](PreparedBatch& batch) {
      return writer.Push(batch) ? Status::Ok()
                                : Status(StatusCode::kCancelled, "the load's writer stopped");
    });
    write = writer.Finish();
  }
  Status st = !write.ok() ? write : read;
  if (st.ok()) st = sink.Commit();
  if (!st.ok()) sink.Abort();
  return st;
}

}  // namespace sluice
