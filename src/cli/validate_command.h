// `sluice validate FILE`: checks a pipeline file (pipeline/pipeline_file.h) without touching any
// server. Prints "FILE: ok (source sqs, 1 transform, sink logins-postgres)" and exits 0, or prints
// every error on stderr, one a line as "FILE:LINE:COLUMN: PATH: message", and exits 2. A message
// schema (top-level key `fields`) or a warehouse models file (`models`) given directly is checked
// as what it is: "FILE: ok (message schema, 7 fields)", "FILE: ok (warehouse models, 2 models:
// podcast, episode)".
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pipeline/component_registry.h"
#include "pipeline/pipeline_error.h"
#include "pipeline/pipeline_file.h"

namespace sluice::cli {

void AddValidateCommand(CLI::App& app, int* exit_code);

// Prints `errors` of the pipeline file `file` on stderr as validate does, one a line, redacted.
// `sluice run` reports a file that does not load the same way.
void PrintPipelineErrors(const std::string& file, const PipelineErrors& errors);

// Loads the pipeline file `file` and checks what its components name beyond their options (the
// schema of a validate transform and mask.fields against it, the models file and model of a
// warehouse-load job), each as far as it bound, so that every error of every file comes back at
// once: the pipeline file's first (PipelineError::file empty), then each named file's, each by
// position and bounded (SortAndBoundErrors). `validate` reports them; `run` refuses with them
// before it starts anything. `registry` must outlive the result.
LoadedPipeline LoadCheckedPipeline(const std::string& file, const ComponentRegistry& registry);

}  // namespace sluice::cli
