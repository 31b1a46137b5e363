// One row of the report window as MySQL sends it (user_id, completion_date, as text), and how
// it counts. MySQL holds values no PostgreSQL users table can: BIGINT UNSIGNED ids up to
// 2^64 - 1, and, in its default SQL mode, dates with a zero month or day (2023-09-00) or, with
// ALLOW_INVALID_DATES, days a month does not have (2023-02-30).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::report {

struct CompletionRow {
  // False for an id no PostgreSQL integer column can hold (outside int64: a BIGINT UNSIGNED
  // above 2^63 - 1, a DECIMAL beyond it) or NULL: such a completion belongs to no user in the
  // users table, so it is an unknown user's, counted and left out like any other unknown id.
  bool user_id_fits = false;
  int64_t user_id = 0;
  uint32_t day = 0;  // offset in the window, below `days`
};

// What makes a row unusable: a user_id that is not an integer, or a completion_date that is
// not a calendar day (no day of the report can hold it; the zero date 0000-00-00 sorts before
// every window, so the window's query never returns it).
struct BadCompletion {
  std::string column;
  std::optional<std::string> value;  // as MySQL sent it; nullopt for NULL
  std::string why;
};

// Classifies a row of the window [first_day, first_day + days): fills `row` and returns
// nullopt, or returns what is wrong with it.
std::optional<BadCompletion> ReadCompletionRow(std::optional<std::string_view> user_id,
                                               std::optional<std::string_view> completion_date,
                                               int32_t first_day, int days, CompletionRow* row);

// The error (DatabaseError) for a bad row, naming the table, the row's key, the column and the
// value (cut short, control characters shown as '?'). `completion_id` is the key's text, or
// empty when it could not be found.
Status BadCompletionError(std::string_view table, std::string_view completion_id,
                          const BadCompletion& bad);

// `completion_id BETWEEN a AND b` conditions cutting [lo, hi] (MIN and MAX of the key, as
// MySQL sent them) into at most `n` ranges for parallel readers, or none when the bounds are
// not both 64-bit integers (signed, or BIGINT UNSIGNED up to 2^64 - 1).
std::vector<std::string> SplitCompletionIds(std::string_view lo_text, std::string_view hi_text,
                                            int n);

}  // namespace sluice::report
