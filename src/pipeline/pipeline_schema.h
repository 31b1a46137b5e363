// The pipeline file format (pipeline_file.h) as a JSON Schema, draft 2020-12
// (https://json-schema.org/draft/2020-12/json-schema-core), generated from the components'
// OptionSpecs so that it cannot drift from what `sluice validate` accepts. Editors use it for
// completion and checking (`sluice schema > sluice-pipeline.schema.json`).
//
// What the schema cannot say, `sluice validate` still checks: ${VAR} references are accepted
// wherever a value goes (their values are known only at load), so a number or a choice may also
// be a string holding "${"; and a required option whose environment variable may stand in is not
// required by the schema.
#pragma once

#include <string>

#include "pipeline/component_registry.h"

namespace sluice {

// One JSON object, without a trailing newline.
std::string PipelineJsonSchema(const ComponentRegistry& registry);

}  // namespace sluice
