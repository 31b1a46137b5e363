// The `warehouse load` input: one CSV or JSON file read once into batches of a model's rows
// and rejects (a BatchSource for the load runner, pipeline/load_runner.h).
//
// CSV: a header naming the model's columns (csv_header.h), then one record per row. JSON: an
// array of objects, or one object per line (NDJSON), each field found by its JSON path.
// Whatever a record gets wrong (a byte text cannot hold, a wrong field count, a value that does
// not parse, a missing key) rejects that record, named by its line or array index; only a file
// that cannot be read as a whole (no header, an array whose structure is broken) fails.
#pragma once

#include <string>

#include "jobs/warehouse/row_builder.h"
#include "pipeline/stages.h"

namespace sluice::warehouse {

enum class FileFormat { kCsv, kJson };

struct LoadRequest {
  const Model* model = nullptr;
  std::string path;
  FileFormat format = FileFormat::kCsv;
  bool full_dump = false;
  // A CSV header may carry columns the model does not know; without this they fail the file,
  // since a misspelt column would otherwise load as missing.
  bool allow_extra_columns = false;
  // A full dump that holds no record at all would mark every row deleted in source; it is
  // refused unless the caller says the source really is empty.
  bool allow_empty_dump = false;
};

class WarehouseFileSource : public BatchSource {
 public:
  explicit WarehouseFileSource(const LoadRequest& request)
      : request_(request), builder_(*request.model, request.path) {}

  // Errors are prefixed with the file's path.
  Status Produce(const std::function<Status(PreparedBatch&)>& emit) override;

  // What was read; complete once Produce has returned.
  const ReadCounts& counts() const { return builder_.counts(); }

 private:
  Status ReadCsv(const std::function<Status(PreparedBatch&)>& emit);
  Status ReadJson(const std::function<Status(PreparedBatch&)>& emit);
  // Hands on the batch in hand when it is full, or whatever it holds when `last`.
  Status EmitIfDue(const std::function<Status(PreparedBatch&)>& emit, bool last = false);

  const LoadRequest& request_;
  RowBuilder builder_;
  // Set when `emit` failed: the writer's error is the run's, not this reader's.
  bool emit_failed_ = false;
};

}  // namespace sluice::warehouse
