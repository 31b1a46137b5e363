// `sluice test FILE_test.yaml...`: runs pipeline test files (pipeline/pipeline_tests.h) through
// their pipelines' transforms, with no server, and prints each case as ok or FAIL with its
// differences, field by field (docs/pipeline-tests.md). Exit 0 when every case passed, 1 when any
// failed, 2 when a test file or its pipeline file does not load (every error with its position,
// as `sluice validate` prints them) or cannot be tested.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddTestCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
