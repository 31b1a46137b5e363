#include "jobs/lake/lake_snapshot.h"

#include <algorithm>
#include <ctime>
#include <mutex>

#include "core/text_check.h"

namespace sluice::lake {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

// The proleptic Gregorian date of a day count (the inverse of DaysFromCivil), by 400-year eras
// counted from 0000-03-01 so that a leap day falls at the end of its year.
Civil CivilOf(int64_t days) {
  const int64_t shifted = days + 719468;  // days from 0000-03-01 to 1970-01-01
  const int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(shifted - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_from_march = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  const unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  return {static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2), month, day};
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int AgeBetween(const Civil& birth, const Civil& today) {
  int64_t age = today.year - birth.year;
  if (today.month < birth.month || (today.month == birth.month && today.day < birth.day)) --age;
  return static_cast<int>(std::clamp<int64_t>(age, INT32_MIN, INT32_MAX));
}

// Ages on one day, with that day's date worked out once.
class AgeRule {
 public:
  explicit AgeRule(UtcDay today) : today_(CivilOf(today)) {}
  int operator()(int64_t birth_ms) const {
    return AgeBetween(CivilOf(FloorDiv(birth_ms, kMsPerDay)), today_);
  }

 private:
  Civil today_;
};

}  // namespace

UtcDay UtcDayOf(int64_t unix_seconds) {
  return static_cast<UtcDay>(FloorDiv(unix_seconds, 86400));
}

UtcDay TodayUtc() {
  return UtcDayOf(static_cast<int64_t>(std::time(nullptr)));
}

int AgeOn(int64_t birth_ms, UtcDay day) {
  return AgeRule(day)(birth_ms);
}

LakeUser UserView::ToUser() const {
  return LakeUser{.user_id = user_id,
                  .first_name = std::string(first_name),
                  .last_name = std::string(last_name),
                  .birth_ms = birth_ms,
                  .img_path = std::string(img_path)};
}

bool UserFilter::Matches(const UserView& user, UtcDay today) const {
  if (has_image && *has_image != user.has_image()) return false;
  if (!min_age && !max_age) return true;
  const int age = AgeOn(user.birth_ms, today);
  if (min_age && age < *min_age) return false;
  if (max_age && age > *max_age) return false;
  return true;
}

std::shared_ptr<const LakeSnapshot> LakeSnapshot::Make(std::vector<LakeUser> users,
                                                       SnapshotInfo info) {
  std::stable_sort(users.begin(), users.end(),
                   [](const LakeUser& a, const LakeUser& b) { return a.user_id < b.user_id; });
  // Of a run of equal ids keep the last, as a later row overwrites an earlier one.
  auto duplicate_of_next = [&](size_t i) {
    return i + 1 < users.size() && users[i + 1].user_id == users[i].user_id;
  };
  size_t kept = 0, with_image = 0, text_size = 0;
  for (size_t i = 0; i < users.size(); ++i) {
    if (duplicate_of_next(i)) continue;
    LakeUser& user = users[i];
    for (std::string* text : {&user.first_name, &user.last_name, &user.img_path}) {
      if (FindUnstorableByte(*text)) *text = EscapeUnstorable(*text);
    }
    text_size += user.first_name.size() + user.last_name.size() + user.img_path.size();
    with_image += user.has_image();
    ++kept;
  }
  std::shared_ptr<LakeSnapshot> snapshot(new LakeSnapshot());
  snapshot->rows_.reserve(kept);
  snapshot->text_.reserve(text_size);
  snapshot->with_image_.birth_ms.reserve(with_image);
  snapshot->without_image_.birth_ms.reserve(kept - with_image);
  for (size_t i = 0; i < users.size(); ++i) {
    if (duplicate_of_next(i)) continue;
    const LakeUser& user = users[i];
    snapshot->rows_.push_back({.user_id = user.user_id,
                               .birth_ms = user.birth_ms,
                               .text = snapshot->text_.size(),
                               .first_name_size = static_cast<uint32_t>(user.first_name.size()),
                               .last_name_size = static_cast<uint32_t>(user.last_name.size()),
                               .img_path_size = static_cast<uint32_t>(user.img_path.size())});
    snapshot->text_ += user.first_name;
    snapshot->text_ += user.last_name;
    snapshot->text_ += user.img_path;
    (user.has_image() ? snapshot->with_image_ : snapshot->without_image_)
        .birth_ms.push_back(user.birth_ms);
  }
  users = {};  // the caller's strings go before the sorts below need their own memory
  std::sort(snapshot->with_image_.birth_ms.begin(), snapshot->with_image_.birth_ms.end());
  std::sort(snapshot->without_image_.birth_ms.begin(), snapshot->without_image_.birth_ms.end());
  snapshot->info_ = std::move(info);
  return snapshot;
}

std::shared_ptr<const LakeSnapshot> LakeSnapshot::Empty() {
  return Make({});
}

UserView LakeSnapshot::ViewOf(const Row& row) const {
  const std::string_view text(text_);
  const size_t last = row.text + row.first_name_size;
  const size_t img = last + row.last_name_size;
  return UserView{.user_id = row.user_id,
                  .first_name = text.substr(row.text, row.first_name_size),
                  .last_name = text.substr(last, row.last_name_size),
                  .birth_ms = row.birth_ms,
                  .img_path = text.substr(img, row.img_path_size)};
}

UserView LakeSnapshot::user(size_t index) const {
  return ViewOf(rows_[index]);
}

std::vector<LakeUser> LakeSnapshot::ToUsers() const {
  std::vector<LakeUser> users;
  users.reserve(rows_.size());
  for (const Row& row : rows_)
    users.push_back(ViewOf(row).ToUser());
  return users;
}

std::optional<UserView> LakeSnapshot::Find(int64_t user_id) const {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), user_id,
                             [](const Row& r, int64_t id) { return r.user_id < id; });
  if (it == rows_.end() || it->user_id != user_id) return std::nullopt;
  return ViewOf(*it);
}

void LakeSnapshot::Accumulate(const ByBirth& group, std::optional<int> min_age,
                              std::optional<int> max_age, UtcDay today, int64_t* count,
                              int64_t* age_sum, std::vector<AgeBand>* bands) {
  const AgeRule age_of(today);
  const std::vector<int64_t>& births = group.birth_ms;
  // Oldest first: ages never rise along the array, so each bound is a partition point.
  auto begin = births.begin();
  auto end = births.end();
  if (max_age) {
    begin = std::partition_point(begin, end, [&](int64_t b) { return age_of(b) > *max_age; });
  }
  if (min_age) {
    end = std::partition_point(begin, end, [&](int64_t b) { return age_of(b) >= *min_age; });
  }
  if (begin >= end) return;
  *count += end - begin;
  // One run per age present, each found by a binary search from where the last one ended.
  for (auto run = begin; run != end;) {
    const int age = age_of(*run);
    auto run_end = std::partition_point(run, end, [&](int64_t b) { return age_of(b) >= age; });
    const int64_t n = run_end - run;
    *age_sum += static_cast<int64_t>(age) * n;
    if (bands) bands->push_back({age, n});
    run = run_end;
  }
}

std::shared_ptr<const LakeSnapshot::DayIndex> LakeSnapshot::IndexFor(UtcDay today) const {
  {
    std::lock_guard lock(index_mutex_);
    if (index_ && index_->day == today) return index_;
  }
  // Built outside the lock: two threads may both build the first index of a day, each whole.
  auto index = std::make_shared<DayIndex>();
  index->day = today;
  int64_t count = 0, age_sum = 0;
  Accumulate(with_image_, std::nullopt, std::nullopt, today, &count, &age_sum, &index->with_image);
  Accumulate(without_image_, std::nullopt, std::nullopt, today, &count, &age_sum,
             &index->without_image);
  std::lock_guard lock(index_mutex_);
  index_ = index;
  return index_;
}

namespace {

// The bands of `bands` within [min_age, max_age], added to `count`, `age_sum` and `out`.
void AddBands(const std::vector<AgeBand>& bands, std::optional<int> min_age,
              std::optional<int> max_age, int64_t* count, int64_t* age_sum,
              std::vector<AgeBand>* out) {
  for (const AgeBand& band : bands) {
    if ((min_age && band.age < *min_age) || (max_age && band.age > *max_age)) continue;
    *count += band.count;
    *age_sum += static_cast<int64_t>(band.age) * band.count;
    if (out) out->push_back(band);
  }
}

}  // namespace

AgeStats LakeSnapshot::Stats(const UserFilter& filter, UtcDay today) const {
  const std::shared_ptr<const DayIndex> index = IndexFor(today);
  int64_t count = 0, age_sum = 0;
  if (!filter.has_image || *filter.has_image) {
    AddBands(index->with_image, filter.min_age, filter.max_age, &count, &age_sum, nullptr);
  }
  if (!filter.has_image || !*filter.has_image) {
    AddBands(index->without_image, filter.min_age, filter.max_age, &count, &age_sum, nullptr);
  }
  AgeStats stats;
  stats.count = count;
  if (count > 0) stats.average_age = static_cast<double>(age_sum) / static_cast<double>(count);
  return stats;
}

std::vector<AgeBand> LakeSnapshot::AgeBands(const UserFilter& filter, UtcDay today) const {
  const std::shared_ptr<const DayIndex> index = IndexFor(today);
  std::vector<AgeBand> bands;
  int64_t count = 0, age_sum = 0;
  if (!filter.has_image || *filter.has_image) {
    AddBands(index->with_image, filter.min_age, filter.max_age, &count, &age_sum, &bands);
  }
  if (!filter.has_image || !*filter.has_image) {
    AddBands(index->without_image, filter.min_age, filter.max_age, &count, &age_sum, &bands);
  }
  std::sort(bands.begin(), bands.end(),
            [](const AgeBand& a, const AgeBand& b) { return a.age < b.age; });
  std::vector<AgeBand> merged;
  for (const AgeBand& band : bands) {
    if (!merged.empty() && merged.back().age == band.age) {
      merged.back().count += band.count;
    } else {
      merged.push_back(band);
    }
  }
  return merged;
}

std::optional<int64_t> LakeSnapshot::ForEachMatching(const UserFilter& filter, UtcDay today,
                                                     std::optional<int64_t> after, size_t limit,
                                                     const Visitor& visit) const {
  auto it = rows_.begin();
  if (after) {
    it = std::upper_bound(rows_.begin(), rows_.end(), *after,
                          [](int64_t id, const Row& r) { return id < r.user_id; });
  }
  size_t visited = 0;
  std::optional<int64_t> last;
  for (; it != rows_.end(); ++it) {
    const UserView user = ViewOf(*it);
    if (!filter.Matches(user, today)) continue;
    if (limit != 0 && visited == limit) return last;  // one more remains
    ++visited;
    last = it->user_id;
    if (!visit(user)) break;
  }
  if (it == rows_.end()) return std::nullopt;
  // Stopped by the visitor: the next page starts after the user it stopped on, if any remains.
  for (++it; it != rows_.end(); ++it) {
    if (filter.Matches(ViewOf(*it), today)) return last;
  }
  return std::nullopt;
}

}  // namespace sluice::lake
