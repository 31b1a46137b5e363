#include "cli/warehouse_command.h"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <vector>

#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "cli/run_summary.h"
#include "cli/validate_command.h"
#include "connectors/postgres/pg_connection.h"
#include "core/files.h"
#include "core/json_escape.h"
#include "core/log.h"
#include "core/time_parse.h"
#include "jobs/warehouse/models_file.h"
#include "jobs/warehouse/models_schema.h"
#include "jobs/warehouse/warehouse_load.h"
#include "jobs/warehouse/warehouse_query.h"

namespace sluice::cli {
namespace {

// The models --models names, or the built-in ones. A models file that does not load has its
// errors printed as `sluice validate` prints a pipeline file's, and gives nullopt.
std::optional<std::vector<warehouse::Model>> ModelsOf(const OptionValues& values) {
  const std::string& file = values.String("models");
  if (file.empty()) return warehouse::Models();
  warehouse::LoadedModels loaded = warehouse::LoadModelsFile(file);
  if (!loaded.ok()) {
    PrintPipelineErrors(file, loaded.errors);
    return std::nullopt;
  }
  return std::move(loaded.models);
}

int RunInit(const OptionValues& values) {
  const auto models = ModelsOf(values);
  if (!models) return kExitUsage;
  auto conn = PgConnection::Connect(values.String("pg"));
  if (!conn.ok()) return Fail(conn.status());
  Status st = warehouse::InitWarehouse(conn->get(), *models);
  if (!st.ok()) return Fail(st);
  std::string tables;
  for (const auto& m : *models)
    tables += " " + m.table;
  fmt::print("warehouse ready: tables{} and {}\n", tables, warehouse::kRejectsTable);
  return kExitOk;
}

// One file's member of the --json summary: DescribeLoad's counts, and the first rejects (all
// of them are in load_rejects).
void AddWarehouseFileSummary(JsonWriter& json, const warehouse::LoadRequest& request,
                             const warehouse::LoadReport& report) {
  const MergeStats& m = report.merge;
  json.BeginObject().Key("path").String(request.path).Key("table").String(request.model->table);
  json.Key("records").Int(static_cast<int64_t>(report.read.records));
  json.Key("inserted").Int(static_cast<int64_t>(m.inserted));
  json.Key("updated").Int(static_cast<int64_t>(m.updated));
  json.Key("unchanged").Int(static_cast<int64_t>(m.unchanged));
  json.Key("repeated_keys").Int(static_cast<int64_t>(m.duplicates));
  json.Key("rejected").Int(static_cast<int64_t>(report.read.rejected));
  if (request.full_dump) {
    json.Key("marked_deleted").Int(static_cast<int64_t>(m.marked_deleted));
    json.Key("deletions_skipped").Bool(report.deletions_skipped);
  }
  json.Key("duration_ms").Int(static_cast<int64_t>(report.seconds * 1000));
  json.Key("first_rejects").BeginArray();
  for (const auto& r : report.read.first_rejects)
    json.BeginObject()
        .Key("position")
        .String(r.position)
        .Key("reason")
        .String(r.reason)
        .EndObject();
  json.EndArray().EndObject();
}

}  // namespace

int RunWarehouseLoad(const OptionValues& values) {
  const auto models = ModelsOf(values);
  if (!models) return kExitUsage;
  const std::string& model_name = values.String("model");
  const warehouse::Model* model = warehouse::FindModel(*models, model_name);
  if (!model) {
    return Fail(UsageError(warehouse::UnknownModel(*models, model_name, values.String("models"))));
  }
  // Refused before connecting, as validate refuses them in a pipeline file.
  if (values.Flag("allow-empty-dump") && !values.Flag("full-dump")) {
    return Fail(UsageError(fmt::format("--allow-empty-dump {}", warehouse::kAllowEmptyDumpAlone)));
  }
  const std::vector<std::string>& files = values.Strings("files");
  if (auto repeated = warehouse::FindRepeatedFile(files)) {
    return Fail(UsageError(fmt::format("{} is the file {} already names: each file is loaded once",
                                       files[repeated->second], files[repeated->first])));
  }
  // Naive timestamps are read in --timezone for the rest of the process (core/time_parse.h).
  static TimeZone naive_zone;
  if (const std::string& zone = values.String("timezone"); !zone.empty()) {
    std::string error;
    if (!FindTimeZone(zone, &naive_zone, &error)) return Fail(UsageError("--timezone: " + error));
    SetNaiveTimestampZone(&naive_zone);
  }
  std::vector<warehouse::LoadRequest> requests;
  for (const auto& file : files) {
    auto format = warehouse::ResolveFormat(file, values.String("format"));
    if (!format.ok()) return Fail(AsUsage(format.status()));
    // A tab for .tsv unless --delimiter says otherwise; --delimiter with JSON is refused.
    const bool delimiter_given = values.FromCommandLine("delimiter");
    auto delimiter = warehouse::ResolveDelimiter(file, *format, values.String("format"),
                                                 values.String("delimiter"), delimiter_given);
    if (!delimiter.ok()) return Fail(delimiter.status());
    requests.push_back({model, file, *format, values.Flag("full-dump"),
                        values.Flag("ignore-extra-columns"), values.Flag("allow-empty-dump"),
                        *delimiter, delimiter_given});
  }
  auto conn = PgConnection::Connect(values.String("pg"));
  if (!conn.ok()) return Fail(conn.status());
  int code = kExitOk;
  // --json: one object for the whole run, a member per file (human lines print as each ends).
  RunSummary summary("warehouse load");
  summary.json().Key("model").String(model_name).Key("files").BeginArray();
  uint64_t totals[4] = {0, 0, 0, 0};  // records, inserted, updated, rejected
  // Each file is its own transaction: one bad file does not undo the others.
  for (const auto& request : requests) {
    auto report = warehouse::LoadFile(conn->get(), request);
    if (!report.ok()) {
      code = Fail(report.status());
      summary.json().BeginObject().Key("path").String(request.path);
      summary.json().Key("error").String(LastLoggedError()).EndObject();
      continue;
    }
    if (!JsonSummaryWanted()) {
      fmt::print("{}", warehouse::DescribeLoad(request, *report));
      std::fflush(stdout);
    }
    AddWarehouseFileSummary(summary.json(), request, *report);
    totals[0] += report->read.records;
    totals[1] += report->merge.inserted;
    totals[2] += report->merge.updated;
    totals[3] += report->read.rejected;
    if (report->read.rejected > 0 && code == kExitOk) code = kExitRejects;
  }
  summary.json().EndArray().Key("records").Int(static_cast<int64_t>(totals[0]));
  summary.json().Key("inserted").Int(static_cast<int64_t>(totals[1]));
  summary.json().Key("updated").Int(static_cast<int64_t>(totals[2]));
  summary.json().Key("rejected").Int(static_cast<int64_t>(totals[3]));
  summary.json().Key("rejects_table").String(warehouse::kRejectsTable);
  summary.Print(code, "");
  return code;
}

namespace {

int RunModels(const OptionValues& values) {
  if (values.Flag("schema")) {
    fmt::print("{}", warehouse::ModelsJsonSchema());
    return kExitOk;
  }
  const auto models = ModelsOf(values);
  if (!models) return kExitUsage;
  const bool sql = values.Flag("sql");
  for (size_t i = 0; i < models->size(); ++i) {
    const warehouse::Model& model = (*models)[i];
    fmt::print("{}{}", i == 0 ? "" : "\n",
               sql ? warehouse::CreateTableSql(model) + ";\n" : warehouse::DescribeModel(model));
  }
  if (sql) fmt::print("\n{};\n", warehouse::CreateRejectsTableSql());
  return kExitOk;
}

int RunQuery(const OptionValues& values) {
  const std::string& sql_file = values.String("file");
  if (values.FromCommandLine("execute") &&
      values.String("execute").find_first_not_of(" \t\r\n") == std::string::npos) {
    return Fail(UsageError("warehouse query: -e is empty: there is no SQL statement to run"));
  }
  if (values.String("execute").empty() && sql_file.empty()) {
    return Fail(UsageError("warehouse query: pass -f FILE or -e SQL"));
  }
  auto format = warehouse::ParseOutputFormat(values.String("format"));
  if (!format.ok()) return Fail(format.status());
  std::string sql = values.String("execute");
  if (!sql_file.empty()) {
    auto text = ReadWholeFile(sql_file);
    if (!text.ok()) return Fail(text.status());
    sql = *text;
  }
  if (sql.find_first_not_of(" \t\r\n") == std::string::npos) {
    // The file's content is input, not usage (an empty -e was refused above).
    return Fail(
        InvalidArgument(fmt::format("{} is empty: there is no SQL statement to run", sql_file)));
  }
  auto conn = PgConnection::Connect(values.String("pg"));
  if (!conn.ok()) return Fail(conn.status());
  // Named by its source, so an error says which file (or -e) held the SQL.
  const std::string what =
      sql_file.empty() ? std::string("query (-e) failed") : sql_file + ": query failed";
  if (*format == warehouse::OutputFormat::kJson) {
    Status set = (*conn)->Exec(warehouse::kJsonDateStyle, "setting DateStyle for JSON");
    if (!set.ok()) return Fail(set);
  }
  auto result = (*conn)->ExecScript(sql, what);
  if (!result.ok()) return Fail(result.status());
  if (PQresultStatus(result->get()) == PGRES_TUPLES_OK) {
    Status printed = warehouse::PrintResult(*result, *format, stdout);
    if (!printed.ok()) return Fail(printed);
  }
  return kExitOk;
}

int RunQuestions(const OptionValues& values) {
  auto format = warehouse::ParseOutputFormat(values.String("format"));
  if (!format.ok()) return Fail(format.status());
  auto conn = PgConnection::Connect(values.String("pg"));
  if (!conn.ok()) return Fail(conn.status());
  const bool json = *format == warehouse::OutputFormat::kJson;
  if (json) {
    Status set = (*conn)->Exec(warehouse::kJsonDateStyle, "setting DateStyle for JSON");
    if (!set.ok()) return Fail(set);
  }
  // JSON is one document, printed whole at the end, so a reader (json.load, jq) never sees
  // part of it: {"questions": [{"id", "title", "rows": [...]}, ...]}.
  std::string document = "{\"questions\": [";
  bool first = true;
  for (const auto& q : warehouse::Questions()) {
    auto result = (*conn)->Query(q.sql, fmt::format("question {}", q.id));
    if (!result.ok()) return Fail(result.status());
    if (json) {
      document += first ? "\n {\"id\": " : ",\n {\"id\": ";
      first = false;
      AppendJsonString(document, q.id);
      document += ", \"title\": ";
      AppendJsonString(document, q.title);
      document += ", \"rows\": ";
      Status added = warehouse::AppendResultJson(*result, &document);
      if (!added.ok()) return Fail(added.WithContext(fmt::format("question {}", q.id)));
      document += "}";
      continue;
    }
    if (*format == warehouse::OutputFormat::kTable) fmt::print("{}. {}\n", q.id, q.title);
    Status printed = warehouse::PrintResult(*result, *format, stdout);
    if (!printed.ok()) return Fail(printed.WithContext(fmt::format("question {}", q.id)));
    if (*format == warehouse::OutputFormat::kTable) fmt::print("\n");
    std::fflush(stdout);
  }
  if (json) fmt::print("{}\n]}}\n", document);
  return kExitOk;
}

}  // namespace

void AddWarehouseCommand(CLI::App& app, int* exit_code) {
  CLI::App* wh =
      app.add_subcommand("warehouse", "Files to PostgreSQL models with history; SQL out");
  wh->require_subcommand(1);
  AddCommand(*wh, "init", "Create the model tables and load_rejects",
             {PgUrlOption(), warehouse::ModelsFileOption()}, RunInit, exit_code);
  AddCommand(*wh, "models",
             "List the models (the built-in ones, or a models file's), checking the file",
             {warehouse::ModelsFileOption(),
              FlagOption("sql", "Print the CREATE TABLE statements init would run instead"),
              FlagOption("schema", "Print a JSON Schema of models files, for editors")},
             RunModels, exit_code);
  AddCommand(*wh, "load", "Upsert CSV or JSON files into a model",
             warehouse::WarehouseLoadComponent().options, RunWarehouseLoad, exit_code);
  OptionSpec file = PathOption("file", "SQL file to run", true);
  file.alias = "-f";
  file.excludes = "execute";
  OptionSpec execute = TextOption("execute", "SQL text to run");
  execute.alias = "-e";
  AddCommand(*wh, "query", "Run SQL and print the result",
             {PgUrlOption(), file, execute, warehouse::OutputFormatOption()}, RunQuery, exit_code);
  AddCommand(*wh, "questions", "Answer the six business questions that ship with Sluice",
             {PgUrlOption(), warehouse::OutputFormatOption()}, RunQuestions, exit_code);
}

}  // namespace sluice::cli
