#include "jobs/report/completions_read.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "aws/crypto.h"
#include "core/log.h"
#include "core/names.h"
#include "core/thread_name.h"
#include "core/time_parse.h"
#include "jobs/report/completion_row.h"

namespace sluice::report {
namespace {

// What every part's reader shares.
struct WindowRead {
  const ReportRequest& request;
  const UserRange& users;
  int32_t first_day;
  std::string completions;  // the table, quoted
  std::string what;         // what the errors say was being done
};

// One reader's share of the window.
struct Part {
  std::string where;  // the window, and its completion_id range when the read is split
  std::string query;
  RangeSpill* spill = nullptr;
  uint64_t unknown = 0;
};

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

// Each part's condition: the window, cut by completion_id ranges when more connections may
// read it and the table's key bounds are integers; otherwise one part holds the whole window.
std::vector<std::string> PartConditions(MysqlConnection& mysql, const MysqlConnector& more_mysql,
                                        const WindowRead& read) {
  const std::string window =
      fmt::format("completion_date >= '{}' AND completion_date < '{}'", FormatDate(read.first_day),
                  FormatDate(read.request.as_of_day));
  if (read.request.read_connections <= 1 || !more_mysql) return {window};
  std::vector<std::string> ranges;
  Status bounds = mysql.Stream(
      fmt::format("SELECT MIN(completion_id), MAX(completion_id) FROM {}", read.completions),
      read.what, [&](const MysqlRow& row) {
        if (row[0] && row[1])
          ranges = SplitCompletionIds(*row[0], *row[1], read.request.read_connections);
        return Status::Ok();
      });
  // Without a completion_id to split on, one connection reads everything.
  if (!bounds.ok() || ranges.empty()) return {window};
  std::vector<std::string> wheres;
  for (const std::string& ids : ranges)
    wheres.push_back(fmt::format("{} AND {}", window, ids));
  return wheres;
}

// One attempt at a part over `conn`: its rows go to the part's spill, those of ids outside the
// users' range are counted as unknown. `*rows` counts the rows received. A bad row ends the
// read with its error, naming the row by its key.
Status StreamPart(MysqlConnection& conn, const WindowRead& read, Part& part, uint64_t* rows) {
  std::optional<BadCompletion> bad;
  Status st = conn.Stream(part.query, read.what, [&](const MysqlRow& row) -> Status {
    ++*rows;
    CompletionRow c;
    bad = ReadCompletionRow(row[0], row[1], read.first_day, read.request.days, &c);
    if (bad) return Status(StatusCode::kCancelled, "a bad row");  // named below
    if (!c.user_id_fits || !read.users.Holds(c.user_id)) {
      ++part.unknown;
      return Status::Ok();
    }
    return part.spill->Add(c.user_id, c.day);
  });
  if (!bad) return st;
  return BadCompletionError(read.request.completions_table,
                            KeyOfBadRow(conn, read.completions, part.where, *bad), *bad);
}

// Reads part `index` of `parts` whole on `first`. A connection lost before the part's first
// row (a server restart, an idle timeout) is replaced by one from `more_mysql`, which reads the
// part again, up to three attempts in all; one lost later fails, since the rows spilled cannot
// be taken back.
Status ReadPart(MysqlConnection& first, const MysqlConnector& more_mysql, const WindowRead& read,
                Part& part, size_t index, size_t parts) {
  constexpr int kAttempts = 3;
  MysqlConnection* conn = &first;
  std::unique_ptr<MysqlConnection> fresh;
  for (int attempt = 1;; ++attempt) {
    uint64_t rows = 0;
    Status st = StreamPart(*conn, read, part, &rows);
    if (st.code() != StatusCode::kUnavailable) return st;
    if (rows > 0) {
      return st.WithContext(
          fmt::format("after {} rows of the window (part {} of {})", rows, index + 1, parts));
    }
    if (attempt == kAttempts || !more_mysql) return st;
    LogWarn("{}; reading again on a new connection", st.message());
    ASSIGN_OR_RETURN(fresh, more_mysql());
    conn = fresh.get();
  }
}

}  // namespace

Status WindowCompletions::TakeSlice(size_t s, std::vector<Completion>& out) {
  out.clear();
  for (auto& spill : spills)
    RETURN_IF_ERROR(spill->TakeInto(s, out));
  return Status::Ok();
}

Result<WindowCompletions> ReadWindowCompletions(MysqlConnection& mysql,
                                                const MysqlConnector& more_mysql,
                                                const ReportRequest& request,
                                                const UserRange& users) {
  const WindowRead read{.request = request,
                        .users = users,
                        .first_day = request.as_of_day - request.days,
                        .completions = QuoteMysqlIdent(request.completions_table),
                        .what = fmt::format("reading {} from MySQL", request.completions_table)};
  WindowCompletions window;
  std::vector<Part> parts;
  // completion_id is not read: it would be a third more bytes per row on the hot path. A bad
  // row is looked up by its values instead, to name it.
  for (std::string& where : PartConditions(mysql, more_mysql, read)) {
    window.spills.push_back(std::make_unique<RangeSpill>(users.slices));
    std::string query =
        fmt::format("SELECT user_id, completion_date FROM {} WHERE {}", read.completions, where);
    parts.push_back(Part{
        .where = std::move(where), .query = std::move(query), .spill = window.spills.back().get()});
  }
  std::vector<Status> status(parts.size());
  std::vector<std::thread> readers;
  for (size_t i = 1; i < parts.size(); ++i) {
    readers.emplace_back([&, i] {
      NameThisThread("mysql-read");
      auto conn = more_mysql();
      status[i] =
          conn.ok() ? ReadPart(**conn, more_mysql, read, parts[i], i, parts.size()) : conn.status();
    });
  }
  status[0] = ReadPart(mysql, more_mysql, read, parts[0], 0, parts.size());
  for (auto& t : readers)
    t.join();
  for (size_t i = 0; i < parts.size(); ++i) {
    RETURN_IF_ERROR(status[i]);
    window.unknown += parts[i].unknown;
  }
  LogDebug("report: the window's completions read from MySQL and spilled");
  return window;
}

}  // namespace sluice::report
