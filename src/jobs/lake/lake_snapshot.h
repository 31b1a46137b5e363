// The lake's users as one immutable snapshot, what `lake serve` answers GET /data and GET /stats
// from (SPEC §4). A build makes a new snapshot and the service swaps a
// std::shared_ptr<const LakeSnapshot>; a reader holding the old one keeps it alive, so requests
// never wait on a build and never see a half-made snapshot. Every method is const and safe to
// call from any number of threads at once.
//
// Ages (SPEC §4: "whole years, inclusive, age as of today UTC"):
//   - A user's birth date is the UTC calendar date of `birth_ms`.
//   - Their age on day D (a UTC date) is the number of whole years from the birth date to D:
//     D's year minus the birth year, less one when D's (month, day) comes before the birth
//     date's (month, day). Someone born on 29 February turns a year older on 1 March in common
//     years. A birth date after D gives a negative age.
//   - `min_age` and `max_age` are inclusive bounds on that age: min_age=20&max_age=20 is
//     everyone who is 20 today.
//   - The average age is the mean of the matching users' whole-year ages (not of exact ages),
//     as a double.
//
// How /stats answers in O(log n): ages are non-increasing in birth time, so the users of one
// age form a contiguous run of an array ordered by birth time, and an age bound is one binary
// search. Users with an image and users without are two such arrays, so a filter on
// `has_image` picks one or both. The count of matches is a difference of indices; the sum of
// their ages is accumulated band by band (one binary search per distinct age present among the
// matches, so at most ~150 for human ages, independent of n). That walk is done once a day
// (DayIndex): each request then adds up the per-age counts its filter selects, so a
// million-user lake answers as fast as a hundred-user one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::lake {

// One row of processed_data/output.csv.
struct LakeUser {
  int64_t user_id = 0;  // from the object name `<user_id>.csv`; non-negative
  std::string first_name = {};
  std::string last_name = {};
  int64_t birth_ms = 0;  // `birthts`: milliseconds since 1970-01-01T00:00:00Z
  // The image's object path from the store's root (`source_data/1000.png`); empty without one.
  std::string img_path = {};

  bool has_image() const { return !img_path.empty(); }
  bool operator==(const LakeUser&) const = default;
};

// One user of a snapshot: the row's numbers, and views of its strings that stay valid while the
// snapshot does (hold the SnapshotPtr, not the view, across a rebuild).
struct UserView {
  int64_t user_id = 0;
  std::string_view first_name = {};
  std::string_view last_name = {};
  int64_t birth_ms = 0;
  std::string_view img_path = {};

  bool has_image() const { return !img_path.empty(); }
  LakeUser ToUser() const;
  bool operator==(const UserView&) const = default;
};

// Days since 1970-01-01, UTC: the "today" ages are taken on.
using UtcDay = int32_t;

// The UTC day of `unix_seconds`; of the current time when called without an argument.
UtcDay UtcDayOf(int64_t unix_seconds);
UtcDay TodayUtc();

// A user's age in whole years on `day` (the rules at the top of this file).
int AgeOn(int64_t birth_ms, UtcDay day);

// The filters of GET /data and GET /stats; an unset field does not filter. The HTTP layer
// checks the query (a negative age, min_age > max_age) and builds this: a filter whose
// min_age exceeds its max_age simply matches nobody here.
struct UserFilter {
  std::optional<bool> has_image = {};  // is_image_exists
  std::optional<int> min_age = {};     // inclusive, whole years
  std::optional<int> max_age = {};     // inclusive, whole years

  bool Matches(const UserView& user, UtcDay today) const;
};

struct AgeStats {
  int64_t count = 0;  // users matching the filter
  // The mean of their whole-year ages; nullopt when count is 0.
  std::optional<double> average_age = {};
};

// The users of one whole-year age, for the status page's histogram.
struct AgeBand {
  int age = 0;
  int64_t count = 0;
};

// What the snapshot was made from, for /health and the status page.
struct SnapshotInfo {
  int64_t built_at_ms = 0;  // when the build that made it finished, Unix ms
  // The ETag of the published output.csv it matches ("" when unknown): a serving replica that
  // follows the output reloads when the object's ETag differs.
  std::string output_etag = {};
  int64_t rejected = 0;  // source objects the build rejected (not in `users`)
};

// The users are kept compactly, as a row of numbers each and one buffer for every name and
// path (about 80 bytes a user, against some 150 as LakeUser objects), so that a million-user
// lake serves in about 100 MB, and so that the snapshot is a few large allocations that leave
// nothing scattered through the heap when the build that made it frees its own memory.
class LakeSnapshot {
 public:
  // Users in any order; they are sorted by user_id. A user_id given twice keeps the last.
  // Every name and path of the snapshot is valid UTF-8 without NUL (a replica's output.csv is
  // outside input): a string that is not is replaced by its EscapeUnstorable form, so that
  // answers copy them as they are.
  static std::shared_ptr<const LakeSnapshot> Make(std::vector<LakeUser> users,
                                                  SnapshotInfo info = {});
  // A snapshot with no users.
  static std::shared_ptr<const LakeSnapshot> Empty();

  size_t size() const { return rows_.size(); }
  // The user at `index` (0 to size()-1) in user_id order.
  UserView user(size_t index) const;
  // Every user, ordered by user_id ascending, as LakeUser objects (a copy: for tests and for
  // comparing two snapshots' contents).
  std::vector<LakeUser> ToUsers() const;
  const SnapshotInfo& info() const { return info_; }
  // The user with this id, or nullopt.
  std::optional<UserView> Find(int64_t user_id) const;

  // Count and average age of the users matching `filter` on `today`; O(log n) (see above).
  AgeStats Stats(const UserFilter& filter, UtcDay today) const;

  // How many matching users there are of each age on `today`, youngest first; ages with no
  // users are left out.
  std::vector<AgeBand> AgeBands(const UserFilter& filter, UtcDay today) const;

  // A page of GET /data: calls `visit` for each user matching `filter` on `today`, in user_id
  // order, starting with the first user_id greater than `after` (from the first user when
  // nullopt), until `limit` users were visited (limit 0: no limit) or `visit` returns false.
  // Returns the cursor of the next page (the last visited user's id, also when `visit` stopped
  // the walk) when more matching users remain after it, else nullopt. The cost is the users
  // stepped over, not n: a page of an unfiltered listing costs its own length.
  using Visitor = std::function<bool(const UserView&)>;
  std::optional<int64_t> ForEachMatching(const UserFilter& filter, UtcDay today,
                                         std::optional<int64_t> after, size_t limit,
                                         const Visitor& visit) const;

 private:
  LakeSnapshot() = default;
  // One user: its numbers, and where its strings lie in text_ (first name, last name and
  // image path, one after another).
  struct Row {
    int64_t user_id;
    int64_t birth_ms;
    uint64_t text;  // offset of the first name in text_
    uint32_t first_name_size;
    uint32_t last_name_size;
    uint32_t img_path_size;
  };
  // The birth times of one image group, ascending.
  struct ByBirth {
    std::vector<int64_t> birth_ms;
  };
  // Adds the counts and age sums of `group`'s users within [min_age, max_age] on `today`.
  static void Accumulate(const ByBirth& group, std::optional<int> min_age,
                         std::optional<int> max_age, UtcDay today, int64_t* count, int64_t* age_sum,
                         std::vector<AgeBand>* bands);
  UserView ViewOf(const Row& row) const;
  // How many users of each age an image group has on one day: a request's answer is then a
  // walk over the ~100 ages present, not binary searches over the users. Built by the first
  // request of a day (O(log n) per age, as described at the top of this file) and kept until
  // the day changes.
  struct DayIndex {
    UtcDay day = 0;
    std::vector<AgeBand> with_image, without_image;  // oldest first
  };
  std::shared_ptr<const DayIndex> IndexFor(UtcDay today) const;

  std::vector<Row> rows_;  // by user_id
  std::string text_;
  ByBirth with_image_;
  ByBirth without_image_;
  SnapshotInfo info_;
  mutable std::mutex index_mutex_;
  mutable std::shared_ptr<const DayIndex> index_;  // of the last day asked for
};

using SnapshotPtr = std::shared_ptr<const LakeSnapshot>;

}  // namespace sluice::lake
