// The options every command takes: --log-format, --log-level, --no-progress and --json (a job's
// end-of-run summary as one JSON object, cli/run_summary.h). They are the
// root's options, and every command passes an option it does not know up to its parent (CLI11's
// fallthrough), so they are taken anywhere on the line: `sluice --log-level debug warehouse load
// ...` and `sluice warehouse load ... --log-format json` alike. SLUICE_LOG_FORMAT and
// SLUICE_LOG_LEVEL stand in for the flags; a flag wins over its variable. Any option given twice
// takes its last value (`--log-level debug --log-level error` is error), a list all of them.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

// Declares the options on the root `app` (before any command is added, so that the commands
// inherit fallthrough and the last-value-wins policy) and applies them once the line is parsed,
// before any command runs. A bad value of a variable is a usage error (CLI::ValidationError, exit
// 2) that names it; under `completion` and `manpage`, which only print, it is a warning on
// stderr and the default is used.
void AddGlobalOptions(CLI::App& app);

}  // namespace sluice::cli
