// `sluice run FILE`: loads a pipeline file (pipeline/pipeline_file.h) and runs it. A file that
// does not load gives the same errors and exit status 2 as `sluice validate`, and nothing is
// started. The jobs' commands are presets of the same compositions: a file runs through the very
// function its command calls (`logins run`, `warehouse load`), with the options the file gives
// bound as that command's flags would be. Supported shapes (docs/pipelines.md):
//   source file or sqs, transforms [mask], sink logins-postgres   -> `sluice logins run`
//   job warehouse-load                                             -> `sluice warehouse load`
//   job daily-lessons                                              -> `sluice report run`
//   job lake-build                                                 -> `sluice lake build`
// Any other composition is a usage error (exit 2) naming these.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddRunCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
