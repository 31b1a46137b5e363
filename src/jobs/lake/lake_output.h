// processed_data/output.csv (SPEC §4): one row per user, ordered by user_id, under the header
// `user_id,first_name,last_name,birthts,img_path`; fields are quoted as RFC 4180 needs
// (formats/csv_writer.h), img_path is empty for a user without an image. What `lake build`
// publishes and what a serving replica that follows the published output reads back.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "jobs/lake/lake_snapshot.h"

namespace sluice::lake {

inline constexpr std::string_view kOutputHeader = "user_id,first_name,last_name,birthts,img_path";

// The CSV of `users`, in the order given.
std::string OutputCsv(std::span<const LakeUser> users);

// The users of an output.csv, in file order. kInvalidArgument naming the line for a file that
// is not one: another header, a row of another width, an id or birthts that is not a number.
Result<std::vector<LakeUser>> ParseOutputCsv(std::string_view bytes);

}  // namespace sluice::lake
