#include "jobs/warehouse/warehouse_load.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "connectors/postgres/pg_copy_spool.h"
#include "connectors/postgres/pg_schema.h"
#include "core/files.h"
#include "core/progress.h"
#include "core/strings.h"
#include "core/text_check.h"
#include "formats/csv_reader.h"
#include "formats/json_reader.h"
#include "formats/json_record_stream.h"
#include "jobs/warehouse/csv_header.h"
#include "jobs/warehouse/json_checks.h"
#include "transforms/content_hash.h"

namespace sluice::warehouse {
namespace {

constexpr size_t kBatchRows = 4096;
constexpr size_t kRejectsShown = 10;
constexpr size_t kMaxKeptRecord = size_t{64} << 20;

// Turns source values into typed rows of the model's load schema, and keeps the records that
// fail, with their reasons, for the rejects table.
class RowBuilder {
 public:
  RowBuilder(const Model& model, std::string source_file)
      : model_(model),
        source_file_(std::move(source_file)),
        rows_(model.LoadSchema()),
        rejects_(Schema{{"model", ColumnType::kText},
                        {"source_file", ColumnType::kText},
                        {"position", ColumnType::kText},
                        {"reason", ColumnType::kText},
                        {"record", ColumnType::kText}}) {}

  // `values[i]` is the source text of model field i; nullopt is a null. Returns false, with
  // the reason, for a record that cannot be loaded; the caller then rejects it with its text.
  bool Add(const std::vector<std::optional<std::string_view>>& values, std::string* reason) {
    ++report_.records;
    std::string error;
    const size_t n = model_.fields.size();
    for (size_t i = 0; i < n; ++i) {
      const ModelField& field = model_.fields[i];
      std::optional<std::string_view> value = values[i];
      if (value && field.type != ColumnType::kText && TrimBlanks(*value).empty()) value.reset();
      if (field.key && (!value || value->empty())) {
        rows_.RollbackRow(i);
        *reason = fmt::format("{} is missing; it is the key of {}", field.column, model_.table);
        return false;
      }
      if (!rows_.column(i).AppendParsed(value, &error)) {
        rows_.RollbackRow(i);
        *reason = FieldReason(field.column, *value, error);
        return false;
      }
    }
    if (model_.content_hash_key) {
      auto key = hasher_.Hash(rows_, rows_.num_rows() - 1, n);
      rows_.column(n).AppendText(
          std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    }
    return true;
  }

  // Keeps a record that could not be read at all, or that Add() refused. Text PostgreSQL cannot
  // store (a record rejected for its bytes, a file name that is not UTF-8) is kept escaped.
  void Reject(std::string_view position, std::string reason, std::string_view raw_record,
              bool already_counted = true) {
    Keep(position, std::move(reason), raw_record, already_counted);
  }

  // Keeps a record the reader did not hold (over its size limit): the reason and position only.
  void RejectUnread(std::string_view position, std::string reason) {
    Keep(position, std::move(reason), std::nullopt, false);
  }

 private:
  // A reject with its reason and, when given, its record.
  void Keep(std::string_view position, std::string reason,
            std::optional<std::string_view> raw_record, bool already_counted) {
    if (!already_counted) ++report_.records;
    if (report_.first_rejects.size() < kRejectsShown) {
      report_.first_rejects.push_back({std::string(position), reason});
    }
    ++report_.rejected;
    rejects_.column(0).AppendText(model_.name);
    rejects_.column(1).AppendText(Storable(source_file_));
    rejects_.column(2).AppendText(Storable(position));
    // PostgreSQL holds 1 GB in one value, and escaping can double a record: a record larger
    // than kMaxKeptRecord stays in its file (position names it), its record null.
    if (!raw_record) {
      rejects_.column(3).AppendText(Storable(reason));
      rejects_.column(4).AppendNull();
    } else if (raw_record->size() > kMaxKeptRecord) {
      rejects_.column(3).AppendText(Storable(fmt::format(
          "{}; the record, {} bytes, is over the {} MiB a reject keeps and is not stored", reason,
          raw_record->size(), kMaxKeptRecord >> 20)));
      rejects_.column(4).AppendNull();
    } else {
      rejects_.column(3).AppendText(Storable(reason));
      rejects_.column(4).AppendText(Storable(*raw_record));
    }
    // A file of nothing but rejects must not grow memory with its size: they wait on disk.
    if (rejects_.num_rows() >= kBatchRows) SpoolRejects();
  }

 public:
  // Moves the rejects held in memory to the spool; a spool failure is kept for Finish().
  void SpoolRejects() {
    Status st = spool_.Append(rejects_);
    if (!st.ok() && spool_status_.ok()) spool_status_ = st;
    rejects_.Clear();
  }

  // Writes every reject to load_rejects; the load's COPY must be finished.
  Status WriteRejects(PgConnection* conn) {
    SpoolRejects();
    RETURN_IF_ERROR(spool_status_);
    return spool_.SendTo(conn,
                         fmt::format("COPY {} (model, source_file, position, reason, record) "
                                     "FROM STDIN (FORMAT binary)",
                                     kRejectsTable),
                         "recording rejected records");
  }

  Batch& rows() { return rows_; }
  LoadReport& report() { return report_; }

 private:
  static std::string Storable(std::string_view text) {
    return FindUnstorableByte(text) ? EscapeUnstorable(text) : std::string(text);
  }

  // The reason a value of `column` did not parse, without the value, which may be personal
  // data: "duration_mins is not an integer (32-bit)".
  static std::string FieldReason(std::string_view column, std::string_view value,
                                 std::string_view error) {
    // Parsers quote the value, or the value with its blanks trimmed, at the start.
    for (std::string_view v : {value, TrimBlanks(value)}) {
      const std::string quoted = fmt::format("'{}' ", v);
      if (error.substr(0, quoted.size()) == quoted) {
        return fmt::format("{} {}", column, error.substr(quoted.size()));
      }
    }
    if (error.substr(0, 3) == "is " || error.substr(0, 9) == "contains ") {
      return fmt::format("{} {}", column, error);
    }
    return fmt::format("{}: {}", column, error);
  }

  const Model& model_;
  std::string source_file_;
  Batch rows_;
  Batch rejects_;
  PgCopySpool spool_;
  Status spool_status_;
  ContentHasher hasher_;
  LoadReport report_;
};

Status FlushIfFull(RowBuilder& builder, PgUpsertSink* sink, bool force = false) {
  if (!force && builder.rows().num_rows() < kBatchRows) return Status::Ok();
  Status st = sink->Write(builder.rows());
  builder.rows().Clear();
  return st;
}

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// The reason for a record holding a byte PostgreSQL text cannot store: where it is (line and
// column in the file, field number and header name), never the text around it.
std::string CsvTextFaultReason(const CsvRecord& record, const TextFault& fault,
                               const std::vector<std::string>& header) {
  const TextPoint at = PointOf(record.text, fault.offset);
  const size_t field = CsvReader::FieldIndexAt(record.text, fault.offset, ',');
  const std::string name =
      field < header.size() ? fmt::format(" ({})", header[field]) : std::string();
  return fmt::format("line {}, column {}, field {}{}: {} (record stored escaped)",
                     record.line + at.line - 1, at.column, field + 1, name, fault.Describe());
}

Status ReadCsv(const LoadRequest& request, RowBuilder& builder, PgUpsertSink* sink) {
  const Model& model = *request.model;
  CsvReader::Options options;
  options.trim_leading_spaces = true;
  ASSIGN_OR_RETURN(auto reader, CsvReader::OpenFile(request.path, options));
  CsvRecord record;
  ASSIGN_OR_RETURN(auto outcome, reader->Next(&record));
  // A truncated or failed export is not an empty one: without a header nothing says the file
  // is the model's at all, and a --full-dump of it would mark every row deleted.
  if (outcome == CsvReader::Outcome::kEnd) {
    return InvalidArgument("the file has no header line (it is empty, or only blank lines)");
  }
  if (outcome == CsvReader::Outcome::kMalformed) {
    if (auto fault = FindUnstorableByte(record.text)) {
      return InvalidArgument(
          fmt::format("line {}: the header is not UTF-8 text: {}", record.line, fault->Describe()));
    }
    return InvalidArgument(
        fmt::format("line {}: the header is malformed: {}", record.line, record.error));
  }
  ASSIGN_OR_RETURN(CsvHeaderMap header, MapCsvHeader(model, record, request.allow_extra_columns));
  const std::vector<size_t>& source_index = header.source_index;

  Progress progress(request.path, FileSize(request.path));
  std::vector<std::optional<std::string_view>> values(model.fields.size());
  std::string reason;
  for (;;) {
    ASSIGN_OR_RETURN(outcome, reader->Next(&record));
    if (outcome == CsvReader::Outcome::kEnd) break;
    // Formatted only for a rejected record: this loop runs once per row.
    auto position = [&] { return fmt::format("line {}", record.line); };
    // Bytes text cannot hold reject the record wherever they are, even in a column the model
    // does not load: the record is not the UTF-8 the file must be.
    if (auto fault = FindUnstorableByte(record.text)) {
      builder.Reject(position(), CsvTextFaultReason(record, *fault, header.names), record.text,
                     false);
    } else if (outcome == CsvReader::Outcome::kMalformed) {
      builder.Reject(position(), record.error, record.text, false);
    } else if (record.fields.size() != header.names.size()) {
      builder.Reject(
          position(),
          fmt::format("expected {} fields, found {}", header.names.size(), record.fields.size()),
          record.text, false);
    } else {
      for (size_t i = 0; i < source_index.size(); ++i) {
        const CsvField& f = record.fields[source_index[i]];
        values[i] =
            f.value.empty() && !f.quoted ? std::nullopt : std::optional<std::string_view>(f.value);
      }
      if (!builder.Add(values, &reason)) {
        builder.Reject(position(), reason, record.text);
      }
    }
    progress.Update(reader->bytes_consumed(), builder.report().records);
    RETURN_IF_ERROR(FlushIfFull(builder, sink));
  }
  return FlushIfFull(builder, sink, true);
}

// The first non-blank byte of a file past a UTF-8 BOM, as json_reader judges its layout ('[' is
// an array).
Result<int> FirstNonBlankByte(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return IoError(fmt::format("cannot open {}", path));
  return FirstByteAfterMarkAndBlanks(file.get());
}

Status ReadJson(const LoadRequest& request, RowBuilder& builder, PgUpsertSink* sink) {
  const Model& model = *request.model;
  std::vector<std::optional<std::string>> owned(model.fields.size());
  std::vector<std::optional<std::string_view>> values(model.fields.size());
  // simdjson refuses a whole array for one bad byte: such elements are cut out first (as null)
  // and rejected in their turn. A clean array is read straight from the file as before.
  IsolatedArray isolated;
  ASSIGN_OR_RETURN(int first_byte, FirstNonBlankByte(request.path));
  if (first_byte == '[') {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(request.path));
    ASSIGN_OR_RETURN(isolated, IsolateUnstorableElements(SkipUtf8Bom(text)));
  }
  size_t next_isolated = 0;
  const JsonRecordFn on_record = [&](const JsonPosition& pos, const simdjson::dom::element* element,
                                     std::string_view error, std::string_view raw) -> Status {
    std::string position = pos.ToString();
    if (next_isolated < isolated.elements.size() &&
        isolated.elements[next_isolated].index == pos.number) {
      const UnstorableElement& bad = isolated.elements[next_isolated++];
      builder.Reject(position, bad.reason, bad.raw, false);
      return Status::Ok();
    }
    if (!element) {
      // Only a record over the reader's size limit comes without its text (json_reader.h).
      if (raw.empty() && !error.empty()) {
        builder.RejectUnread(position, std::string(error));
        return Status::Ok();
      }
      if (auto fault = FindUnstorableJson(raw)) {
        // A record may span lines (pretty-printed NDJSON): the byte's own line is named.
        const TextPoint at = PointOf(raw, fault->offset);
        const std::string where =
            pos.is_array_index ? position : fmt::format("line {}", pos.number + at.line - 1);
        builder.Reject(position,
                       fmt::format("{}, column {}: {}", where, at.column, fault->description), raw,
                       false);
      } else {
        builder.Reject(position, std::string(error), raw, false);
      }
      return Status::Ok();
    }
    std::string record_text = JsonMinify(*element);
    if (element->type() != simdjson::dom::element_type::OBJECT) {
      builder.Reject(position, "expected a JSON object", record_text, false);
      return Status::Ok();
    }
    if (auto ambiguous = FindAmbiguousKeys(model, *element)) {
      builder.Reject(position, *ambiguous, record_text, false);
      return Status::Ok();
    }
    for (size_t i = 0; i < model.fields.size(); ++i) {
      const ModelField& field = model.fields[i];
      auto value =
          field.from_json ? field.from_json(*element) : JsonScalarAt(*element, field.json_path);
      if (!value.ok()) {
        builder.Reject(position, fmt::format("{}: {}", field.column, value.status().message()),
                       record_text, false);
        return Status::Ok();
      }
      owned[i] = std::move(value).value();
      values[i] = owned[i] ? std::optional<std::string_view>(*owned[i]) : std::nullopt;
    }
    std::string reason;
    if (!builder.Add(values, &reason)) builder.Reject(position, reason, record_text);
    return FlushIfFull(builder, sink);
  };
  RETURN_IF_ERROR(isolated.elements.empty()
                      ? ForEachJsonRecord(request.path, JsonLayout::kAuto, on_record)
                      : ForEachJsonRecordInString(isolated.text, JsonLayout::kArray, on_record));
  return FlushIfFull(builder, sink, true);
}

}  // namespace

ComponentSpec WarehouseLoadComponent() {
  ComponentSpec c{.name = "warehouse-load", .kind = ComponentKind::kJob};
  c.summary = "Upserts CSV or JSON files into a warehouse model, keeping history";
  c.description =
      "Each file is one transaction: its records are COPYed to a staging table and merged into "
      "the model's table; changed rows get a new version, and a rejected record goes to "
      "load_rejects with its reason.";
  OptionSpec model = TextOption("model", "One of: " + ModelNames());
  model.alias = "-m";
  model.required = true;
  OptionSpec format = ChoiceOption("format",
                                   "csv or json (ndjson and jsonl are json; default: from the "
                                   "extension)",
                                   {"csv", "json", "ndjson", "jsonl"}, "");
  OptionSpec files{.name = "files", .type = OptionType::kList, .summary = "Files to load"};
  files.positional = true;
  files.required = true;
  files.must_exist = true;
  c.options = {
      PgUrlOption(),
      model,
      format,
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

Result<FileFormat> ResolveFormat(const std::string& path, const std::string& format_flag) {
  std::string format = AsciiLower(format_flag);
  if (format.empty()) {
    size_t dot = path.rfind('.');
    format = dot == std::string::npos ? "" : AsciiLower(path.substr(dot + 1));
  }
  if (format == "csv") return FileFormat::kCsv;
  if (format == "json" || format == "ndjson" || format == "jsonl") return FileFormat::kJson;
  return InvalidArgument(fmt::format(
      "cannot tell the format of {}: name it .csv or .json, or pass --format csv|json", path));
}

Status InitWarehouse(PgConnection* conn) {
  // Only what is missing is created, so init is a no-op for a role without CREATE once an
  // owner has made the tables, and safe beside a concurrent load (the schema-change lock).
  std::vector<std::string> tables;
  std::string ddl;
  for (const auto& model : Models()) {
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
  const std::string context = fmt::format("loading {} into {}", request.path, model.table);
  // Looked up first: a loading role may have DML grants only (docs/warehouse.md).
  RETURN_IF_ERROR_CTX(EnsureRelations(*conn, {QuoteIdent(model.table), std::string(kRejectsTable)},
                                      CreateTableSql(model) + ";\n" + CreateRejectsTableSql(),
                                      "creating the tables"),
                      context);

  UpsertTarget target{model.table, model.LoadSchema(), model.KeyColumns()};
  PgUpsertSink::Options options;
  options.full_dump = request.full_dump;
  RowBuilder builder(model, request.path);
  ASSIGN_OR_RETURN(auto sink, PgUpsertSink::Begin(conn, target, options));

  Status read = request.format == FileFormat::kCsv ? ReadCsv(request, builder, sink.get())
                                                   : ReadJson(request, builder, sink.get());
  if (!read.ok()) {
    sink->Abort();
    return read.WithContext(request.path);
  }
  // A dump of no record at all is more often a failed export than an empty source: marking
  // every row deleted on its word needs the caller to say so.
  LoadReport& report = builder.report();
  if (request.full_dump && report.records == 0 && !request.allow_empty_dump) {
    sink->Abort();
    return InvalidArgument(fmt::format(
        "{} holds no record: as a --full-dump it would mark every row of {} deleted in source; "
        "pass --allow-empty-dump if the source really is empty",
        request.path, model.table));
  }
  // A dump with rejected records is not known to be complete: marking its missing keys as
  // deleted could mark records that are only unreadable. Deletions wait for a clean dump.
  if (request.full_dump && report.rejected > 0) {
    report.deletions_skipped = true;
  }
  auto merged = sink->Finish();
  if (!merged.ok()) {
    sink->Abort();
    return merged.status().WithContext(context);
  }
  report.merge = *merged;
  Status st = builder.WriteRejects(conn);
  if (st.ok()) st = sink->Commit();
  if (!st.ok()) {
    sink->Abort();
    return st.WithContext(context);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

std::string DescribeLoad(const LoadRequest& request, const LoadReport& report) {
  const MergeStats& m = report.merge;
  std::string out = fmt::format(
      "{} -> {}: {} records, {} inserted, {} updated, {} unchanged, {} rejected", request.path,
      request.model->table, report.records, m.inserted, m.updated, m.unchanged, report.rejected);
  if (m.duplicates) out += fmt::format(", {} repeated keys (last kept)", m.duplicates);
  if (request.full_dump) {
    out += report.deletions_skipped
               ? ", no deletions marked (the dump had rejected records)"
               : fmt::format(", {} marked deleted in source", m.marked_deleted);
  }
  out += fmt::format(" in {:.2f} s\n", report.seconds);
  for (const auto& r : report.first_rejects) {
    out += fmt::format("  rejected {}:{}: {}\n", request.path, r.position, r.reason);
  }
  if (report.rejected > report.first_rejects.size()) {
    out += fmt::format("  ... and {} more; all are in table {}\n",
                       report.rejected - report.first_rejects.size(), kRejectsTable);
  } else if (report.rejected > 0) {
    out += fmt::format("  (kept in table {})\n", kRejectsTable);
  }
  return out;
}

}  // namespace sluice::warehouse
