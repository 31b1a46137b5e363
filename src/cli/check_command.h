// `sluice check JOB` (JOB: warehouse, logins, report, lake): connects to every service the job
// would use, with the job's own options (the same flags and environment variables, so a job's
// command line works with `check JOB` in front), and prints one line per service: ok or failed,
// the resolved target with secrets masked, and what the service answered (PostgreSQL's version,
// user and database; MySQL's version; the SQS queue's URL and message counts; whether the S3
// bucket or local directory answers). Nothing is created or changed. Exit 0 when every service
// answered, 1 otherwise, 2 for bad usage. `--json` prints one JSON document instead:
// {"job": ..., "ok": bool, "services": [{"name", "target", "ok", "detail"}]}.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddCheckCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
