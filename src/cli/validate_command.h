// `sluice validate FILE`: checks a pipeline file (pipeline/pipeline_file.h) without touching any
// server. Prints "FILE: ok (source sqs, 1 transform, sink logins-postgres)" and exits 0, or prints
// every error on stderr, one a line as "FILE:LINE:COLUMN: PATH: message", and exits 2.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddValidateCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
