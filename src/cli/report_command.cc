#include "cli/report_command.h"

#include <fmt/format.h>

#include <ctime>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "core/log.h"
#include "core/time_parse.h"
#include "jobs/report/daily_lessons.h"
#include "jobs/warehouse/warehouse_query.h"

namespace sluice::cli {
namespace {

Result<int32_t> AsOfDay(const std::string& text) {
  if (text.empty()) {
    return static_cast<int32_t>(std::time(nullptr) / 86400);  // today, UTC
  }
  int32_t day;
  std::string error;
  if (text.size() != 10 || !ParseDate(text, &day, &error)) {
    return UsageError(fmt::format("--as-of: {}", error.empty() ? "expected YYYY-MM-DD" : error));
  }
  return day;
}

int RunReport(const OptionValues& values) {
  report::ReportRequest request;
  if (values.FromCommandLine("as-of") && values.String("as-of").empty()) {
    return Fail(UsageError("--as-of: is empty (leave it out for today)"));
  }
  auto day = AsOfDay(values.String("as-of"));
  if (!day.ok()) return Fail(day.status());
  request.type = values.String("type");
  request.as_of_day = *day;
  request.days = static_cast<int>(values.Int("days"));
  request.bucket = values.String("bucket");
  request.prefix = values.String("prefix");
  request.url_expiry_seconds = values.Int("url-expiry");
  request.users_table = values.String("users-table");
  request.part_size = static_cast<size_t>(values.Int("part-size-mb")) << 20;
  request.read_connections = static_cast<int>(values.Int("read-connections"));
  request.completions_table = values.String("completions-table");

  // Every flag is checked before anything is connected to or created.
  Status valid = report::ValidateRequest(request);
  if (!valid.ok()) return Fail(valid);
  const std::string& mysql_url = values.String("mysql");
  // A malformed URL or an unknown parameter is bad usage, found before anything connects.
  if (auto parsed = ParseMysqlUrl(mysql_url); !parsed.ok()) return Fail(parsed.status());
  auto s3 = MakeS3Client(values.String("s3-endpoint"), values.String("s3-addressing"));
  if (!s3.ok()) return Fail(s3.status());
  // Without PostgreSQL nothing can be recorded: the error is all there is.
  auto pg = PgConnection::Connect(values.String("pg"));
  if (!pg.ok()) return Fail(pg.status());
  // A run that cannot start is still on record as failed.
  auto fail_recorded = [&](const Status& st) {
    Status recorded = report::RecordFailedRun(**pg, request, st.message());
    if (!recorded.ok()) LogError("{}", recorded.message());
    return Fail(st);
  };
  if (values.Flag("create-bucket")) {
    Status st = (*s3)->CreateBucket(request.bucket);
    if (!st.ok()) return fail_recorded(st);
  }
  // The window's other readers, and a reader that lost its connection, connect as the first.
  const report::MysqlConnector connect_mysql = [mysql_url] {
    return MysqlConnection::Connect(mysql_url);
  };
  auto mysql = connect_mysql();
  if (!mysql.ok()) return fail_recorded(mysql.status());
  auto result = report::RunDailyLessons(**pg, **mysql, connect_mysql, **s3, request);
  if (!result.ok()) return Fail(result.status());
  fmt::print("{}\n{}\n", result->uri, result->presigned_url);
  LogInfo(
      "report {}: {} rows, {} bytes in {} part(s), {} active users, {} completions; left out: "
      "{} of inactive users, {} of user ids unknown to PostgreSQL ({:.2f} s)",
      result->report_id, result->rows, result->bytes, std::max(result->parts, 1),
      result->active_users, result->completions, result->inactive_completions,
      result->unknown_completions, result->seconds);
  return kExitOk;
}

int RunList(const OptionValues& values) {
  auto format = warehouse::ParseOutputFormat(values.String("format"));
  if (!format.ok()) return Fail(format.status());
  auto pg = PgConnection::Connect(values.String("pg"));
  if (!pg.ok()) return Fail(pg.status());
  Status st = report::EnsureReportsTable(**pg);
  if (!st.ok()) return Fail(st);
  auto rows = (*pg)->Query(
      "SELECT report_id, report_type, as_of, status, 's3://' || s3_bucket || '/' || s3_key AS "
      "object, row_count, byte_size, started_at, duration_ms, error FROM reports_generated "
      "ORDER BY started_at DESC LIMIT $1",
      {values.String("limit")}, "listing reports");
  if (!rows.ok()) return Fail(rows.status());
  Status printed = warehouse::PrintResult(*rows, *format, stdout);
  if (!printed.ok()) return Fail(printed);
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  CLI::App* report = app.add_subcommand("report", "PostgreSQL x MySQL reports to S3");
  report->require_subcommand(1);
  // The daily-lessons job writes an s3-object.
  AddCommand(*report, "run", "Build a report, upload it, record it",
             ComposeOptions({report::DailyLessonsComponent().options, S3ObjectComponent().options}),
             RunReport, exit_code);
  AddCommand(*report, "list", "Recent runs from reports_generated",
             {PgUrlOption(), IntOption("limit", "How many runs", 20, 1, 100000),
              warehouse::OutputFormatOption()},
             RunList, exit_code);
}

}  // namespace sluice::cli
