// "Did you mean": the known name closest to a misspelt one, for errors that name an unknown key,
// component or option.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sluice {

// The number of single-character insertions, deletions, substitutions and swaps of two
// neighbours that turn `a` into `b` (optimal string alignment distance).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name`, or "" when none is close enough to be a likely typo: at most
// 2 edits, and fewer than half of the longer name's characters (so "pg" never suggests "sqs").
// Ties go to the first candidate.
std::string ClosestName(std::string_view name, std::span<const std::string> candidates);

}  // namespace sluice
