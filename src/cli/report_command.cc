#include "cli/report_command.h"

#include <fmt/format.h>

#include <ctime>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "cli/run_summary.h"
#include "connectors/objstore/local_object_store.h"
#include "connectors/objstore/store_location.h"
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

// Where the report goes: --output's location URL, or the S3 bucket and key prefix of --bucket
// and --prefix (the older form, kept as it was: its prefix is used as given). Both at once is
// bad usage, as is neither.
Status ChooseOutput(const OptionValues& values, report::ReportRequest* request) {
  const bool output = values.FromCommandLine("output");
  const bool bucket = !values.String("bucket").empty() || values.FromCommandLine("bucket");
  if (output && (bucket || values.FromCommandLine("prefix"))) {
    return UsageError(fmt::format(
        "--output: takes the place of --bucket and --prefix; give one form, --output "
        "s3://bucket/prefix/ (or file:///dir/) or --bucket B [--prefix P], not both ({} given)",
        bucket ? "--bucket" : "--prefix"));
  }
  if (output) {
    if (values.String("output").empty()) {
      return UsageError("--output: is empty (s3://bucket/prefix/ or file:///absolute/dir/)");
    }
    auto location = ParseStoreLocation(values.String("output"));
    if (!location.ok()) return location.status().WithContext("--output");
    request->output = std::move(location).value();
    request->prefix.clear();
    return Status::Ok();
  }
  if (!bucket) {
    return UsageError(
        "where the report goes is missing: --output s3://bucket/prefix/ (or "
        "file:///absolute/dir/), or --bucket B [--prefix P]");
  }
  request->output =
      StoreLocation{.kind = StoreLocation::Kind::kS3, .bucket = values.String("bucket")};
  request->prefix = values.String("prefix");
  return Status::Ok();
}

}  // namespace

std::vector<OptionSpec> ReportRunOptions() {
  // The daily-lessons job writes to its --output location, or to an s3-object (--bucket).
  return ComposeOptions({report::DailyLessonsComponent().options, S3ObjectComponent().options});
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
  if (Status st = ChooseOutput(values, &request); !st.ok()) return Fail(st);
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
  // A local directory needs no S3 client, so no AWS settings either.
  std::unique_ptr<S3Client> s3;
  if (request.output.kind == StoreLocation::Kind::kS3) {
    auto made = MakeS3Client(values.String("s3-endpoint"), values.String("s3-addressing"));
    if (!made.ok()) return Fail(made.status());
    s3 = std::move(made).value();
  }
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
    Status st = s3 ? s3->CreateBucket(request.output.bucket)
                   : LocalObjectStore(request.output.path).CreateRoot();
    if (!st.ok()) return fail_recorded(st);
  }
  // The window's other readers, and a reader that lost its connection, connect as the first.
  const report::MysqlConnector connect_mysql = [mysql_url] {
    return MysqlConnection::Connect(mysql_url);
  };
  auto mysql = connect_mysql();
  if (!mysql.ok()) return fail_recorded(mysql.status());
  auto result = report::RunDailyLessons(**pg, **mysql, connect_mysql, s3.get(), request);
  if (!result.ok()) return Fail(result.status());
  // Two lines whatever the location, so that `| tail -n 1` is always the link.
  RunSummary summary("report run");
  summary.json()
      .Key("report_id")
      .String(result->report_id)
      .Key("uri")
      .String(result->uri)
      .Key("link")
      .String(result->link)
      .Key("link_signed")
      .Bool(result->link_signed)
      .Key("rows")
      .Int(static_cast<int64_t>(result->rows))
      .Key("bytes")
      .Int(static_cast<int64_t>(result->bytes))
      .Key("parts")
      .Int(std::max(result->parts, 1))
      .Key("sha256")
      .String(result->sha256)
      .Key("active_users")
      .Int(static_cast<int64_t>(result->active_users))
      .Key("completions")
      .Int(static_cast<int64_t>(result->completions))
      .Key("inactive_completions")
      .Int(static_cast<int64_t>(result->inactive_completions))
      .Key("unknown_completions")
      .Int(static_cast<int64_t>(result->unknown_completions));
  summary.Print(kExitOk, fmt::format("{}\n{}\n", result->uri, result->link));
  if (!result->link_signed) {
    LogInfo("report {}: a local file has nothing to presign; its link is its file:// URL",
            result->report_id);
  }
  LogEvent(LogLevel::kInfo, "report.end",
           {{"job", "report run"},
            {"report_id", result->report_id},
            {"rows", result->rows},
            {"bytes", result->bytes},
            {"active_users", result->active_users},
            {"completions", result->completions},
            {"duration_ms", static_cast<int64_t>(result->seconds * 1000)}},
           "report {}: {} rows, {} bytes in {} part(s), {} active users, {} completions; left out: "
           "{} of inactive users, {} of user ids unknown to PostgreSQL ({:.2f} s)",
           result->report_id, result->rows, result->bytes, std::max(result->parts, 1),
           result->active_users, result->completions, result->inactive_completions,
           result->unknown_completions, result->seconds);
  return kExitOk;
}

namespace {

int RunList(const OptionValues& values) {
  auto format = warehouse::ParseOutputFormat(values.String("format"));
  if (!format.ok()) return Fail(format.status());
  auto pg = PgConnection::Connect(values.String("pg"));
  if (!pg.ok()) return Fail(pg.status());
  auto table = report::EnsureReportsTable(**pg);
  if (!table.ok()) return Fail(table.status());
  // Rows an earlier Sluice recorded after the column was added have no location: their object
  // is made of s3_bucket and s3_key, as it always was.
  const std::string object = "'s3://' || s3_bucket || '/' || s3_key";
  auto rows = (*pg)->Query(
      fmt::format("SELECT report_id, report_type, as_of, status, {} AS object, row_count, "
                  "byte_size, started_at, duration_ms, error FROM reports_generated "
                  "ORDER BY started_at DESC LIMIT $1",
                  table->has_location ? "COALESCE(location, " + object + ")" : object),
      {values.String("limit")}, "listing reports");
  if (!rows.ok()) return Fail(rows.status());
  Status printed = warehouse::PrintResult(*rows, *format, stdout);
  if (!printed.ok()) return Fail(printed);
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  CLI::App* report =
      app.add_subcommand("report", "PostgreSQL x MySQL reports to S3 or a local directory");
  report->require_subcommand(1);
  AddCommand(*report, "run", "Build a report, upload it, record it", ReportRunOptions(), RunReport,
             exit_code);
  AddCommand(*report, "list", "Recent runs from reports_generated",
             {PgUrlOption(), IntOption("limit", "How many runs", 20, 1, 100000),
              warehouse::OutputFormatOption()},
             RunList, exit_code);
}

}  // namespace sluice::cli
