// Phase 2 of the daily-lessons report: the window's completions leave MySQL once, spilled to
// temporary files by user-id slice, so that phase 3 can count one slice at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "connectors/mysql/mysql_connection.h"
#include "core/status.h"
#include "jobs/report/daily_lessons.h"
#include "jobs/report/range_spill.h"
#include "jobs/report/user_range.h"

namespace sluice::report {

// The window's completions of ids in the users' range, spilled by slice.
struct WindowCompletions {
  // One spill per reader, all cut by the slices of the UserRange read against.
  std::vector<std::unique_ptr<RangeSpill>> spills;
  // Completions of ids outside the users' range, or of no 64-bit integer id: left out.
  uint64_t unknown = 0;

  // Replaces `out` with slice s of the whole window: that slice of every reader's spill, in
  // no particular order; the slice is then empty. Fails on a spill file's read error.
  Status TakeSlice(size_t s, std::vector<Completion>& out);
};

// Reads `request.completions_table` (quoted as a MySQL identifier) for the window
// [as_of_day - days, as_of_day): user_id and completion_date only. With more than one
// `read_connections` and a non-empty `more_mysql`, the table is split on completion_id and
// each part read on its own connection at once (the server then scans on several cores); the
// caller's `mysql` reads the first. `users` must outlive the result, and stay where it is.
//
// Fails with the first failing part's error: a bad row (BadCompletionError, naming its key),
// a query error, or a connection lost after rows were spilled (they cannot be taken back; the
// error says after how many). A connection lost before its first row is reopened through
// `more_mysql` and the part read again, up to three attempts in all.
Result<WindowCompletions> ReadWindowCompletions(MysqlConnection& mysql,
                                                const MysqlConnector& more_mysql,
                                                const ReportRequest& request,
                                                const UserRange& users);

}  // namespace sluice::report
