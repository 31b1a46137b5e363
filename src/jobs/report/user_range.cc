#include "jobs/report/user_range.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/strings.h"

namespace sluice::report {
namespace {

// Slices of about equal numbers of users: equal widths of ids, unless a sample of the ids shows
// those would be uneven (IdSlices::FromSample); then the sample's quantiles, so that skewed ids
// do not pile into one slice. The sample is every 16th id (by hash, so no pattern in
// the ids can bias it) on about a thousand of the table's pages: many pages, because ids sit
// in runs page by page and a few pages would give lumpy quantiles; few rows, to keep the
// client's memory flat. A few milliseconds on the server.
IdSlices SliceUsers(PgConnection& pg, const std::string& users_table, int64_t min_user,
                    int64_t max_user) {
  constexpr size_t kSlices = 128;
  constexpr double kSamplePages = 1024;
  const std::string what = fmt::format("sampling the user ids of {}", users_table);
  const std::string users = QuoteIdent(users_table);
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

void LogSlices(const IdSlices& slices) {
  uint64_t widest = 0;
  for (size_t s = 0; s < slices.count(); ++s)
    widest = std::max(widest, slices.width(s));
  LogDebug("report: {} slices of user ids, the widest {} ids wide", slices.count(), widest);
}

}  // namespace

Result<UserRange> ReadUserRange(PgConnection& pg, const std::string& users_table) {
  ASSIGN_OR_RETURN(PgResult range,
                   pg.QueryIdempotent(fmt::format("SELECT min(user_id), max(user_id) FROM {}",
                                                  QuoteIdent(users_table)),
                                      {}, fmt::format("reading the user ids of {}", users_table)));
  if (range.IsNull(0, 0)) {
    UserRange none{.slices = IdSlices::EqualWidth(0, 0, 1)};
    LogSlices(none.slices);
    return none;
  }
  int64_t min_user = 0, max_user = 0;
  if (!ParseInt(range.Value(0, 0), &min_user) || !ParseInt(range.Value(0, 1), &max_user)) {
    // A numeric column can hold ids beyond 64 bits; no completion id can match them here.
    return DatabaseError(
        fmt::format("{}.user_id runs from {} to {}, which does not fit a 64-bit "
                    "integer",
                    users_table, range.Value(0, 0).substr(0, 40), range.Value(0, 1).substr(0, 40)));
  }
  if (static_cast<uint64_t>(max_user) - static_cast<uint64_t>(min_user) >= (uint64_t{1} << 32)) {
    return InvalidArgument(fmt::format(
        "{}.user_id spans more than 2^32 values; the report handles INT-sized id ranges",
        users_table));
  }
  UserRange users{.empty = false,
                  .min_user = min_user,
                  .max_user = max_user,
                  .slices = SliceUsers(pg, users_table, min_user, max_user)};
  LogSlices(users.slices);
  return users;
}

}  // namespace sluice::report
