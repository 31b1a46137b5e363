// One component's options as a pipeline file gives them (`mask: {fields: [ip], mask: hmac}`),
// checked against the component's OptionSpecs the way the command line is, with every problem
// reported at its position instead of the first only:
//   - an option the component does not declare (with the closest declared name);
//   - a value of the wrong shape: a map or list where text goes, text where a list goes, a kInt
//     that is not a whole number, a kFlag that is not true or false;
//   - a value CheckOptionValue refuses (out of range, not one of the choices), or an empty one
//     where Resolve would refuse it;
//   - two options that exclude each other, and a required option neither given nor standing in
//     its environment variable;
//   - a secret value (IsSecretValue) written inline instead of as "${VARIABLE}".
// Values are interpolated (pipeline/interpolation.h) before they are checked. A secret option's
// value is never quoted in a message, and is registered for redaction once read.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pipeline/component_registry.h"
#include "pipeline/interpolation.h"
#include "pipeline/pipeline_error.h"
#include "pipeline/yaml_tree.h"

namespace sluice {

// A component as one slot of a pipeline file uses it.
struct ComponentUse {
  const ComponentSpec* spec = nullptr;  // in the registry the file was loaded with
  std::string path;                     // "source.sqs", "transforms[0].mask"
  FilePosition position;                // of the component's name
  // The options by name, as the command line's binder would leave them; completed by
  // OptionValues::Resolve (environment, defaults) when the component's options had no errors.
  OptionValues values = {};
  // Where each given option's value stands (a list's: each item's, in order), for checks made
  // after loading that name a value (mask.fields against the input schema).
  std::map<std::string, std::vector<FilePosition>, std::less<>> positions = {};
};

// Checks `options` (the map under the component's name; a null node is no options) and fills
// `use->values`; `use->spec` and `use->path` are set by the caller. Errors are appended.
void BindComponentOptions(const YamlNode& options, const VariableLookup& lookup, ComponentUse* use,
                          PipelineErrors* errors);

}  // namespace sluice
