// `sluice validate FILE`: checks a pipeline file (pipeline/pipeline_file.h) without touching any
// server. Prints "FILE: ok (source sqs, 1 transform, sink logins-postgres)" and exits 0, or prints
// every error on stderr, one a line as "FILE:LINE:COLUMN: PATH: message", and exits 2.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pipeline/pipeline_error.h"

namespace sluice::cli {

void AddValidateCommand(CLI::App& app, int* exit_code);

// Prints `errors` of the pipeline file `file` on stderr as validate does, one a line, redacted.
// `sluice run` reports a file that does not load the same way.
void PrintPipelineErrors(const std::string& file, const PipelineErrors& errors);

}  // namespace sluice::cli
