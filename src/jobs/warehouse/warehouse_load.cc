#include "jobs/warehouse/warehouse_load.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <system_error>

#include "connectors/postgres/pg_schema.h"
#include "core/input_format.h"
#include "core/input_stream.h"
#include "core/strings.h"
#include "core/time_parse.h"
#include "formats/csv_reader.h"
#include "jobs/warehouse/table_shape.h"
#include "jobs/warehouse/warehouse_sink.h"
#include "pipeline/load_runner.h"

namespace sluice::warehouse {
namespace {

// The extension that names a file's format, lower case, past a trailing ".gz" ("movies.csv.gz":
// "csv"); "" when the name has none ("data.gz", "dir.v2/export").
std::string WarehouseFormatExtension(const std::string& path) {
  std::string name = AsciiLower(path.substr(path.rfind('/') + 1));
  if (name.ends_with(".gz")) name.resize(name.size() - 3);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? "" : name.substr(dot + 1);
}

}  // namespace

ComponentSpec WarehouseLoadComponent() {
  ComponentSpec c{.name = "warehouse-load", .kind = ComponentKind::kJob};
  c.summary = "Upserts CSV or JSON files into a warehouse model, keeping when rows were seen";
  c.description =
      "Each file is one transaction: its records are COPYed to a staging table and merged into "
      "the model's table on its key; a changed row is updated in place (updated_at says when), "
      "an unchanged one is not rewritten, and a rejected record goes to load_rejects with its "
      "reason. No earlier version of a row is kept; what is kept is when each row was first "
      "seen, last changed, and (with full-dump) left the source.";
  OptionSpec model = TextOption("model", "One of: " + ModelNames() + "; or a model of --models");
  model.alias = "-m";
  model.required = true;
  OptionSpec format = ChoiceOption("format",
                                   "csv or json (ndjson and jsonl are json; default: from the "
                                   "extension, .tsv is csv; by the first byte without one)",
                                   {"csv", "json", "ndjson", "jsonl"}, "");
  OptionSpec files{.name = "files", .type = OptionType::kList, .summary = "Files to load"};
  files.positional = true;
  files.required = true;
  files.must_exist = true;
  files.description =
      "Each a path, or - for standard input (CSV is streamed; JSON from standard input is held "
      "whole). A gzip-compressed file or input is decompressed as it is read, told by its first "
      "bytes. Parquet, Avro, ORC and spreadsheets are refused: convert them to CSV or NDJSON "
      "first.";
  c.options = {
      PgUrlOption(),
      ModelsFileOption(),
      model,
      format,
      CsvDelimiterOption(),
      TimeZoneOption(),
      FlagOption("full-dump",
                 "The file is the source's complete set: mark rows it lacks as deleted in source"),
      FlagOption("allow-empty-dump",
                 "With --full-dump, accept a file of no records (marks every row deleted)"),
      FlagOption("ignore-extra-columns",
                 "Load a CSV whose header has columns the model does not know (they are skipped)"),
      files,
  };
  return c;
}

OptionSpec CsvDelimiterOption() {
  OptionSpec delimiter =
      TextOption("delimiter", "The byte between CSV fields: , ; | or \\t (tab)", ",");
  delimiter.check = &CheckCsvDelimiter;
  delimiter.check_rule = "one byte other than \" CR LF, or \\t or tab for a tab";
  delimiter.description =
      "For CSV input only: with JSON input it is refused (exit 2). Without it a .tsv file "
      "(.tsv.gz too) is split on tabs, any other on commas. One byte; \\t or the word tab is "
      "a tab (a literal tab works too). The quote character, a line end and characters of more "
      "than one byte are refused.";
  return delimiter;
}

OptionSpec TimeZoneOption() {
  OptionSpec zone = TextOption(
      "timezone", "The IANA zone of timestamps that name none (default: UTC), e.g. Europe/Paris");
  zone.check = &CheckTimeZoneName;
  zone.check_rule = "an IANA zone name (Europe/Paris, America/New_York, UTC)";
  zone.description =
      "A timestamp with an offset (+01:00, Z) or a zone name (2021-12-06T20:30:19 Europe/Paris) "
      "keeps it; one with neither is read in this zone instead of UTC. A wall-clock time the "
      "clocks skipped (spring forward) rejects its record naming the zone; one they passed "
      "twice (fall back) is taken at its earlier instant. Zones come from the system's tz "
      "database (/usr/share/zoneinfo).";
  return zone;
}

OptionSpec ModelsFileOption() {
  OptionSpec models = PathOption("models",
                                 "A models file (YAML): --model names one of its models instead "
                                 "of a built-in one",
                                 true);
  models.env = "SLUICE_WAREHOUSE_MODELS";
  models.beside_pipeline = true;
  models.description =
      "The models, their tables, keys and fields, as docs/warehouse-models.md describes; the "
      "built-in ones are examples/warehouse-models.yaml. In a pipeline file a relative path is "
      "taken from the pipeline file's folder.";
  return models;
}

Result<FileFormat> ResolveFormat(const std::string& path, const std::string& format_flag) {
  // Parquet and the like are told plainly, before any parse error could be (input_stream.h).
  RETURN_IF_ERROR(CheckSupportedInput(path, !format_flag.empty()));
  std::string format = AsciiLower(format_flag);
  if (format.empty() && IsStandardInput(path)) {
    // Its first bytes are looked at now (and given back to its reader), so that what depends on
    // the format, --delimiter with JSON, is refused before anything is connected to.
    auto input = InputStream::OpenToLook(path);
    if (!input.ok()) return FileFormat::kAuto;  // its reader says why
    auto sniffed = SniffFileFormat(**input, false);
    return sniffed.ok() ? *sniffed : FileFormat::kAuto;
  }
  const std::string extension = WarehouseFormatExtension(path);
  if (format.empty() && extension.empty()) {
    // "data.gz", "export": no name to go by, so the first byte decides, as for standard input.
    auto input = InputStream::Open(path);
    if (!input.ok()) return input.status();
    auto sniffed = SniffFileFormat(**input);
    if (!sniffed.ok()) return sniffed.status().WithContext(path);
    return *sniffed;
  }
  if (format.empty()) format = extension;
  if (format == "csv" || format == "tsv") return FileFormat::kCsv;
  if (format == "json" || format == "ndjson" || format == "jsonl") return FileFormat::kJson;
  return InvalidArgument(fmt::format(
      "cannot tell the format of {}: name it .csv, .tsv or .json (.csv.gz, .json.gz when "
      "compressed), or pass --format csv|json",
      path));
}

Result<char> ResolveDelimiter(const std::string& path, FileFormat format,
                              const std::string& format_flag, const std::string& delimiter_flag,
                              bool delimiter_given) {
  if (!delimiter_given) return WarehouseFormatExtension(path) == "tsv" ? '\t' : ',';
  if (format == FileFormat::kJson) {
    const std::string why =
        format_flag.empty()
            ? fmt::format("{} is read as JSON (told by its name or its first byte)",
                          InputDisplayName(path))
            : fmt::format("--format {} reads {} as JSON", format_flag, InputDisplayName(path));
    return UsageError(fmt::format(
        "--delimiter {} cannot be used with JSON input: {}, and --delimiter only sets the byte "
        "between CSV fields; leave --delimiter out, or pass --format csv if the input is CSV",
        delimiter_flag, why));
  }
  auto delimiter = ParseCsvDelimiter(delimiter_flag);
  if (!delimiter.ok()) return delimiter.status().WithContext("--delimiter");
  return *delimiter;
}

std::optional<RepeatedFile> FindRepeatedFile(std::span<const std::string> files) {
  std::vector<std::string> real;
  for (size_t i = 0; i < files.size(); ++i) {
    std::error_code error;
    std::filesystem::path path = std::filesystem::canonical(files[i], error);
    // A path that cannot be resolved (it is checked for existence elsewhere) is compared as it
    // is written, made absolute.
    if (error) path = std::filesystem::absolute(files[i], error).lexically_normal();
    real.push_back(path.string());
    for (size_t j = 0; j < i; ++j)
      if (real[j] == real[i]) return RepeatedFile{j, i};
  }
  return std::nullopt;
}

Status InitWarehouse(PgConnection* conn, std::span<const Model> models) {
  // Only what is missing is created, so init is a no-op for a role without CREATE once an
  // owner has made the tables, and safe beside a concurrent load (the schema-change lock).
  std::vector<std::string> tables;
  std::string ddl;
  for (const auto& model : models) {
    tables.push_back(QuoteIdent(model.table));
    ddl += CreateTableSql(model) + ";\n";
  }
  tables.emplace_back(kRejectsTable);
  ddl += CreateRejectsTableSql();
  return EnsureRelations(*conn, tables, ddl, "creating the warehouse tables");
}

Result<LoadReport> LoadFile(PgConnection* conn, const LoadRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const Model& model = *request.model;
  if (request.allow_empty_dump && !request.full_dump) {
    return UsageError(fmt::format("--allow-empty-dump {}", kAllowEmptyDumpAlone));
  }
  const std::string context = fmt::format("loading {} into {}", request.path, model.table);
  // Looked up first: a loading role may have DML grants only (docs/warehouse.md).
  RETURN_IF_ERROR_CTX(EnsureRelations(*conn, {QuoteIdent(model.table), std::string(kRejectsTable)},
                                      CreateTableSql(model) + ";\n" + CreateRejectsTableSql(),
                                      "creating the tables"),
                      context);
  RETURN_IF_ERROR_CTX(CheckTableShape(*conn, model), context);

  WarehouseFileSource source(request);
  ASSIGN_OR_RETURN(auto sink, WarehouseSink::Begin(conn, request));
  RETURN_IF_ERROR(RunLoad(source, *sink));
  LoadReport report;
  report.read = source.counts();
  report.merge = sink->merge();
  report.deletions_skipped = sink->deletions_skipped();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string DescribeLoad(const LoadRequest& request, const LoadReport& report) {
  const MergeStats& m = report.merge;
  std::string out = fmt::format(
      "{} -> {}: {} record{}, {} inserted, {} updated, {} unchanged, {} rejected", request.path,
      request.model->table, report.read.records, report.read.records == 1 ? "" : "s", m.inserted,
      m.updated, m.unchanged, report.read.rejected);
  if (m.duplicates) out += fmt::format(", {} repeated keys (last kept)", m.duplicates);
  if (request.full_dump) {
    out += report.deletions_skipped
               ? ", no deletions marked (the dump had rejected records)"
               : fmt::format(", {} marked deleted in source", m.marked_deleted);
  }
  out += fmt::format(" in {:.2f} s\n", report.seconds);
  const ReadCounts& read = report.read;
  for (const auto& r : read.first_rejects) {
    out += fmt::format("  rejected {}:{}: {}\n", request.path, r.position, r.reason);
  }
  if (read.rejected > read.first_rejects.size()) {
    out += fmt::format("  ... and {} more; all are in table {}\n",
                       read.rejected - read.first_rejects.size(), kRejectsTable);
  } else if (read.rejected > 0) {
    out += fmt::format("  (kept in table {})\n", kRejectsTable);
  }
  return out;
}

}  // namespace sluice::warehouse
