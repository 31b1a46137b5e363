// Environment references in a pipeline file's values, resolved when the file is loaded:
//   ${NAME}            the variable's value; an unset variable is an error
//   ${NAME:-default}   the default when the variable is unset or empty (as in POSIX sh)
//   $$                 a literal '$'
// A '$' before anything else stays as it is. NAME is letters, digits and '_', not starting with a
// digit (POSIX's portable names); the default is literal text up to the first '}'. Only values
// are interpolated, never keys.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// A variable's value, or nullopt when it is unset. The loader passes GetPipelineVariable
// (core/environment.h); tests pass their own.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct InterpolationIssue {
  size_t offset = 0;                // of the '$' that starts the bad reference, in the raw text
  std::string message;              // names the variable, never a value
  std::string unset_variable = {};  // for a reference to a variable that is not set: its name
};

struct Interpolated {
  std::string value;
  std::vector<InterpolationIssue> issues;  // all of them; `value` is meaningless when any
};

Interpolated Interpolate(std::string_view text, const VariableLookup& lookup);

// Whether `text` is exactly one "${NAME}", nothing around it and no default: the only form a
// secret option takes, so the secret itself never stands in the file.
bool IsWholeReference(std::string_view text);

}  // namespace sluice
