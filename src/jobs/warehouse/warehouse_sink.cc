#include "jobs/warehouse/warehouse_sink.h"

#include <fmt/format.h>

namespace sluice::warehouse {

Result<std::unique_ptr<WarehouseSink>> WarehouseSink::Begin(PgConnection* conn,
                                                            const LoadRequest& request) {
  const Model& model = *request.model;
  PgUpsertSink::Options options;
  options.full_dump = request.full_dump;
  ASSIGN_OR_RETURN(
      auto upsert,
      PgUpsertSink::Begin(conn, UpsertTarget{model.table, model.LoadSchema(), model.KeyColumns()},
                          options));
  return std::unique_ptr<WarehouseSink>(new WarehouseSink(conn, request, std::move(upsert)));
}

Status WarehouseSink::Write(PreparedBatch& batch) {
  rows_ += batch.rows.num_rows();
  if (batch.rows.num_rows() > 0) RETURN_IF_ERROR_CTX(upsert_->Write(batch.rows), request_.path);
  if (batch.rejects.num_rows() > 0) {
    RETURN_IF_ERROR_CTX(rejects_.Append(batch.rejects), "keeping rejected records");
  }
  return Status::Ok();
}

Status WarehouseSink::Commit() {
  const Model& model = *request_.model;
  if (request_.full_dump && rows_ == 0 && rejects_.rows() == 0 && !request_.allow_empty_dump) {
    return InvalidArgument(fmt::format(
        "{} holds no record: as a --full-dump it would mark every row of {} deleted in source; "
        "pass --allow-empty-dump if the source really is empty",
        request_.path, model.table));
  }
  deletions_skipped_ = request_.full_dump && rejects_.rows() > 0;
  const std::string context = fmt::format("loading {} into {}", request_.path, model.table);
  Result<MergeStats> merged = upsert_->Finish(!deletions_skipped_);
  if (!merged.ok()) return merged.status().WithContext(context);
  merge_ = *merged;
  RETURN_IF_ERROR_CTX(
      rejects_.SendTo(conn_,
                      fmt::format("COPY {} (model, source_file, position, reason, record) "
                                  "FROM STDIN (FORMAT binary)",
                                  kRejectsTable),
                      "recording rejected records"),
      context);
  RETURN_IF_ERROR_CTX(upsert_->Commit(), context);
  return Status::Ok();
}

void WarehouseSink::Abort() {
  upsert_->Abort();
}

}  // namespace sluice::warehouse
