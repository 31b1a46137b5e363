#include "jobs/report/daily_lessons.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "aws/crypto.h"
#include "connectors/postgres/pg_schema.h"
#include "core/log.h"
#include "core/names.h"
#include "core/secrets.h"
#include "core/strings.h"
#include "core/thread_name.h"
#include "core/time_parse.h"
#include "formats/csv_writer.h"
#include "jobs/report/completion_row.h"
#include "jobs/report/day_counts.h"
#include "jobs/report/range_spill.h"

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

// The CSV on its way to S3, in 64 KiB writes, with its row count.
class ReportOutput {
 public:
  explicit ReportOutput(S3ObjectWriter& writer) : writer_(writer) {
    buffer_ = "user_id,user_name,completion_date,lessons_completed\n";
  }

  // Runs once per output row (millions): integers go through to_chars, not a format string.
  Status Row(int64_t user_id, std::string_view user_name, std::string_view date, uint32_t count) {
    AppendInteger(user_id);
    buffer_.push_back(',');
    CsvWriter::AppendField(buffer_, user_name, ',');
    buffer_.push_back(',');
    buffer_.append(date);
    buffer_.push_back(',');
    AppendInteger(count);
    buffer_.push_back('\n');
    ++rows_;
    return buffer_.size() >= (size_t{1} << 16) ? Flush() : Status::Ok();
  }

  Status Flush() {
    Status st = writer_.Write(buffer_);
    buffer_.clear();
    return st;
  }

  uint64_t rows() const { return rows_; }

 private:
  template <typename Int>
  void AppendInteger(Int v) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    buffer_.append(digits, static_cast<size_t>(end - digits));
  }

  S3ObjectWriter& writer_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

// Slices of about equal numbers of users: equal widths of ids, unless a sample of the ids shows
// those would be uneven (IdSlices::FromSample); then the sample's quantiles, so that skewed ids
// do not pile into one slice. The sample is every 16th id (by hash, so no pattern in
// the ids can bias it) on about a thousand of the table's pages: many pages, because ids sit
// in runs page by page and a few pages would give lumpy quantiles; few rows, to keep the
// client's memory flat. A few milliseconds on the server.
IdSlices SliceUsers(PgConnection& pg, const ReportRequest& request, int64_t min_user,
                    int64_t max_user) {
  constexpr size_t kSlices = 128;
  constexpr double kSamplePages = 1024;
  const std::string what = fmt::format("sampling the user ids of {}", request.users_table);
  const std::string users = QuoteIdent(request.users_table);
  // The table's size, not the planner's row estimate: a table loaded a moment ago has none yet.
  auto size = pg.QueryIdempotent(
      "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint", {users},
      what);
  const double pages = size.ok() ? static_cast<double>(size->Count(0, 0)) : 0;
  const double percent = pages <= kSamplePages ? 100.0 : 100.0 * kSamplePages / pages;
  auto sampled = size.ok() ? pg.QueryIdempotent(fmt::format("SELECT user_id FROM {} TABLESAMPLE "
                                                            "SYSTEM ({:.6f}) REPEATABLE (0) "
                                                            "WHERE hashint8(user_id) % 16 = 0",
                                                            users, percent),
                                                {}, what)
                           : Result<PgResult>(size.status());
  // A view cannot be sampled; equal widths are only less even, never wrong.
  if (!sampled.ok()) {
    LogDebug("{}; the id slices get equal widths", sampled.status().message());
    return IdSlices::EqualWidth(min_user, max_user, kSlices);
  }
  std::vector<int64_t> sample;
  sample.reserve(static_cast<size_t>(sampled->rows()));
  for (int r = 0; r < sampled->rows(); ++r) {
    int64_t id;
    if (!sampled->IsNull(r, 0) && ParseInt(sampled->Value(r, 0), &id)) sample.push_back(id);
  }
  return IdSlices::FromSample(min_user, max_user, std::move(sample), kSlices);
}

// The completion_id of a row holding `bad` in the part `where` of the window, or "" if it
// cannot be found (no such column, a lost connection). The value is compared as hex, so
// nothing from the table reaches the statement as SQL.
std::string KeyOfBadRow(MysqlConnection& mysql, const std::string& completions,
                        const std::string& where, const BadCompletion& bad) {
  const std::string match =
      bad.value ? fmt::format("LOWER(HEX(CAST({} AS CHAR))) = '{}'", bad.column,
                              HexLower(reinterpret_cast<const uint8_t*>(bad.value->data()),
                                       bad.value->size()))
                : fmt::format("{} IS NULL", bad.column);
  std::string key;
  Status found = mysql.Stream(fmt::format("SELECT completion_id FROM {} WHERE {} AND {} LIMIT 1",
                                          completions, where, match),
                              "finding the bad row", [&](const MysqlRow& row) {
                                if (row[0]) key = *row[0];
                                return Status::Ok();
                              });
  if (!found.ok()) LogDebug("{}", found.message());
  return key;
}

// Streams the users table in user_id order into `on_user`, one COPY text row at a time. When
// the session ends on the way (a restart, a failover, a terminated backend), a new session
// reads on from the user after `last_user`, the last one `on_user` took: ids are unique and in
// order, so nothing is read twice or skipped. Up to 6 sessions, the next at once and then 1, 2,
// 4 and 8 s apart, so that a restart shorter than about 15 s costs a warning, not the run.
Status StreamUsers(PgConnection& pg, const ReportRequest& request,
                   const std::optional<int64_t>& last_user,
                   const std::function<Status(std::string_view line)>& on_user) {
  constexpr int kSessions = 6;
  const std::string what = fmt::format("reading {} from PostgreSQL", request.users_table);
  std::chrono::seconds pause(0);
  for (int session = 1;; ++session) {
    // The id is formatted from an int64_t, so nothing from the table reaches the SQL as text.
    const std::string after =
        last_user ? fmt::format(" WHERE user_id > {}", *last_user) : std::string();
    // A failure of `on_user` (the upload's, say) is final: only a lost session is retried.
    Status taken;
    Status st = pg.ReconnectIfBroken();
    if (st.ok()) {
      st = pg.CopyOut(fmt::format("COPY (SELECT user_id, user_name, active_status = 'active' "
                                  "FROM {}{} ORDER BY user_id) TO STDOUT",
                                  QuoteIdent(request.users_table), after),
                      what, [&](std::string_view line) { return taken = on_user(line); });
    }
    if (st.ok() || !taken.ok() || st.code() != StatusCode::kUnavailable) return st;
    if (session == kSessions) {
      return Status(st.code(),
                    fmt::format("{} (the read was tried in {} sessions)", st.message(), kSessions));
    }
    LogWarn("{}; reading {} in a new session in {} s", st.message(),
            last_user ? fmt::format("on after user_id {}", *last_user) : "from the start",
            pause.count());
    std::this_thread::sleep_for(pause);
    pause = std::max(pause * 2, std::chrono::seconds(1));
  }
}

Status Produce(PgConnection& pg, MysqlConnection& mysql, const MysqlConnector& more_mysql,
               S3ObjectWriter& writer, const ReportRequest& request, ReportResult* result,
               ReportOutput& output) {
  const int32_t first_day = request.as_of_day - request.days;
  const std::string users = QuoteIdent(request.users_table);

  ASSIGN_OR_RETURN(
      PgResult range,
      pg.QueryIdempotent(fmt::format("SELECT min(user_id), max(user_id) FROM {}", users), {},
                         fmt::format("reading the user ids of {}", request.users_table)));
  const bool no_users = range.IsNull(0, 0);
  int64_t min_user = 0, max_user = 0;
  if (!no_users &&
      (!ParseInt(range.Value(0, 0), &min_user) || !ParseInt(range.Value(0, 1), &max_user))) {
    // A numeric column can hold ids beyond 64 bits; no completion id can match them here.
    return DatabaseError(fmt::format(
        "{}.user_id runs from {} to {}, which does not fit a 64-bit integer", request.users_table,
        range.Value(0, 0).substr(0, 40), range.Value(0, 1).substr(0, 40)));
  }
  if (static_cast<uint64_t>(max_user) - static_cast<uint64_t>(min_user) >= (uint64_t{1} << 32)) {
    return InvalidArgument(fmt::format(
        "{}.user_id spans more than 2^32 values; the report handles INT-sized id ranges",
        request.users_table));
  }
  const IdSlices slices =
      no_users ? IdSlices::EqualWidth(0, 0, 1) : SliceUsers(pg, request, min_user, max_user);
  uint64_t widest = 0;
  for (size_t s = 0; s < slices.count(); ++s)
    widest = std::max(widest, slices.width(s));
  LogDebug("report: {} slices of user ids, the widest {} ids wide", slices.count(), widest);
  // The window's days as text, made once rather than per row.
  std::vector<std::string> dates;
  for (int d = 0; d < request.days; ++d)
    dates.push_back(FormatDate(first_day + d));

  // 1. The window's completions leave MySQL once, spilled by user-id slice. The read is split
  // by primary-key range over `read_connections` connections, each spilling on its own: the
  // server then scans on several cores, which is most of this job's time.
  const std::string what = fmt::format("reading {} from MySQL", request.completions_table);
  const std::string completions = QuoteMysqlIdent(request.completions_table);
  // Each reader's rows: the window, and its slice of completion_id when the read is split.
  const std::string window = fmt::format("completion_date >= '{}' AND completion_date < '{}'",
                                         FormatDate(first_day), FormatDate(request.as_of_day));
  std::vector<std::string> wheres = {window};
  if (request.read_connections > 1 && more_mysql) {
    std::vector<std::string> ranges;
    Status bounds = mysql.Stream(
        fmt::format("SELECT MIN(completion_id), MAX(completion_id) FROM {}", completions), what,
        [&](const MysqlRow& row) {
          if (row[0] && row[1])
            ranges = SplitCompletionIds(*row[0], *row[1], request.read_connections);
          return Status::Ok();
        });
    // Without a completion_id to split on, one connection reads everything.
    if (bounds.ok() && !ranges.empty()) {
      wheres.clear();
      for (const std::string& ids : ranges)
        wheres.push_back(fmt::format("{} AND {}", window, ids));
    }
  }
  // completion_id is not read: it would be a third more bytes per row on the hot path. A bad
  // row is looked up by its values instead, to name it.
  std::vector<std::string> queries;
  for (const std::string& where : wheres) {
    queries.push_back(
        fmt::format("SELECT user_id, completion_date FROM {} WHERE {}", completions, where));
  }
  std::vector<std::unique_ptr<RangeSpill>> spills;
  std::vector<Status> read_status(queries.size());
  std::vector<uint64_t> unknown(queries.size(), 0);
  auto read_query = [&](size_t i, MysqlConnection& first) {
    RangeSpill& spill = *spills[i];
    MysqlConnection* conn = &first;
    std::unique_ptr<MysqlConnection> fresh;
    constexpr int kAttempts = 3;
    for (int attempt = 1;; ++attempt) {
      uint64_t rows = 0;
      std::optional<BadCompletion> bad;
      read_status[i] = conn->Stream(queries[i], what, [&](const MysqlRow& row) -> Status {
        ++rows;
        CompletionRow c;
        bad = ReadCompletionRow(row[0], row[1], first_day, request.days, &c);
        if (bad) return Status(StatusCode::kCancelled, "a bad row");  // named below
        if (no_users || !c.user_id_fits || c.user_id < min_user || c.user_id > max_user) {
          ++unknown[i];
          return Status::Ok();
        }
        return spill.Add(c.user_id, c.day);
      });
      if (bad) {
        read_status[i] = BadCompletionError(request.completions_table,
                                            KeyOfBadRow(*conn, completions, wheres[i], *bad), *bad);
        return;
      }
      if (read_status[i].code() != StatusCode::kUnavailable) return;
      // Rows already spilled cannot be taken back: a read cut off midway fails, saying where.
      if (rows > 0) {
        read_status[i] = read_status[i].WithContext(fmt::format(
            "after {} rows of the window (part {} of {})", rows, i + 1, queries.size()));
        return;
      }
      // A connection lost before its first row (a server restart, an idle timeout): a new
      // connection reads the part whole.
      if (attempt == kAttempts || !more_mysql) return;
      LogWarn("{}; reading again on a new connection", read_status[i].message());
      auto reconnected = more_mysql();
      if (!reconnected.ok()) {
        read_status[i] = reconnected.status();
        return;
      }
      fresh = std::move(reconnected).value();
      conn = fresh.get();
    }
  };
  for (size_t i = 0; i < queries.size(); ++i)
    spills.push_back(std::make_unique<RangeSpill>(slices));
  std::vector<std::thread> readers;
  for (size_t i = 1; i < queries.size(); ++i) {
    readers.emplace_back([&, i] {
      NameThisThread("mysql-read");
      auto conn = more_mysql();
      if (!conn.ok()) {
        read_status[i] = conn.status();
        return;
      }
      read_query(i, **conn);
    });
  }
  read_query(0, mysql);
  for (auto& t : readers)
    t.join();
  for (size_t i = 0; i < queries.size(); ++i) {
    RETURN_IF_ERROR(read_status[i]);
    result->unknown_completions += unknown[i];
  }
  // Slice s of the whole window: the same slice of every reader's spill.
  std::vector<Completion> taken;
  auto take = [&](size_t slice) -> Status {
    taken.clear();
    for (auto& spill : spills)
      RETURN_IF_ERROR(spill->TakeInto(slice, taken));
    return Status::Ok();
  };
  LogDebug("report: the window's completions read from MySQL and spilled");

  // 2. Users stream from PostgreSQL in id order and meet their slice's counts.
  DayCounts counts(static_cast<uint32_t>(request.days));
  size_t next_slice = 0;  // slices below it are loaded or done
  // Completions of a slice that no user claimed belong to ids unknown to PostgreSQL.
  auto load_through = [&](size_t slice) -> Status {
    while (next_slice <= slice && next_slice < slices.count()) {
      result->unknown_completions += counts.unclaimed();
      RETURN_IF_ERROR(take(next_slice));
      counts.Load(taken, static_cast<uint64_t>(slices.first(next_slice) - min_user),
                  slices.width(next_slice));
      ++next_slice;
    }
    return Status::Ok();
  };
  std::vector<std::optional<std::string>> fields;
  // Ids arrive in order, so a repeat is the row before: a table without a key (or a view) that
  // repeats an id would list the user twice and count their completions twice.
  std::optional<int64_t> previous_user;
  auto on_user = [&](std::string_view line) -> Status {
    DecodeCopyTextRow(line, &fields);
    int64_t user_id;
    if (fields.size() != 3 || !fields[0] || !ParseInt(*fields[0], &user_id)) {
      return DatabaseError(
          fmt::format("{}: a row whose user_id ({}) is not a 64-bit integer", request.users_table,
                      fields.empty() || !fields[0] ? "NULL" : fields[0]->substr(0, 40)));
    }
    if (previous_user == user_id) {
      return DatabaseError(fmt::format(
          "{}: user_id {} appears on more than one row; the report needs one row per user",
          request.users_table, user_id));
    }
    previous_user = user_id;
    // A user added since min/max were read has no completions in the spill.
    uint64_t mine = 0;
    std::span<const uint32_t> per_day;
    if (!no_users && user_id >= min_user && user_id <= max_user) {
      const uint64_t offset = static_cast<uint64_t>(user_id - min_user);
      RETURN_IF_ERROR(load_through(slices.SliceOf(user_id)));
      per_day = counts.ForUser(offset, &mine);
    }
    if (fields[2] != "t") {
      result->inactive_completions += mine;
      return Status::Ok();
    }
    ++result->active_users;
    result->completions += mine;
    const std::string& name = fields[1] ? *fields[1] : std::string();
    if (mine == 0) return output.Row(user_id, name, "", 0);
    for (size_t d = 0; d < per_day.size(); ++d) {
      if (per_day[d] == 0) continue;
      RETURN_IF_ERROR(output.Row(user_id, name, dates[d], per_day[d]));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(StreamUsers(pg, request, previous_user, on_user));
  // Whatever no user claimed, up to the last range, belongs to unknown ids.
  RETURN_IF_ERROR(load_through(slices.count() - 1));
  result->unknown_completions += counts.unclaimed();
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
  if (request.days < 1 || request.days > 3660) {
    return UsageError("--days must be between 1 and 3660");
  }
  if (request.url_expiry_seconds < 1 || request.url_expiry_seconds > 604800) {
    return UsageError("--url-expiry must be between 1 second and 7 days (604800)");
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
