#include "cli/report_command.h"

#include <fmt/format.h>

#include <ctime>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "core/log.h"
#include "core/time_parse.h"
#include "jobs/report/daily_lessons.h"
#include "jobs/warehouse/warehouse_query.h"

namespace sluice::cli {
namespace {

struct ReportFlags {
  std::string pg;
  std::string mysql;
  std::string s3_endpoint;
  std::string addressing = "path";
  std::string type = "daily-lessons";
  std::string as_of;
  int days = 30;
  std::string bucket;
  std::string prefix = "reports/";
  int64_t url_expiry = 86400;
  bool create_bucket = false;
  size_t part_size_mb = S3ObjectWriter::kDefaultPartSize >> 20;
  int read_connections = 2;
  std::string users_table = "mindtickle_users";
  std::string completions_table = "lesson_completion";
  int limit = 20;
  std::string format = "table";
};

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

int RunReport(const ReportFlags& flags) {
  if (flags.type != "daily-lessons") {
    return Fail(UsageError(fmt::format("unknown report type '{}': use daily-lessons", flags.type)));
  }
  report::ReportRequest request;
  auto day = AsOfDay(flags.as_of);
  if (!day.ok()) return Fail(day.status());
  request.as_of_day = *day;
  request.days = flags.days;
  request.bucket = flags.bucket;
  request.prefix = flags.prefix;
  request.url_expiry_seconds = flags.url_expiry;
  request.users_table = flags.users_table;
  request.part_size = flags.part_size_mb << 20;
  request.read_connections = flags.read_connections;
  request.completions_table = flags.completions_table;

  // Every flag is checked before anything is connected to or created.
  Status valid = report::ValidateRequest(request);
  if (!valid.ok()) return Fail(valid);
  auto pg_url = ResolvePgUrl(flags.pg);
  if (!pg_url.ok()) return Fail(pg_url.status());
  auto mysql_url = ResolveMysqlUrl(flags.mysql);
  if (!mysql_url.ok()) return Fail(mysql_url.status());
  // A malformed URL or an unknown parameter is bad usage, found before anything connects.
  if (auto parsed = ParseMysqlUrl(*mysql_url); !parsed.ok()) return Fail(parsed.status());
  auto s3 = MakeS3Client(flags.s3_endpoint, flags.addressing);
  if (!s3.ok()) return Fail(s3.status());
  // Without PostgreSQL nothing can be recorded: the error is all there is.
  auto pg = PgConnection::Connect(*pg_url);
  if (!pg.ok()) return Fail(pg.status());
  // A run that cannot start is still on record as failed.
  auto fail_recorded = [&](const Status& st) {
    Status recorded = report::RecordFailedRun(**pg, request, st.message());
    if (!recorded.ok()) LogError("{}", recorded.message());
    return Fail(st);
  };
  if (flags.create_bucket) {
    Status st = (*s3)->CreateBucket(flags.bucket);
    if (!st.ok()) return fail_recorded(st);
  }
  auto mysql = MysqlConnection::Connect(*mysql_url);
  if (!mysql.ok()) return fail_recorded(mysql.status());
  request.mysql_url = *mysql_url;
  auto result = report::RunDailyLessons(**pg, **mysql, **s3, request);
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

int RunList(const ReportFlags& flags) {
  auto format = warehouse::ParseOutputFormat(flags.format);
  if (!format.ok()) return Fail(format.status());
  auto pg_url = ResolvePgUrl(flags.pg);
  if (!pg_url.ok()) return Fail(pg_url.status());
  auto pg = PgConnection::Connect(*pg_url);
  if (!pg.ok()) return Fail(pg.status());
  Status st = report::EnsureReportsTable(**pg);
  if (!st.ok()) return Fail(st);
  auto rows = (*pg)->Query(
      "SELECT report_id, report_type, as_of, status, 's3://' || s3_bucket || '/' || s3_key AS "
      "object, row_count, byte_size, started_at, duration_ms, error FROM reports_generated "
      "ORDER BY started_at DESC LIMIT $1",
      {std::to_string(flags.limit)}, "listing reports");
  if (!rows.ok()) return Fail(rows.status());
  Status printed = warehouse::PrintResult(*rows, *format, stdout);
  if (!printed.ok()) return Fail(printed);
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* report = app.add_subcommand("report", "PostgreSQL x MySQL reports to S3");
  report->require_subcommand(1);

  CLI::App* run = report->add_subcommand("run", "Build a report, upload it, record it");
  run->add_option("--pg", flags->pg, "PostgreSQL URL (default: $SLUICE_PG_URL)");
  run->add_option("--mysql", flags->mysql, "MySQL URL (default: $SLUICE_MYSQL_URL)");
  run->add_option("--s3-endpoint", flags->s3_endpoint, "S3 endpoint (default: $AWS_ENDPOINT_URL)");
  run->add_option("--s3-addressing", flags->addressing, "path or virtual")
      ->check(CLI::IsMember({"path", "virtual"}))
      ->capture_default_str();
  run->add_option("--type", flags->type, "Report type")->capture_default_str();
  run->add_option("--as-of", flags->as_of, "Report date YYYY-MM-DD (default: today, UTC)");
  run->add_option("--days", flags->days, "Window length in days")->capture_default_str();
  run->add_option("--bucket", flags->bucket, "S3 bucket")->required();
  run->add_option("--prefix", flags->prefix, "Key prefix")->capture_default_str();
  run->add_option("--url-expiry", flags->url_expiry, "Presigned URL lifetime, seconds")
      ->capture_default_str();
  run->add_flag("--create-bucket", flags->create_bucket, "Create the bucket if it is missing");
  run->add_option("--part-size-mb", flags->part_size_mb,
                  "Multipart upload part size (5 to 5120); doubles every 1,000 parts")
      ->check(CLI::Range(5, 5120))
      ->capture_default_str();
  run->add_option("--read-connections", flags->read_connections,
                  "MySQL connections reading the window in parallel (split on completion_id)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  run->add_option("--users-table", flags->users_table, "PostgreSQL users table")
      ->capture_default_str();
  run->add_option("--completions-table", flags->completions_table, "MySQL completions table")
      ->capture_default_str();
  run->callback([flags, exit_code] { *exit_code = RunReport(*flags); });

  CLI::App* list = report->add_subcommand("list", "Recent runs from reports_generated");
  list->add_option("--pg", flags->pg, "PostgreSQL URL (default: $SLUICE_PG_URL)");
  list->add_option("--limit", flags->limit, "How many")->capture_default_str();
  list->add_option("--format", flags->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  list->callback([flags, exit_code] { *exit_code = RunList(*flags); });
}

}  // namespace sluice::cli
