// Where `warehouse load` writes (a LoadSink for pipeline/load_runner.h): a file's rows go to
// its model's table as an upsert with history (connectors/postgres/pg_upsert_sink.h), its
// rejects to load_rejects, all in one transaction, so a load is all-or-nothing at the file
// level and loses no record.
#pragma once

#include <memory>

#include "connectors/postgres/pg_copy_spool.h"
#include "connectors/postgres/pg_upsert_sink.h"
#include "jobs/warehouse/file_source.h"
#include "pipeline/stages.h"

namespace sluice::warehouse {

class WarehouseSink : public LoadSink {
 public:
  // Opens the load's transaction; the model's table and load_rejects must exist.
  static Result<std::unique_ptr<WarehouseSink>> Begin(PgConnection* conn,
                                                      const LoadRequest& request);

  // Rows are COPYed as they come; rejects wait in a spool on disk, since the connection's one
  // COPY is the rows' until the end.
  Status Write(PreparedBatch& batch) override;
  // Merges and records the rejects, then commits. A --full-dump of no record at all is refused
  // (more often a failed export than an empty source) unless allow_empty_dump; a full dump
  // with rejects marks nothing deleted, since its missing keys may only be unreadable.
  Status Commit() override;
  void Abort() override;

  // After Commit().
  const MergeStats& merge() const { return merge_; }
  bool deletions_skipped() const { return deletions_skipped_; }

 private:
  WarehouseSink(PgConnection* conn, const LoadRequest& request,
                std::unique_ptr<PgUpsertSink> upsert)
      : conn_(conn), request_(request), upsert_(std::move(upsert)) {}

  PgConnection* conn_;
  const LoadRequest& request_;
  std::unique_ptr<PgUpsertSink> upsert_;
  PgCopySpool rejects_;
  uint64_t rows_ = 0;
  MergeStats merge_;
  bool deletions_skipped_ = false;
};

}  // namespace sluice::warehouse
