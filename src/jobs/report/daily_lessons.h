// The `report` job's daily-lessons report: every active user (PostgreSQL) with the number of
// lessons they completed on each day of the window (MySQL), as CSV on S3, recorded in
// reports_generated and handed out as a presigned link.
//
// Memory stays flat whatever the data's size: only the window's rows leave MySQL, streamed and
// spilled to disk in user-id ranges; each range is then counted on its own and merged, in
// user-id order, with the users streamed from PostgreSQL; the CSV streams to S3 in parts.
// The phases, in turn: user_range.h, completions_read.h, users_merge.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/s3/s3_client.h"

namespace sluice::report {

// The `daily-lessons` job's own options (docs/components/daily-lessons.md): pg, mysql, type,
// as-of, days, users-table, completions-table, read-connections. Its output is an `s3-object`.
ComponentSpec DailyLessonsComponent();

struct ReportRequest {
  std::string type = "daily-lessons";
  int32_t as_of_day = 0;  // days since 1970-01-01; the window is [as_of - days, as_of)
  int days = 30;
  std::string bucket;
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
  std::string key;
  std::string uri;  // s3://bucket/key
  std::string presigned_url;
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

// The object key: deterministic for (type, as-of date), so a re-run overwrites.
std::string ReportKey(const ReportRequest& request);

// Creates reports_generated if missing.
Status EnsureReportsTable(PgConnection& pg);

// Checks the request's values before anything is connected to or created.
Status ValidateRequest(const ReportRequest& request);

// Records a run that failed before it could start (a database or bucket out of reach).
Status RecordFailedRun(PgConnection& pg, const ReportRequest& request, const std::string& error);

// Runs the report. Its row in reports_generated says `running`, then `succeeded` with the
// object's size, row count and SHA-256, or `failed` with the error (and no object is written).
// `mysql` reads the window's first part; `more_mysql` opens the others' connections.
Result<ReportResult> RunDailyLessons(PgConnection& pg, MysqlConnection& mysql,
                                     const MysqlConnector& more_mysql, S3Client& s3,
                                     const ReportRequest& request);

}  // namespace sluice::report
