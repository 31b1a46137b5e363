// Parsing of dates and ISO-8601 timestamps into the instants PostgreSQL stores.
//
// Written by hand rather than with a date library because it runs once per field on the load
// path: a million-row file has two million timestamps. Only a timestamp naming an IANA zone, or
// taken in a --timezone, goes to the tz database (libdate-tz over the system's tzdata).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// Parses `YYYY-MM-DD`; anything after the date (a `T` and a time, as vendors send dates) is
// accepted and ignored. On failure returns false and sets `error`.
bool ParseDate(std::string_view text, int32_t* days_since_epoch, std::string* error);

// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]][Z|±HH|±HHMM|±HH:MM| Zone/Name]` into microseconds
// since the Unix epoch, UTC. The offset is applied, so the instant is kept; a timestamp without
// an offset is taken as UTC, or in the zone SetNaiveTimestampZone gave. A zone is an IANA name
// after one space (`2021-12-06T20:30:19 Europe/Paris`), looked up in the system's tz database
// (/usr/share/zoneinfo, through libdate-tz): a wall-clock time the clocks skipped (spring forward)
// is an error naming the zone, one they passed twice (fall back) is taken at its earlier instant.
// The numeric forms never reach the zone lookup.
bool ParseTimestamp(std::string_view text, int64_t* micros_since_epoch, std::string* error);

// A zone of the tz database, found once (FindTimeZone) and used for many timestamps.
struct TimeZone {
  const void* zone = nullptr;  // a date::time_zone, kept opaque so callers need no date headers
  std::string name;
};

// The zone called `name` ("Europe/Paris", "UTC"); false with `error` saying why when there is
// none.
bool FindTimeZone(std::string_view name, TimeZone* zone, std::string* error);

// Seconds since the epoch of a wall-clock time in `zone` (given as seconds since the epoch as if
// it were UTC) into UTC: false for a time the clocks skipped; an ambiguous one is the earlier.
bool LocalToUtc(const TimeZone& zone, int64_t local_seconds, int64_t* utc_seconds,
                std::string* error);

// ParseTimestamp, with a timestamp that has no offset or zone taken in `naive_zone` (a
// --timezone) rather than UTC; null keeps UTC.
bool ParseTimestampIn(std::string_view text, const TimeZone* naive_zone, int64_t* micros,
                      std::string* error);

// The zone ParseTimestamp reads naive timestamps (no offset, no zone) in, for the whole process
// (a --timezone, set once before any parsing); null, the default, reads them as UTC. The zone
// must outlive every parse.
void SetNaiveTimestampZone(const TimeZone* zone);

// A --timezone value's rule, as an OptionSpec's `check`: empty, or a zone FindTimeZone knows
// (a UsageError saying where zones come from otherwise).
Status CheckTimeZoneName(std::string_view name);

// Whether `text` (a timestamp ParseTimestamp accepts) names its own offset or zone.
bool HasExplicitZone(std::string_view text);

// Formats days since the Unix epoch as `YYYY-MM-DD`.
std::string FormatDate(int64_t days_since_epoch);

// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
std::string FormatTimestampUtc(int64_t micros_since_epoch);

}  // namespace sluice
