#include "jobs/report/daily_lessons.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/crypto.h"
#include "connectors/objstore/object_writer.h"
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
// their counts into the CSV, whose object is then finished.
Result<WrittenObject> Produce(PgConnection& pg, MysqlConnection& mysql,
                              const MysqlConnector& more_mysql, ObjectWriter& writer,
                              const ReportRequest& request, ReportResult* result,
                              ReportOutput& output) {
  // The spills refer to `users`' slices: it stays here until the merge is done.
  ASSIGN_OR_RETURN(const UserRange users, ReadUserRange(pg, request.users_table));
  ASSIGN_OR_RETURN(WindowCompletions window,
                   ReadWindowCompletions(mysql, more_mysql, request, users));
  result->unknown_completions += window.unknown;
  RETURN_IF_ERROR(MergeUsersWithCounts(pg, request, users, window, output, result));
  RETURN_IF_ERROR(output.Flush());
  LogDebug("report: merged; finishing {}", writer.Url());
  return writer.Finish();
}

// Where the object is, as reports_generated records it: s3_bucket and s3_key for S3 (NULL for
// a file, which has neither), and its URL for the location column.
struct ObjectPlace {
  std::optional<std::string> bucket = {};
  std::optional<std::string> key = {};
  std::string url = {};
};

ObjectPlace PlaceOf(const ReportRequest& request) {
  const std::string key = ReportKey(request);
  ObjectPlace place{.url = request.output.Url() + key};
  if (request.output.kind == StoreLocation::Kind::kS3) {
    place.bucket = request.output.bucket;
    place.key = request.output.path + key;
  }
  return place;
}

// A new run's row: the run's facts ($1-$5), where the object is ($6, $7), then `columns` with
// `values` (SQL, parameters from $8 on), and last, when the table has the column, location.
Status InsertRun(PgConnection& pg, const ReportsTable& table, const ReportRequest& request,
                 const std::string& report_id, std::string_view columns, std::string_view values,
                 const std::vector<std::optional<std::string>>& more_params,
                 std::string_view what) {
  const ObjectPlace place = PlaceOf(request);
  std::vector<std::optional<std::string>> params = {report_id,
                                                    request.type,
                                                    FormatDate(request.as_of_day),
                                                    FormatDate(request.as_of_day - request.days),
                                                    FormatDate(request.as_of_day),
                                                    place.bucket,
                                                    place.key};
  params.insert(params.end(), more_params.begin(), more_params.end());
  std::string location_column, location_value;
  if (table.has_location) {
    params.push_back(place.url);
    location_column = ", location";
    location_value = fmt::format(", ${}", params.size());
  }
  return pg
      .Query(fmt::format("INSERT INTO reports_generated (report_id, report_type, as_of, "
                         "window_start, window_end, s3_bucket, s3_key, {}{}) VALUES ($1, $2, $3, "
                         "$4, $5, $6, $7, {}{})",
                         columns, location_column, values, location_value),
             params, what)
      .status();
}

}  // namespace

namespace {

// Tables the report reads, made by someone else: any name their server allows, always quoted.
OptionSpec UsersTableOption() {
  OptionSpec spec = TextOption("users-table", "PostgreSQL users table", "mindtickle_users");
  spec.check = [](std::string_view value) { return ValidatePgIdentifier(value, ""); };
  spec.check_rule = "1 to 63 bytes of UTF-8; no control characters, no '.'";
  return spec;
}

OptionSpec CompletionsTableOption() {
  OptionSpec spec = TextOption("completions-table", "MySQL completions table", "lesson_completion");
  spec.check = [](std::string_view value) { return ValidateMysqlTableName(value, ""); };
  spec.check_rule =
      "1 to 64 characters of UTF-8; no control characters, no '.', no space at the end";
  return spec;
}

}  // namespace

Status CheckAsOfDate(std::string_view text) {
  if (text.empty()) return UsageError("is empty (leave it out for today)");
  int32_t day = 0;
  std::string error;
  // Exactly ten characters: ParseDate takes a time after the date, which a report date has not.
  if (text.size() != 10 || !ParseDate(text, &day, &error)) {
    return UsageError(error.empty() || text.size() != 10 ? "is not a date written YYYY-MM-DD"
                                                         : fmt::format("is not a date: {}", error));
  }
  // The window ends the day before: the first day of the calendar leaves it no day at all.
  if (day <= DaysFromCivil(1, 1, 1)) {
    return UsageError(
        "is 0001-01-01 or earlier: the window before it would start before the "
        "earliest date a report covers");
  }
  return Status::Ok();
}

namespace {

OptionSpec AsOfOption() {
  OptionSpec spec = TextOption(
      "as-of", "Report date YYYY-MM-DD; the window ends the day before (default: today, UTC)");
  spec.check = CheckAsOfDate;
  spec.check_rule = "a date YYYY-MM-DD after 0001-01-01";
  return spec;
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
      AsOfOption(),
      IntOption("days", "Window length in days", 30, 1, 3660),
      UsersTableOption(),
      CompletionsTableOption(),
      IntOption("read-connections",
                "MySQL connections reading the window in parallel (split on completion_id)", 2, 1,
                16),
      TextOption("output",
                 "Where the report goes: s3://bucket/prefix/ or file:///absolute/directory/ "
                 "(instead of --bucket and --prefix)"),
  };
  return c;
}

std::string ReportKey(const ReportRequest& request) {
  return fmt::format("{}{}/{}.csv", request.prefix, request.type, FormatDate(request.as_of_day));
}

Result<ReportsTable> EnsureReportsTable(PgConnection& pg) {
  // Looked up first: a role that only reads or writes reports has no CREATE on the schema.
  // s3_bucket and s3_key are NULL for a file, which has neither; location is the object's URL
  // for both kinds, and nullable so that an earlier Sluice, which does not fill it, can still
  // record its runs in a table a newer one made.
  RETURN_IF_ERROR(EnsureRelations(
      pg, {"reports_generated"},
      "CREATE TABLE IF NOT EXISTS reports_generated (\n"
      "  report_id uuid PRIMARY KEY,\n"
      "  report_type text NOT NULL,\n"
      "  as_of date NOT NULL,\n"
      "  window_start date NOT NULL,\n"
      "  window_end date NOT NULL,\n"
      "  s3_bucket text,\n"
      "  s3_key text,\n"
      "  row_count bigint,\n"
      "  byte_size bigint,\n"
      "  sha256 text,\n"
      "  active_users bigint,\n"
      "  unknown_user_completions bigint,\n"
      "  started_at timestamptz NOT NULL DEFAULT now(),\n"
      "  finished_at timestamptz,\n"
      "  duration_ms bigint,\n"
      "  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),\n"
      "  error text,\n"
      "  location text)",
      "creating table reports_generated"));
  // pg_attribute and pg_class need no privilege on the table; ALTER TABLE needs its owner.
  ASSIGN_OR_RETURN(
      const PgResult shape,
      pg.Query("SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = c.oid AND attname = "
               "'location' AND NOT attisdropped), pg_has_role(c.relowner, 'USAGE') FROM "
               "pg_class c WHERE c.oid = to_regclass('reports_generated')",
               "looking at reports_generated's columns"));
  if (shape.rows() != 1 || shape.Value(0, 0) == "t") return ReportsTable{.has_location = true};
  if (shape.Value(0, 1) != "t") {
    LogDebug(
        "reports_generated has no location column and this role does not own it: runs to S3 "
        "are recorded in s3_bucket and s3_key");
    return ReportsTable{.has_location = false};
  }
  // A table an earlier Sluice made: the column is added and filled for the runs on record.
  RETURN_IF_ERROR(pg.ExecSchemaChange(
      "ALTER TABLE reports_generated ADD COLUMN IF NOT EXISTS location text, "
      "ALTER COLUMN s3_bucket DROP NOT NULL, ALTER COLUMN s3_key DROP NOT NULL; "
      "UPDATE reports_generated SET location = 's3://' || s3_bucket || '/' || s3_key "
      "WHERE location IS NULL AND s3_bucket IS NOT NULL",
      "adding the location column to reports_generated"));
  return ReportsTable{.has_location = true};
}

Status CheckCanRecord(const ReportsTable& table, const ReportRequest& request) {
  if (table.has_location || request.output.kind == StoreLocation::Kind::kS3) return Status::Ok();
  return Status(
      StatusCode::kFailedPrecondition,
      fmt::format(
          "a report to {} cannot be recorded: reports_generated was made by an earlier Sluice "
          "and has no location column, and this role does not own the table to add it. Its "
          "owner adds it by running any `sluice report` command once, or with: ALTER TABLE "
          "reports_generated ADD COLUMN location text, ALTER COLUMN s3_bucket DROP NOT NULL, "
          "ALTER COLUMN s3_key DROP NOT NULL",
          request.output.Url()));
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
  // Names reach SQL, URLs and paths: each is held to its service's rules here, before any
  // connection. A file's key is held to S3's key rules too (no control characters, no '.' or
  // '..' parts), so that a report can move between the two kinds of location.
  const bool in_url = !request.output.path.empty();
  if (request.output.kind == StoreLocation::Kind::kS3) {
    RETURN_IF_ERROR(
        ValidateS3BucketName(request.output.bucket, in_url ? "--output's bucket" : "--bucket"));
    RETURN_IF_ERROR(
        ValidateS3Key(request.output.path + ReportKey(request), in_url ? "--output" : "--prefix"));
  } else {
    if (!request.output.path.starts_with('/') || !request.output.path.ends_with('/')) {
      return UsageError(
          fmt::format("--output: '{}' is not an absolute directory path ending in "
                      "'/'",
                      request.output.path));
    }
    RETURN_IF_ERROR(ValidateS3Key(ReportKey(request), "--prefix"));
  }
  RETURN_IF_ERROR(ValidatePgIdentifier(request.users_table, "--users-table"));
  return ValidateMysqlTableName(request.completions_table, "--completions-table");
}

Status RecordFailedRun(PgConnection& pg, const ReportRequest& request, const std::string& error) {
  ASSIGN_OR_RETURN(const ReportsTable table, EnsureReportsTable(pg));
  RETURN_IF_ERROR(CheckCanRecord(table, request));
  return InsertRun(pg, table, request, NewUuid(), "status, error, finished_at, duration_ms",
                   "'failed', $8, now(), 0", {Redact(error)}, "recording the failure");
}

Result<ReportResult> RunDailyLessons(PgConnection& pg, MysqlConnection& mysql,
                                     const MysqlConnector& more_mysql, S3Client* s3,
                                     const ReportRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(ValidateRequest(request));
  ASSIGN_OR_RETURN(const ReportsTable table, EnsureReportsTable(pg));
  RETURN_IF_ERROR(CheckCanRecord(table, request));
  ReportResult result;
  result.report_id = NewUuid();
  result.key = ReportKey(request);
  ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer,
                   OpenObjectWriter(request.output, result.key, s3,
                                    {.content_type = "text/csv; charset=utf-8",
                                     .part_size = request.part_size}));
  result.uri = writer->Url();
  result.link_signed = writer->LinkIsSigned();
  // The run is on record before it starts, so that even a crash leaves a trace.
  RETURN_IF_ERROR(InsertRun(pg, table, request, result.report_id, "status", "'running'", {},
                            "recording the report run"));

  ReportOutput output(*writer);
  Result<WrittenObject> written = Produce(pg, mysql, more_mysql, *writer, request, &result, output);
  Status st = written.status();
  if (st.ok()) {
    auto link = writer->Link(request.url_expiry_seconds);
    if (link.ok()) {
      result.link = *link;
    } else {
      st = link.status();
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string duration_ms = std::to_string(static_cast<int64_t>(result.seconds * 1000));
  if (!st.ok()) {
    writer->Abort();
    // "failed" means no object: one written before a later step failed is taken back.
    Status removed = writer->Remove();
    if (!removed.ok()) {
      st = Status(st.code(), fmt::format("{}; the object written could not be removed: {}",
                                         st.message(), removed.message()));
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
  result.bytes = written->size;
  result.sha256 = written->sha256_hex;
  result.parts = written->parts;
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
    Status removed = writer->Remove();
    if (!removed.ok()) LogError("{}", removed.message());
    return recorded;
  }
  return result;
}

}  // namespace sluice::report
