#include "core/time_parse.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <exception>

namespace sluice {
namespace {

bool Digits(std::string_view s, size_t pos, size_t count, int* out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// The zone naive timestamps are read in (SetNaiveTimestampZone); null: UTC.
std::atomic<const TimeZone*> g_naive_timestamp_zone{nullptr};

bool IsZoneNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The instant of `local` wall-clock seconds (plus `fraction` microseconds) in the zone `name`,
// for ParseTimestamp; kept out of line so that the numeric path stays as small as it was.
[[gnu::noinline]] bool ParseZoneSuffix(std::string_view text, int64_t local, int64_t fraction,
                                       std::string_view name, int64_t* micros, std::string* error) {
  TimeZone zone;
  int64_t utc;
  if (!FindTimeZone(name, &zone, error) || !LocalToUtc(zone, local, &utc, error)) {
    *error = fmt::format("'{}': {}", text, *error);
    return false;
  }
  *micros = utc * 1000000 + fraction;
  return true;
}

bool ParseDateParts(std::string_view s, int* y, int* m, int* d, std::string* error) {
  if (!Digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, m) || s[7] != '-' ||
      !Digits(s, 8, 2, d)) {
    *error = fmt::format("'{}' is not a date (expected YYYY-MM-DD)", s);
    return false;
  }
  if (*m < 1 || *m > 12 || *d < 1 || static_cast<unsigned>(*d) > DaysInMonth(*y, *m)) {
    *error = fmt::format("'{}' is not a valid calendar date", s);
    return false;
  }
  return true;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Shift the year to start in March so that the leap day is the last day of the year; then
  // days follow from whole 400-year eras of 146097 days.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ParseDate(std::string_view text, int32_t* days, std::string* error) {
  int y, m, d;
  if (!ParseDateParts(text, &y, &m, &d, error)) return false;
  if (text.size() > 10 && text[10] != 'T' && text[10] != ' ') {
    *error = fmt::format("'{}' is not a date (expected YYYY-MM-DD)", text);
    return false;
  }
  *days = static_cast<int32_t>(DaysFromCivil(y, m, d));
  return true;
}

bool ParseTimestamp(std::string_view s, int64_t* micros, std::string* error) {
  int y, mo, d, h, mi, sec = 0;
  if (!ParseDateParts(s, &y, &mo, &d, error)) return false;
  auto fail = [&] {
    *error = fmt::format("'{}' is not a timestamp (expected YYYY-MM-DDTHH:MM:SS[.fff][±HH:MM])", s);
    return false;
  };
  if (s.size() < 16 || (s[10] != 'T' && s[10] != ' ') || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi)) {
    return fail();
  }
  size_t pos = 16;
  int64_t fraction = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &sec)) return fail();
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      int64_t scale = 100000;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        // Digits beyond microseconds are dropped, as PostgreSQL's own input does after rounding.
        if (scale > 0) fraction += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return fail();
    }
  }
  if (h > 23 || mi > 59 || sec > 60) return fail();
  int offset_minutes = 0;
  if (pos < s.size()) {
    char sign = s[pos];
    if (sign == 'Z' || sign == 'z') {
      ++pos;
    } else if (sign == '+' || sign == '-') {
      int oh, om = 0;
      if (!Digits(s, pos + 1, 2, &oh)) return fail();
      pos += 3;
      if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        if (!Digits(s, pos, 2, &om)) return fail();
        pos += 2;
      }
      if (oh > 15 || om > 59) return fail();
      offset_minutes = (oh * 60 + om) * (sign == '-' ? -1 : 1);
    } else if (sign == ' ' && pos + 1 < s.size() && IsZoneNameStart(s[pos + 1])) {
      // A zone name instead of an offset: off the numeric path, which never reaches here.
      return ParseZoneSuffix(s, DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec,
                             fraction, s.substr(pos + 1), micros, error);
    }
    if (pos != s.size()) return fail();
  } else if (const TimeZone* zone = g_naive_timestamp_zone.load(std::memory_order_relaxed)) {
    // No offset and no zone: the wall-clock time is the --timezone's (only naive timestamps
    // reach this load; the numeric path above does not).
    int64_t utc;
    if (!LocalToUtc(*zone, DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec, &utc,
                    error)) {
      *error = fmt::format("'{}' (read in --timezone {}): {}", s, zone->name, *error);
      return false;
    }
    *micros = utc * 1000000 + fraction;
    return true;
  }
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                 static_cast<int64_t>(offset_minutes) * 60;
  *micros = secs * 1000000 + fraction;
  return true;
}

bool FindTimeZone(std::string_view name, TimeZone* zone, std::string* error) {
  // The last zone found, per thread: a file's timestamps mostly name one zone, and the lookup
  // is a search of the database's names.
  thread_local std::string last_name;
  thread_local const void* last_zone = nullptr;
  if (last_zone && name == last_name) {
    zone->zone = last_zone;
    zone->name = last_name;
    return true;
  }
  if (name.empty() || name.size() > 64 || name.find_first_of(" \t\r\n") != name.npos) {
    *error =
        fmt::format("'{}' is not a time zone name (IANA names such as Europe/Paris, or UTC)", name);
    return false;
  }
  try {
    const date::time_zone* found = date::locate_zone(name);
    last_name.assign(name);
    last_zone = found;
    zone->zone = found;
    zone->name = last_name;
    return true;
  } catch (const std::exception&) {
    *error = fmt::format(
        "'{}' is no time zone of the system's database (/usr/share/zoneinfo, Debian's tzdata): "
        "IANA names such as Europe/Paris or America/New_York, or UTC",
        name);
    return false;
  }
}

bool LocalToUtc(const TimeZone& zone, int64_t local_seconds, int64_t* utc_seconds,
                std::string* error) {
  const auto* tz = static_cast<const date::time_zone*>(zone.zone);
  const date::local_seconds local{std::chrono::seconds(local_seconds)};
  try {
    const date::local_info info = tz->get_info(local);
    if (info.result == date::local_info::nonexistent) {
      *error = fmt::format(
          "that wall-clock time does not exist in {}: the clocks skipped it (a daylight saving "
          "change); give the offset (+HH:MM) instead",
          zone.name);
      return false;
    }
    // An ambiguous time (the clocks went back) is taken at its first occurrence, the earlier
    // instant, as PostgreSQL does.
    const auto offset = info.first.offset;
    *utc_seconds = local_seconds - offset.count();
    return true;
  } catch (const std::exception& e) {
    *error = fmt::format("cannot convert the time in {}: {}", zone.name, e.what());
    return false;
  }
}

void SetNaiveTimestampZone(const TimeZone* zone) {
  g_naive_timestamp_zone.store(zone, std::memory_order_relaxed);
}

Status CheckTimeZoneName(std::string_view name) {
  TimeZone zone;
  std::string error;
  if (name.empty() || FindTimeZone(name, &zone, &error)) return Status::Ok();
  return UsageError(error);
}

bool ParseTimestampIn(std::string_view text, const TimeZone* naive_zone, int64_t* micros,
                      std::string* error) {
  if (!HasExplicitZone(text)) {
    // Read as UTC here whatever SetNaiveTimestampZone says: `naive_zone` is applied below.
    const TimeZone* saved = g_naive_timestamp_zone.exchange(nullptr);
    const bool parsed = ParseTimestamp(text, micros, error);
    g_naive_timestamp_zone.store(saved);
    if (!parsed) return false;
  } else if (!ParseTimestamp(text, micros, error)) {
    return false;
  }
  if (!naive_zone || HasExplicitZone(text)) return true;
  // A naive timestamp was read as UTC: its wall-clock time is taken in `naive_zone` instead.
  const int64_t fraction = ((*micros % 1000000) + 1000000) % 1000000;
  const int64_t local = (*micros - fraction) / 1000000;
  int64_t utc;
  if (!LocalToUtc(*naive_zone, local, &utc, error)) {
    *error = fmt::format("'{}': {}", text, *error);
    return false;
  }
  *micros = utc * 1000000 + fraction;
  return true;
}

bool HasExplicitZone(std::string_view text) {
  // Past the date and the time's HH:MM: a Z, a sign of an offset, or a space before a name.
  for (size_t i = 16; i < text.size(); ++i) {
    const char c = text[i];
    if (c == 'Z' || c == 'z' || c == '+' || c == '-' || c == ' ') return true;
  }
  return false;
}

namespace {

struct Civil {
  int64_t year;
  unsigned month, day;
};

// The inverse of DaysFromCivil.
Civil CivilFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

}  // namespace

std::string FormatDate(int64_t days) {
  Civil c = CivilFromDays(days);
  return fmt::format("{:04d}-{:02d}-{:02d}", c.year, c.month, c.day);
}

std::string FormatTimestampUtc(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  int64_t frac = micros - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  Civil c = CivilFromDays(days);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", c.year, c.month, c.day,
                     rem / 3600, rem / 60 % 60, rem % 60, frac);
}

}  // namespace sluice
