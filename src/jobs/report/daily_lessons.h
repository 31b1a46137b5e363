// The `report` job's daily-lessons report: every active user (PostgreSQL) with the number of
// lessons they completed on each day of the window (MySQL), as a CSV object at a location (an
// S3 bucket and prefix, or a local directory), recorded in reports_generated and handed out as
// a link (presigned for S3; a file's own file:// URL).
//
// Memory stays flat whatever the data's size: only the window's rows leave MySQL, streamed and
// spilled to disk in user-id ranges; each range is then counted on its own and merged, in
// user-id order, with the users streamed from PostgreSQL; the CSV streams to its location
// through an ObjectWriter (connectors/objstore/object_writer.h): S3 in parts, or a file.
// The phases, in turn: user_range.h, completions_read.h, users_merge.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/objstore/store_location.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/s3/s3_client.h"

namespace sluice::report {

// The `daily-lessons` job's own options (docs/components/daily-lessons.md): pg, mysql, type,
// as-of, days, users-table, completions-table, read-connections, output. Its output is a
// location URL (--output), or an `s3-object` named by its --bucket and --prefix.
ComponentSpec DailyLessonsComponent();

// The `as-of` option's rule: a real calendar date written YYYY-MM-DD (exactly ten characters),
// after 0001-01-01 (the window ends the day before it). kUsage saying why, in words that follow
// the value; an empty value is refused (leaving the option out means today).
Status CheckAsOfDate(std::string_view text);

struct ReportRequest {
  std::string type = "daily-lessons";
  int32_t as_of_day = 0;  // days since 1970-01-01; the window is [as_of - days, as_of)
  int days = 30;
  // Where the CSV goes (store_location.h): an S3 bucket and key prefix, or a local directory.
  // The object is ReportKey() below it.
  StoreLocation output;
  // Put before the type in the key, as given (it need not end in '/'): the --prefix of the
  // --bucket form. The --output form carries its prefix in the location and leaves this empty.
  std::string prefix = "reports/";
  int64_t url_expiry_seconds = 86400;
  std::string users_table = "mindtickle_users";
  std::string completions_table = "lesson_completion";
  size_t part_size = S3ObjectWriter::kDefaultPartSize;
  // Connections that read the window in parallel, split on completion_id; each but the
  // caller's, which reads the first part, comes from the MysqlConnector.
  int read_connections = 2;
};

// Opens one more connection to the MySQL database the caller's connection reads: for the
// window's other readers and for a reader whose connection was lost before its first row.
// Called from several reader threads at once. An empty connector means no more connections:
// the window is read over the caller's connection alone, and a lost one is not reopened.
using MysqlConnector = std::function<Result<std::unique_ptr<MysqlConnection>>()>;

struct ReportResult {
  std::string report_id;
  std::string key;  // ReportKey(): below the output location
  std::string uri;  // the object's URL: s3://bucket/key or file:///dir/key
  // S3's presigned GET URL, or for a file its file:// URL (nothing to sign): link_signed says.
  std::string link;
  bool link_signed = true;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string sha256;
  uint64_t active_users = 0;
  uint64_t completions = 0;           // the window's completions of active users
  uint64_t inactive_completions = 0;  // of users who are not active: left out
  uint64_t unknown_completions = 0;   // of user ids PostgreSQL does not know: left out
  int parts = 0;
  double seconds = 0;
};

// The object's key below the output location, "<prefix><type>/<as-of>.csv": deterministic for
// (type, as-of date), so a re-run overwrites.
std::string ReportKey(const ReportRequest& request);

// reports_generated as this connection finds it.
struct ReportsTable {
  // Whether it has the `location` column (the object's URL, added with file locations). A
  // table made by an earlier Sluice lacks it until its owner's next report command adds it;
  // meanwhile S3 runs are recorded in s3_bucket and s3_key as before, and a run to a local
  // directory cannot be recorded there (CheckCanRecord).
  bool has_location = true;
};

// Creates reports_generated if missing, and brings a table made by an earlier Sluice up to
// date (the `location` column, s3_bucket and s3_key nullable) when this role owns it. A role
// with only the grants docs/report.md lists changes nothing and is told what it finds.
Result<ReportsTable> EnsureReportsTable(PgConnection& pg);

// kFailedPrecondition when `table` cannot record a run of `request`: one to a local directory
// needs the location column. The error says how the table's owner adds it.
Status CheckCanRecord(const ReportsTable& table, const ReportRequest& request);

// Checks the request's values before anything is connected to or created.
Status ValidateRequest(const ReportRequest& request);

// Records a run that failed before it could start (a database or bucket out of reach).
Status RecordFailedRun(PgConnection& pg, const ReportRequest& request, const std::string& error);

// Runs the report. Its row in reports_generated says `running`, then `succeeded` with the
// object's size, row count and SHA-256, or `failed` with the error (and no object is written).
// `mysql` reads the window's first part; `more_mysql` opens the others' connections. `s3`
// writes an S3 output (and must then be given); a local directory needs none.
Result<ReportResult> RunDailyLessons(PgConnection& pg, MysqlConnection& mysql,
                                     const MysqlConnector& more_mysql, S3Client* s3,
                                     const ReportRequest& request);

}  // namespace sluice::report
