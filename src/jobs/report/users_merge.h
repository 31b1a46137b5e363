// Phase 3 of the daily-lessons report: the users, streamed from PostgreSQL in id order, meet
// their slice's completions (spilled in phase 2) and become the CSV's rows.
#pragma once

#include "connectors/postgres/pg_connection.h"
#include "core/status.h"
#include "jobs/report/completions_read.h"
#include "jobs/report/daily_lessons.h"
#include "jobs/report/report_output.h"
#include "jobs/report/user_range.h"

namespace sluice::report {

// Streams `request.users_table` (user_id, user_name, active_status; COPY in id order) and
// loads each slice of `window` when the first user past it arrives, so memory holds one slice.
// An active user gets one `output` row per day with completions, or one with no date and 0;
// an inactive user's completions are counted in `result->inactive_completions`, and those no
// user claims in `result->unknown_completions`; `active_users` and `completions` are counted
// too. Does not flush `output`.
//
// A session lost on the way (a restart, a failover) is reopened and the read goes on after the
// last user taken, up to six sessions over about 15 s. Fails (kDatabase) on a user_id that is
// not a 64-bit integer or appears twice; `output`'s and the spills' errors pass through.
Status MergeUsersWithCounts(PgConnection& pg, const ReportRequest& request, const UserRange& users,
                            WindowCompletions& window, ReportOutput& output, ReportResult* result);

}  // namespace sluice::report
