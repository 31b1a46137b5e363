#include "jobs/report/daily_lessons.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "aws/crypto.h"
#include "connectors/postgres/pg_schema.h"
#include "core/log.h"
#include "core/names.h"
#include "core/secrets.h"
#include "core/time_parse.h"
#include "jobs/report/completions_read.h"
#include "jobs/report/report_output.h"
#include "jobs/report/user_range.h"
#include "jobs/report/users_merge.h"

namespace sluice::report {
namespace {

std::string NewUuid() {
  uint8_t b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = HexLower(b, sizeof b);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20));
}

// The report's three phases: the users' id range and its slices from PostgreSQL, the window's
// completions from MySQL spilled by slice, then the users streamed in id order and merged with
// their counts into the CSV, whose upload is then finished.
Status Produce(PgConnection& pg, MysqlConnection& mysql, const MysqlConnector& more_mysql,
               S3ObjectWriter& writer, const ReportRequest& request, ReportResult* result,
               ReportOutput& output) {
  // The spills refer to `users`' slices: it stays here until the merge is done.
  ASSIGN_OR_RETURN(const UserRange users, ReadUserRange(pg, request.users_table));
  ASSIGN_OR_RETURN(WindowCompletions window,
                   ReadWindowCompletions(mysql, more_mysql, request, users));
  result->unknown_completions += window.unknown;
  RETURN_IF_ERROR(MergeUsersWithCounts(pg, request, users, window, output, result));
  RETURN_IF_ERROR(output.Flush());
  LogDebug("report: merged; finishing the upload");
  return writer.Finish();
}

}  // namespace

ComponentSpec DailyLessonsComponent() {
  ComponentSpec c{.name = "daily-lessons", .kind = ComponentKind::kJob};
  c.summary = "Active users (PostgreSQL) x lessons completed per day (MySQL) over a window";
  c.description =
      "The window's completions are read from MySQL once, over several connections, and "
      "spilled by user-id range; users stream from PostgreSQL in id order and meet their counts. "
      "Each run is recorded in reports_generated.";
  c.options = {
      PgUrlOption(),
      MysqlUrlOption(),
      ChoiceOption("type", "Report type", {"daily-lessons"}, "daily-lessons"),
      TextOption("as-of",
                 "Report date YYYY-MM-DD; the window ends the day before (default: today, UTC)"),
      IntOption("days", "Window length in days", 30, 1, 3660),
      TextOption("users-table", "PostgreSQL users table", "mindtickle_users"),
      TextOption("completions-table", "MySQL completions table", "lesson_completion"),
      IntOption("read-connections",
                "MySQL connections reading the window in parallel (split on completion_id)", 2, 1,
                16),
  };
  return c;
}

std::string ReportKey(const ReportRequest& request) {
  return fmt::format("{}{}/{}.csv", request.prefix, request.type, FormatDate(request.as_of_day));
}

Status EnsureReportsTable(PgConnection& pg) {
  // Looked up first: a role that only reads or writes reports has no CREATE on the schema.
  return EnsureRelations(
      pg, {"reports_generated"},
      "CREATE TABLE IF NOT EXISTS reports_generated (\n"
      "  report_id uuid PRIMARY KEY,\n"
      "  report_type text NOT NULL,\n"
      "  as_of date NOT NULL,\n"
      "  window_start date NOT NULL,\n"
      "  window_end date NOT NULL,\n"
      "  s3_bucket text NOT NULL,\n"
      "  s3_key text NOT NULL,\n"
      "  row_count bigint,\n"
      "  byte_size bigint,\n"
      "  sha256 text,\n"
      "  active_users bigint,\n"
      "  unknown_user_completions bigint,\n"
      "  started_at timestamptz NOT NULL DEFAULT now(),\n"
      "  finished_at timestamptz,\n"
      "  duration_ms bigint,\n"
      "  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),\n"
      "  error text)",
      "creating table reports_generated");
}

Status ValidateRequest(const ReportRequest& request) {
  // The ranges are the options' own, so a request built in code is held to the flags' rules.
  const std::vector<OptionSpec> options =
      ComposeOptions({DailyLessonsComponent().options, S3ObjectComponent().options});
  for (const auto& [name, value] : {std::pair<std::string_view, int64_t>{"days", request.days},
                                    {"url-expiry", request.url_expiry_seconds}}) {
    for (const OptionSpec& spec : options) {
      if (spec.name == name) RETURN_IF_ERROR(CheckOptionValue(spec, std::to_string(value)));
    }
  }
  // Year 0 and before are outside what the report writes as a date (PostgreSQL counts them as
  // BC years, and a window starting there would fail only after the run was set up).
  constexpr int32_t kFirstWritableDay = -719162;  // 0001-01-01
  if (static_cast<int64_t>(request.as_of_day) - request.days < kFirstWritableDay) {
    return UsageError(fmt::format(
        "--as-of: the {}-day window before {} would start before 0001-01-01, the earliest date "
        "a report covers",
        request.days, FormatDate(request.as_of_day)));
  }
  // Names reach SQL and URLs: each is held to its service's rules here, before any connection.
  RETURN_IF_ERROR(ValidateS3BucketName(request.bucket, "--bucket"));
  RETURN_IF_ERROR(ValidateS3Key(ReportKey(request), "--prefix"));
  RETURN_IF_ERROR(ValidatePgIdentifier(request.users_table, "--users-table"));
  return ValidateMysqlTableName(request.completions_table, "--completions-table");
}

Status RecordFailedRun(PgConnection& pg, const ReportRequest& request, const std::string& error) {
  RETURN_IF_ERROR(EnsureReportsTable(pg));
  return pg
      .Query(
          "INSERT INTO reports_generated (report_id, report_type, as_of, window_start, "
          "window_end, s3_bucket, s3_key, status, error, finished_at, duration_ms) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, 'failed', $8, now(), 0)",
          {NewUuid(), request.type, FormatDate(request.as_of_day),
           FormatDate(request.as_of_day - request.days), FormatDate(request.as_of_day),
           request.bucket, ReportKey(request), Redact(error)},
          "recording the failure")
      .status();
}

Result<ReportResult> RunDailyLessons(PgConnection& pg, MysqlConnection& mysql,
                                     const MysqlConnector& more_mysql, S3Client& s3,
                                     const ReportRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(ValidateRequest(request));
  RETURN_IF_ERROR(EnsureReportsTable(pg));
  ReportResult result;
  result.report_id = NewUuid();
  result.key = ReportKey(request);
  result.uri = fmt::format("s3://{}/{}", request.bucket, result.key);
  // The run is on record before it starts, so that even a crash leaves a trace.
  RETURN_IF_ERROR(pg.Query("INSERT INTO reports_generated (report_id, report_type, as_of, "
                           "window_start, window_end, s3_bucket, s3_key, status) "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, 'running')",
                           {result.report_id, request.type, FormatDate(request.as_of_day),
                            FormatDate(request.as_of_day - request.days),
                            FormatDate(request.as_of_day), request.bucket, result.key},
                           "recording the report run")
                      .status());

  S3ObjectWriter writer(s3, request.bucket, result.key, "text/csv; charset=utf-8",
                        request.part_size);
  ReportOutput output(writer);
  Status st = Produce(pg, mysql, more_mysql, writer, request, &result, output);
  if (st.ok()) {
    auto url = s3.PresignGet(request.bucket, result.key, request.url_expiry_seconds);
    if (url.ok()) {
      result.presigned_url = *url;
    } else {
      st = url.status();
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string duration_ms = std::to_string(static_cast<int64_t>(result.seconds * 1000));
  if (!st.ok()) {
    writer.Abort();
    // "failed" means no object: one written before a later step failed is taken back.
    if (writer.finished()) {
      Status removed = s3.DeleteObject(request.bucket, result.key);
      if (!removed.ok()) {
        st = Status(st.code(), fmt::format("{}; the object written could not be removed: {}",
                                           st.message(), removed.message()));
      }
    }
    Status recorded =
        pg.QueryIdempotent(
              "UPDATE reports_generated SET status = 'failed', error = $2, "
              "finished_at = now(), duration_ms = $3 WHERE report_id = $1",
              {result.report_id, Redact(st.message()), duration_ms}, "recording the failure")
            .status();
    if (!recorded.ok()) LogError("{}", recorded.message());
    return st;
  }
  result.rows = output.rows();
  result.bytes = writer.bytes_written();
  result.sha256 = writer.sha256_hex();
  result.parts = writer.parts();
  Status recorded =
      pg.QueryIdempotent(
            "UPDATE reports_generated SET status = 'succeeded', row_count = $2, "
            "byte_size = $3, sha256 = $4, active_users = $5, "
            "unknown_user_completions = $6, finished_at = now(), duration_ms = $7 "
            "WHERE report_id = $1",
            {result.report_id, std::to_string(result.rows), std::to_string(result.bytes),
             result.sha256, std::to_string(result.active_users),
             std::to_string(result.unknown_completions), duration_ms},
            "recording the report")
          .status();
  if (!recorded.ok()) {
    // The row still says `running`: an object nothing vouches for is taken back.
    Status removed = s3.DeleteObject(request.bucket, result.key);
    if (!removed.ok()) LogError("{}", removed.message());
    return recorded;
  }
  return result;
}

}  // namespace sluice::report
