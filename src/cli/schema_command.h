// `sluice schema`: the JSON Schema of pipeline files (pipeline/pipeline_schema.h) on stdout, for
// editors: `sluice schema > sluice-pipeline.schema.json`.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddSchemaCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
