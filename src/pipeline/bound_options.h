// Which of a loaded pipeline's options bound well enough to check what they name (a schema file,
// a models file, mask's fields), when other parts of the file have errors: `sluice validate`
// reports every error at once, so a misspelt option elsewhere must not hide a bad mask field.
//
// A component whose options had no error was Resolved (environment, defaults) and all its values
// stand. One with errors was not: only the options it gave in the file and bound are there
// (ComponentUse::positions names them), and the rest are unknown, neither given nor defaulted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/component_options.h"
#include "pipeline/pipeline_error.h"

namespace sluice {

// Whether `errors` (the pipeline file's own: PipelineError::file empty) has one at `path` or
// under it: "transforms[1].mask" covers "transforms[1].mask.fields[0]", not "transforms[10]".
inline bool HasErrorUnder(const PipelineErrors& errors, std::string_view path) {
  for (const PipelineError& e : errors) {
    if (!e.file.empty() || !e.path.starts_with(path)) continue;
    if (e.path.size() == path.size() || e.path[path.size()] == '.' || e.path[path.size()] == '[')
      return true;
  }
  return false;
}

// Whether the structure of the file is whole: no error of the YAML reader (which has no option
// path and may have dropped any part) and none at a slot ("transforms[2]: unknown component"),
// so a component the checks do not find is truly absent.
inline bool StructureWhole(const PipelineErrors& errors) {
  for (const PipelineError& e : errors) {
    if (!e.file.empty()) continue;
    if (e.path.empty() || e.path == "source" || e.path == "sink" || e.path == "job" ||
        e.path == "transforms" || e.path == "settings")
      return false;
    if (e.path.starts_with("transforms[") && e.path.back() == ']' &&
        e.path.find('.') == std::string::npos)
      return false;
  }
  return true;
}

// The value of text option `option` of `use` when it is known: the component was Resolved, or
// the file gave it and it bound, and no error is at it. nullptr otherwise.
inline const std::string* BoundText(const ComponentUse& use, const std::string& option,
                                    const PipelineErrors& errors) {
  if (HasErrorUnder(errors, use.path + "." + option)) return nullptr;
  if (!HasErrorUnder(errors, use.path) || use.positions.count(option))
    return &use.values.String(option);
  return nullptr;
}

// The items of list option `option` that bound, when the file gave it (positions holds theirs,
// item by item), or all of it when the component was Resolved; nullptr when unknown. An item
// with an error is left out, so `*complete` says whether none was.
inline const std::vector<std::string>* BoundList(const ComponentUse& use, const std::string& option,
                                                 const PipelineErrors& errors, bool* complete) {
  *complete = !HasErrorUnder(errors, use.path + "." + option);
  if (!HasErrorUnder(errors, use.path) || use.positions.count(option))
    return &use.values.Strings(option);
  return nullptr;
}

// Whether the file gave `option` to `use` (bound or not), false when it did not or it is unknown.
inline bool GivenInFile(const ComponentUse& use, const std::string& option,
                        const PipelineErrors& errors) {
  if (use.positions.count(option) || HasErrorUnder(errors, use.path + "." + option)) return true;
  if (!HasErrorUnder(errors, use.path)) return use.values.FromCommandLine(option);
  OptionValues copy = use.values;  // Given() adds a slot the unresolved values may lack
  return copy.Given(option);
}

}  // namespace sluice
