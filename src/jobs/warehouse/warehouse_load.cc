#include "jobs/warehouse/warehouse_load.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>

#include "connectors/postgres/pg_copy_spool.h"
#include "connectors/postgres/pg_schema.h"
#include "core/progress.h"
#include "core/strings.h"
#include "formats/csv_reader.h"
#include "formats/csv_writer.h"
#include "formats/json_reader.h"
#include "transforms/content_hash.h"

namespace sluice::warehouse {
namespace {

constexpr size_t kBatchRows = 4096;
constexpr size_t kRejectsShown = 10;

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
        *reason = fmt::format("{}: {}", field.column, error);
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

  // Keeps a record that could not be read at all, or that Add() refused.
  void Reject(std::string_view position, std::string reason, std::string_view raw_record,
              bool already_counted = true) {
    if (!already_counted) ++report_.records;
    if (report_.first_rejects.size() < kRejectsShown) {
      report_.first_rejects.push_back({std::string(position), reason});
    }
    ++report_.rejected;
    rejects_.column(0).AppendText(model_.name);
    rejects_.column(1).AppendText(source_file_);
    rejects_.column(2).AppendText(position);
    rejects_.column(3).AppendText(reason);
    rejects_.column(4).AppendText(raw_record);
    // A file of nothing but rejects must not grow memory with its size: they wait on disk.
    if (rejects_.num_rows() >= kBatchRows) SpoolRejects();
  }

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

// The text of a parsed record, re-quoted; only rejected records need it.
std::string RebuildCsvLine(const CsvRecord& record) {
  std::string raw;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    if (i) raw.push_back(',');
    CsvWriter::AppendField(raw, record.fields[i].value, ',');
  }
  return raw;
}

Status ReadCsv(const LoadRequest& request, RowBuilder& builder, PgUpsertSink* sink) {
  const Model& model = *request.model;
  CsvReader::Options options;
  options.trim_leading_spaces = true;
  ASSIGN_OR_RETURN(auto reader, CsvReader::OpenFile(request.path, options));
  CsvRecord record;
  ASSIGN_OR_RETURN(auto outcome, reader->Next(&record));
  if (outcome == CsvReader::Outcome::kEnd) return Status::Ok();
  if (outcome == CsvReader::Outcome::kMalformed) {
    return InvalidArgument(
        fmt::format("line {}: the header is malformed: {}", record.line, record.error));
  }
  // Map each model field to its column in this file's header, by name.
  std::vector<std::string> header;
  for (const auto& f : record.fields)
    header.push_back(AsciiLower(TrimBlanks(f.value)));
  std::vector<size_t> source_index;
  for (const auto& field : model.fields) {
    auto it = std::find(header.begin(), header.end(), field.csv_header);
    if (it == header.end()) {
      std::string found;
      for (const auto& h : header)
        found += (found.empty() ? "" : ", ") + h;
      return InvalidArgument(fmt::format("line 1: the header has no column '{}' (found: {})",
                                         field.csv_header, found));
    }
    source_index.push_back(static_cast<size_t>(it - header.begin()));
  }

  Progress progress(request.path, FileSize(request.path));
  std::vector<std::optional<std::string_view>> values(model.fields.size());
  std::string reason;
  for (;;) {
    ASSIGN_OR_RETURN(outcome, reader->Next(&record));
    if (outcome == CsvReader::Outcome::kEnd) break;
    // Formatted only for a rejected record: this loop runs once per row.
    auto position = [&] { return fmt::format("line {}", record.line); };
    if (outcome == CsvReader::Outcome::kMalformed) {
      builder.Reject(position(), record.error, record.raw, false);
    } else if (record.fields.size() != header.size()) {
      builder.Reject(
          position(),
          fmt::format("expected {} fields, found {}", header.size(), record.fields.size()),
          RebuildCsvLine(record), false);
    } else {
      for (size_t i = 0; i < source_index.size(); ++i) {
        const CsvField& f = record.fields[source_index[i]];
        values[i] =
            f.value.empty() && !f.quoted ? std::nullopt : std::optional<std::string_view>(f.value);
      }
      if (!builder.Add(values, &reason)) {
        builder.Reject(position(), reason, RebuildCsvLine(record));
      }
    }
    progress.Update(reader->bytes_consumed(), builder.report().records);
    RETURN_IF_ERROR(FlushIfFull(builder, sink));
  }
  return FlushIfFull(builder, sink, true);
}

Status ReadJson(const LoadRequest& request, RowBuilder& builder, PgUpsertSink* sink) {
  const Model& model = *request.model;
  std::vector<std::optional<std::string>> owned(model.fields.size());
  std::vector<std::optional<std::string_view>> values(model.fields.size());
  RETURN_IF_ERROR(ForEachJsonRecord(
      request.path, JsonLayout::kAuto,
      [&](const JsonPosition& pos, const simdjson::dom::element* element, std::string_view error,
          std::string_view raw) -> Status {
        std::string position = pos.ToString();
        if (!element) {
          builder.Reject(position, std::string(error), raw, false);
          return Status::Ok();
        }
        std::string record_text = JsonMinify(*element);
        if (element->type() != simdjson::dom::element_type::OBJECT) {
          builder.Reject(position, "expected a JSON object", record_text, false);
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
      }));
  return FlushIfFull(builder, sink, true);
}

}  // namespace

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
  for (const auto& model : Models()) {
    RETURN_IF_ERROR(
        conn->Exec(CreateTableSql(model), fmt::format("creating table {}", model.table)));
  }
  return conn->Exec(CreateRejectsTableSql(), "creating table load_rejects");
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
  // A dump with rejected records is not known to be complete: marking its missing keys as
  // deleted could mark records that are only unreadable. Deletions wait for a clean dump.
  LoadReport& report = builder.report();
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
  if (st.ok()) st = conn->Exec("COMMIT", "committing the load");
  if (!st.ok()) {
    (void)conn->Exec("ROLLBACK", "rolling back");
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
