// One user's object in the lake's source (SPEC §4): `<user_id>.csv` holding the header
// `first_name, last_name, birthts` (spaces after the commas) and one data row, `birthts` being
// the birth time in milliseconds since the epoch, UTC; and the optional `<user_id>.png`.
//
// Anything else in a CSV is a reject whose reason names the place (line, column, field) and
// never quotes a value, since names are personal data: an empty object, bytes that are not
// UTF-8 or a NUL, a header missing a column or naming one twice or one unknown, no data row
// or more than one, a row with another number of fields, a birthts that is not a whole number
// or lies outside the years 1 to 9999.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "jobs/lake/lake_snapshot.h"

namespace sluice::lake {

// The user id of an object named `<user_id><extension>` (".csv", ".png") directly under the
// source prefix, from its key relative to that prefix: "1000.csv" gives 1000. nullopt for any
// other name: another extension, a key in a subfolder, an id that is not written in plain
// digits without leading zeros (so two names never give one id) or does not fit in 63 bits.
std::optional<int64_t> UserIdOf(std::string_view name, std::string_view extension);

// The user held by `bytes`, the content of the CSV object whose user id is `user_id`; img_path
// is left empty. An error is kInvalidArgument with the reason alone (the caller names the key).
Result<LakeUser> ParseUserCsv(int64_t user_id, std::string_view bytes);

}  // namespace sluice::lake
