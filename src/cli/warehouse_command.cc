#include "cli/warehouse_command.h"

#include <fmt/format.h>

#include <memory>

#include "cli/exit_policy.h"
#include "connectors/postgres/pg_connection.h"
#include "core/files.h"
#include "core/log.h"
#include "jobs/warehouse/warehouse_load.h"
#include "jobs/warehouse/warehouse_query.h"

namespace sluice::cli {
namespace {

struct WarehouseFlags {
  std::string pg;
  std::string model;
  std::string input_format;
  bool full_dump = false;
  bool allow_empty_dump = false;
  bool ignore_extra_columns = false;
  std::vector<std::string> files;
  std::string sql_file;
  std::string sql;
  std::string output_format = "table";
};

Result<std::unique_ptr<PgConnection>> Connect(const WarehouseFlags& flags) {
  ASSIGN_OR_RETURN(std::string url, ResolvePgUrl(flags.pg));
  return PgConnection::Connect(url);
}

int RunInit(const WarehouseFlags& flags) {
  auto conn = Connect(flags);
  if (!conn.ok()) return Fail(conn.status());
  Status st = warehouse::InitWarehouse(conn->get());
  if (!st.ok()) return Fail(st);
  std::string tables;
  for (const auto& m : warehouse::Models())
    tables += " " + m.table;
  fmt::print("warehouse ready: tables{} and {}\n", tables, warehouse::kRejectsTable);
  return kExitOk;
}

int RunLoad(const WarehouseFlags& flags) {
  const warehouse::Model* model = warehouse::FindModel(flags.model);
  if (!model) {
    return Fail(UsageError(
        fmt::format("unknown model '{}': use one of {}", flags.model, warehouse::ModelNames())));
  }
  std::vector<warehouse::LoadRequest> requests;
  for (const auto& file : flags.files) {
    auto format = warehouse::ResolveFormat(file, flags.input_format);
    if (!format.ok()) return Fail(AsUsage(format.status()));
    requests.push_back({model, file, *format, flags.full_dump, flags.ignore_extra_columns,
                        flags.allow_empty_dump});
  }
  auto conn = Connect(flags);
  if (!conn.ok()) return Fail(conn.status());
  int code = kExitOk;
  // Each file is its own transaction: one bad file does not undo the others.
  for (const auto& request : requests) {
    auto report = warehouse::LoadFile(conn->get(), request);
    if (!report.ok()) {
      code = Fail(report.status());
      continue;
    }
    fmt::print("{}", warehouse::DescribeLoad(request, *report));
    std::fflush(stdout);
    if (report->rejected > 0 && code == kExitOk) code = kExitRejects;
  }
  return code;
}

int RunQuery(const WarehouseFlags& flags) {
  auto format = warehouse::ParseOutputFormat(flags.output_format);
  if (!format.ok()) return Fail(format.status());
  std::string sql = flags.sql;
  if (!flags.sql_file.empty()) {
    auto text = ReadWholeFile(flags.sql_file);
    if (!text.ok()) return Fail(text.status());
    sql = *text;
  }
  if (sql.find_first_not_of(" \t\r\n") == std::string::npos) {
    // The file's content is input, not usage (an empty -e was refused with the flags).
    return Fail(
        InvalidArgument(fmt::format("{} is empty: there is no SQL statement to run",
                                    flags.sql_file.empty() ? "the query" : flags.sql_file)));
  }
  auto conn = Connect(flags);
  if (!conn.ok()) return Fail(conn.status());
  // Named by its source, so an error says which file (or -e) held the SQL.
  const std::string what =
      flags.sql_file.empty() ? std::string("query (-e) failed") : flags.sql_file + ": query failed";
  auto result = (*conn)->ExecScript(sql, what);
  if (!result.ok()) return Fail(result.status());
  if (PQresultStatus(result->get()) == PGRES_TUPLES_OK) {
    Status printed = warehouse::PrintResult(*result, *format, stdout);
    if (!printed.ok()) return Fail(printed);
  }
  return kExitOk;
}

int RunQuestions(const WarehouseFlags& flags) {
  auto format = warehouse::ParseOutputFormat(flags.output_format);
  if (!format.ok()) return Fail(format.status());
  auto conn = Connect(flags);
  if (!conn.ok()) return Fail(conn.status());
  for (const auto& q : warehouse::Questions()) {
    auto result = (*conn)->Query(q.sql, fmt::format("question {}", q.id));
    if (!result.ok()) return Fail(result.status());
    if (*format == warehouse::OutputFormat::kTable) fmt::print("{}. {}\n", q.id, q.title);
    Status printed = warehouse::PrintResult(*result, *format, stdout);
    if (!printed.ok()) return Fail(printed.WithContext(fmt::format("question {}", q.id)));
    if (*format == warehouse::OutputFormat::kTable) fmt::print("\n");
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

void AddWarehouseCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<WarehouseFlags>();
  CLI::App* wh =
      app.add_subcommand("warehouse", "Files to PostgreSQL models with history; SQL out");
  wh->require_subcommand(1);
  auto add_pg = [&](CLI::App* cmd) {
    cmd->add_option("--pg", flags->pg, "PostgreSQL URL (default: $SLUICE_PG_URL)");
  };

  CLI::App* init = wh->add_subcommand("init", "Create the model tables and load_rejects");
  add_pg(init);
  init->callback([flags, exit_code] { *exit_code = RunInit(*flags); });

  CLI::App* load = wh->add_subcommand("load", "Upsert CSV or JSON files into a model");
  add_pg(load);
  load->add_option("--model,-m", flags->model, "One of: " + warehouse::ModelNames())->required();
  load->add_option("--format", flags->input_format, "csv or json (default: from the extension)");
  load->add_flag("--full-dump", flags->full_dump,
                 "The file is the source's complete set: mark rows it lacks as deleted in source");
  load->add_flag("--allow-empty-dump", flags->allow_empty_dump,
                 "With --full-dump, accept a file of no records (marks every row deleted)");
  load->add_flag("--ignore-extra-columns", flags->ignore_extra_columns,
                 "Load a CSV whose header has columns the model does not know (they are skipped)");
  load->add_option("files", flags->files, "Files to load")->required()->check(CLI::ExistingFile);
  load->callback([flags, exit_code] { *exit_code = RunLoad(*flags); });

  CLI::App* query = wh->add_subcommand("query", "Run SQL and print the result");
  add_pg(query);
  auto* file_opt =
      query->add_option("-f,--file", flags->sql_file, "SQL file to run")->check(CLI::ExistingFile);
  auto* sql_opt = query->add_option("-e,--execute", flags->sql, "SQL text to run");
  file_opt->excludes(sql_opt);
  query->add_option("--format", flags->output_format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  query->callback([flags, exit_code, sql_opt] {
    if (sql_opt->count() > 0 && flags->sql.find_first_not_of(" \t\r\n") == std::string::npos) {
      *exit_code =
          Fail(UsageError("warehouse query: -e is empty: there is no SQL statement to run"));
      return;
    }
    if (flags->sql.empty() && flags->sql_file.empty()) {
      *exit_code = Fail(UsageError("warehouse query: pass -f FILE or -e SQL"));
      return;
    }
    *exit_code = RunQuery(*flags);
  });

  CLI::App* questions =
      wh->add_subcommand("questions", "Answer the six business questions that ship with Sluice");
  add_pg(questions);
  questions->add_option("--format", flags->output_format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  questions->callback([flags, exit_code] { *exit_code = RunQuestions(*flags); });
}

}  // namespace sluice::cli
