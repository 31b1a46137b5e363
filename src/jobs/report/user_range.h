// Phase 1 of the daily-lessons report: the users' id range, cut into slices of about equal
// numbers of users, by which the window's completions are spilled (phase 2) and counted
// (phase 3).
#pragma once

#include <cstdint>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/status.h"
#include "jobs/report/id_slices.h"

namespace sluice::report {

struct UserRange {
  bool empty = true;  // the users table has no rows: every completion is an unknown user's
  int64_t min_user = 0;
  int64_t max_user = 0;
  IdSlices slices;  // over [min_user, max_user]; one slice when empty

  // Whether `user_id` may be a user's: ids outside the range are unknown ones.
  bool Holds(int64_t user_id) const { return !empty && user_id >= min_user && user_id <= max_user; }
};

// Reads MIN and MAX of `users_table`.user_id (a PostgreSQL table or view, quoted) and a sample
// of its ids, and hands on the range with its slices. Fails (kDatabase) when the ids do not fit
// 64 bits and (kInvalidArgument) when they span 2^32 values or more, since spilled completions
// hold an id's offset in 32 bits; a failed query's status passes through. A sample that cannot
// be taken (a view) only makes the slices equal in width.
Result<UserRange> ReadUserRange(PgConnection& pg, const std::string& users_table);

}  // namespace sluice::report
