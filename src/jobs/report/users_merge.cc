#include "jobs/report/users_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/strings.h"
#include "core/time_parse.h"
#include "jobs/report/day_counts.h"

namespace sluice::report {
namespace {

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
                      what, [&](std::string_view line) {
                        Status row = on_user(line);
                        if (!row.ok()) taken = row;
                        return row;
                      });
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

// The merge's state as the users stream by: the slice loaded, the last user taken.
class UserMerge {
 public:
  UserMerge(const ReportRequest& request, const UserRange& users, WindowCompletions& window,
            ReportOutput& output, ReportResult* result)
      : request_(request),
        users_(users),
        window_(window),
        output_(output),
        result_(result),
        counts_(static_cast<uint32_t>(request.days)) {
    // The window's days as text, made once rather than per row.
    const int32_t first_day = request.as_of_day - request.days;
    for (int d = 0; d < request.days; ++d)
      dates_.push_back(FormatDate(first_day + d));
  }

  // The last user taken, for a new session to read on after.
  const std::optional<int64_t>& last_user() const { return previous_user_; }

  // One row of the users' COPY: user_id, user_name, active (t or f).
  Status OnUser(std::string_view line) {
    DecodeCopyTextRow(line, &fields_);
    int64_t user_id;
    if (fields_.size() != 3 || !fields_[0] || !ParseInt(*fields_[0], &user_id)) {
      return DatabaseError(
          fmt::format("{}: a row whose user_id ({}) is not a 64-bit integer", request_.users_table,
                      fields_.empty() || !fields_[0] ? "NULL" : fields_[0]->substr(0, 40)));
    }
    // Ids arrive in order, so a repeat is the row before: a table without a key (or a view)
    // that repeats an id would list the user twice and count their completions twice.
    if (previous_user_ == user_id) {
      return DatabaseError(fmt::format(
          "{}: user_id {} appears on more than one row; the report needs one row per user",
          request_.users_table, user_id));
    }
    previous_user_ = user_id;
    return TakeUser(user_id, fields_[2] == "t", fields_[1] ? *fields_[1] : std::string());
  }

  // After the last user: whatever no user claimed, up to the last slice, belongs to unknown ids.
  Status Finish() {
    RETURN_IF_ERROR(LoadThrough(users_.slices.count() - 1));
    result_->unknown_completions += counts_.unclaimed();
    return Status::Ok();
  }

 private:
  // The user's counts, then their rows if they are active.
  Status TakeUser(int64_t user_id, bool active, const std::string& name) {
    // A user added since min/max were read has no completions in the spill.
    uint64_t mine = 0;
    std::span<const uint32_t> per_day;
    if (users_.Holds(user_id)) {
      RETURN_IF_ERROR(LoadThrough(users_.slices.SliceOf(user_id)));
      per_day = counts_.ForUser(static_cast<uint64_t>(user_id - users_.min_user), &mine);
    }
    if (!active) {
      result_->inactive_completions += mine;
      return Status::Ok();
    }
    ++result_->active_users;
    result_->completions += mine;
    if (mine == 0) return output_.Row(user_id, name, "", 0);
    for (size_t d = 0; d < per_day.size(); ++d) {
      if (per_day[d] == 0) continue;
      RETURN_IF_ERROR(output_.Row(user_id, name, dates_[d], per_day[d]));
    }
    return Status::Ok();
  }

  // Loads the slices up to `slice` in turn. Completions of a slice that no user claimed belong
  // to ids unknown to PostgreSQL.
  Status LoadThrough(size_t slice) {
    const IdSlices& slices = users_.slices;
    while (next_slice_ <= slice && next_slice_ < slices.count()) {
      result_->unknown_completions += counts_.unclaimed();
      RETURN_IF_ERROR(window_.TakeSlice(next_slice_, taken_));
      counts_.Load(taken_, static_cast<uint64_t>(slices.first(next_slice_) - users_.min_user),
                   slices.width(next_slice_));
      ++next_slice_;
    }
    return Status::Ok();
  }

  const ReportRequest& request_;
  const UserRange& users_;
  WindowCompletions& window_;
  ReportOutput& output_;
  ReportResult* result_;
  DayCounts counts_;
  std::vector<std::string> dates_;
  size_t next_slice_ = 0;  // slices below it are loaded or done
  std::vector<Completion> taken_;
  std::vector<std::optional<std::string>> fields_;
  std::optional<int64_t> previous_user_;
};

}  // namespace

Status MergeUsersWithCounts(PgConnection& pg, const ReportRequest& request, const UserRange& users,
                            WindowCompletions& window, ReportOutput& output, ReportResult* result) {
  UserMerge merge(request, users, window, output, result);
  RETURN_IF_ERROR(StreamUsers(pg, request, merge.last_user(),
                              [&](std::string_view line) { return merge.OnUser(line); }));
  return merge.Finish();
}

}  // namespace sluice::report
