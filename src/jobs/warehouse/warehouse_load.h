// `sluice warehouse load`: one CSV or JSON file into one model, as an upsert with history.
// Records that cannot be loaded are kept in load_rejects (file, position, reason, record) in the
// same transaction as the rows that could, so a load is all-or-nothing at the file level and
// loses no record. The load runs on the load runner (pipeline/load_runner.h): the file is read
// into batches (file_source.h) while the batch before is written (warehouse_sink.h).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_upsert_sink.h"
#include "jobs/warehouse/file_source.h"
#include "jobs/warehouse/models.h"
#include "pipeline/component_registry.h"

namespace sluice::warehouse {

// The format from `--format` when given, else from the file's extension past a ".gz" (.csv and
// .tsv are CSV; .json, .ndjson, .jsonl JSON). A name with no extension ("data.gz", "export") is
// judged by its first decompressed byte past a byte-order mark and blanks, as standard input is
// (SniffFileFormat: '[' or '{' is JSON, anything else CSV), and so is standard input without
// --format (its first bytes looked at and given back; kAuto, judged when read, if they cannot
// be). Parquet and the like are a UsageError (CheckSupportedInput; with --format given its
// Parquet/ORC/Avro magic-byte sniff is skipped); an unknown extension is an InvalidArgument
// saying to pass --format.
Result<FileFormat> ResolveFormat(const std::string& path, const std::string& format_flag);

// The byte between CSV fields for `path`: --delimiter when given, else a tab for a .tsv name
// (.tsv.gz too), else a comma. --delimiter for an input read as JSON is a UsageError naming
// both (the delimiter and --format, or the input), before anything is connected to. `format_flag`
// is --format as given ("" when not).
Result<char> ResolveDelimiter(const std::string& path, FileFormat format,
                              const std::string& format_flag, const std::string& delimiter_flag,
                              bool delimiter_given);

// The `warehouse-load` job's options (docs/components/warehouse-load.md): pg, models, model,
// format, full-dump, allow-empty-dump, ignore-extra-columns, files.
ComponentSpec WarehouseLoadComponent();

// --models FILE (env SLUICE_WAREHOUSE_MODELS): a models file (models_file.h) whose models
// --model then names, for `warehouse load` and `warehouse init`.
OptionSpec ModelsFileOption();
// --delimiter: the CSV field delimiter (ParseCsvDelimiter, formats/csv_reader.h), default ','.
OptionSpec CsvDelimiterOption();
// --timezone: the zone naive timestamps are read in (SetNaiveTimestampZone, core/time_parse.h).
OptionSpec TimeZoneOption();

// --allow-empty-dump only changes what a full dump does: without --full-dump it would be a
// setting that does nothing, so a load that gives it alone is refused with this reason.
inline constexpr std::string_view kAllowEmptyDumpAlone =
    "only applies with full-dump (it lets a full dump of no records mark every row deleted): "
    "give full-dump too, or leave allow-empty-dump out";

// The two indexes into `files` of the first path that names the same file as an earlier one
// (the same real path: std::filesystem::canonical, so "./a.csv", "a.csv" and a link to it are
// one file), or nullopt. A file loaded twice in one run would be merged twice, and a full dump's
// deletions reckoned twice.
struct RepeatedFile {
  size_t first = 0, second = 0;
};
std::optional<RepeatedFile> FindRepeatedFile(std::span<const std::string> files);

struct LoadReport {
  ReadCounts read;  // records read, rejected ones included
  MergeStats merge;
  bool deletions_skipped = false;  // a full dump with rejects marks nothing (warehouse_sink.h)
  double seconds = 0;
};

// Creates each model's table (the built-in ones by default) and the rejects table if missing.
Status InitWarehouse(PgConnection* conn, std::span<const Model> models = Models());

// Loads one file in one transaction: the error of a failed load names the file and what
// failed; nothing of it is then committed. A request with allow_empty_dump but not full_dump
// is a UsageError (kAllowEmptyDumpAlone), refused before anything is read or written.
Result<LoadReport> LoadFile(PgConnection* conn, const LoadRequest& request);

// A one-paragraph human summary of a load, for the terminal.
std::string DescribeLoad(const LoadRequest& request, const LoadReport& report);

}  // namespace sluice::warehouse
