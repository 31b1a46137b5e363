// `sluice warehouse load`: one CSV or JSON file into one model, as an upsert with history.
// Records that cannot be loaded are kept in load_rejects (file, position, reason, record) in the
// same transaction as the rows that could, so a load is all-or-nothing at the file level and
// loses no record.
#pragma once

#include <string>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_upsert_sink.h"
#include "jobs/warehouse/models.h"
#include "pipeline/component_registry.h"

namespace sluice::warehouse {

enum class FileFormat { kCsv, kJson };

// The format from `--format` when given, else from the file's extension.
Result<FileFormat> ResolveFormat(const std::string& path, const std::string& format_flag);

// The `warehouse-load` job's options (docs/components/warehouse-load.md): pg, model, format,
// full-dump, allow-empty-dump, ignore-extra-columns, files.
ComponentSpec WarehouseLoadComponent();

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

struct RejectedRecord {
  std::string position;  // "line 12", "index 3"
  std::string reason;
};

struct LoadReport {
  uint64_t records = 0;  // records read, rejected ones included
  uint64_t rejected = 0;
  std::vector<RejectedRecord> first_rejects;  // the first few, for the summary
  MergeStats merge;
  bool deletions_skipped = false;  // a full dump with rejects marks nothing (see LoadFile)
  double seconds = 0;
};

// Creates every model's table and the rejects table if missing.
Status InitWarehouse(PgConnection* conn);

Result<LoadReport> LoadFile(PgConnection* conn, const LoadRequest& request);

// A one-paragraph human summary of a load, for the terminal.
std::string DescribeLoad(const LoadRequest& request, const LoadReport& report);

}  // namespace sluice::warehouse
