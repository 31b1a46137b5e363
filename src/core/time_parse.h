// Parsing of dates and ISO-8601 timestamps into the instants PostgreSQL stores.
//
// Written by hand rather than with a date library because it runs once per field on the load
// path: a million-row file has two million timestamps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// Parses `YYYY-MM-DD`; anything after the date (a `T` and a time, as vendors send dates) is
// accepted and ignored. On failure returns false and sets `error`.
bool ParseDate(std::string_view text, int32_t* days_since_epoch, std::string* error);

// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]][Z|±HH|±HHMM|±HH:MM]` into microseconds since the
// Unix epoch, UTC. The offset is applied, so the instant is kept; a timestamp without an offset
// is taken as UTC.
bool ParseTimestamp(std::string_view text, int64_t* micros_since_epoch, std::string* error);

// Formats days since the Unix epoch as `YYYY-MM-DD`.
std::string FormatDate(int64_t days_since_epoch);

// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
std::string FormatTimestampUtc(int64_t micros_since_epoch);

}  // namespace sluice
