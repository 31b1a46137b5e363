// `sluice check JOB` (JOB: warehouse, logins, report, lake): connects to every service the job
// would use, with the job's own options (the same flags and environment variables, so a job's
// command line works with `check JOB` in front), and prints one line per service: ok or failed,
// the resolved target with secrets masked, and what the service answered (PostgreSQL's version,
// user and database; MySQL's version; the SQS queue's URL and message counts; whether the S3
// bucket or local directory answers). `check report` also checks the tables the report reads (a
// SELECT of their columns with LIMIT 0) over each server's session when the server answered:
// "pg-table" (--users-table) and "mysql-table" (--completions-table), a missing table, column or
// grant named. Under an SQS or S3 line, where each AWS setting came from: the profile, region,
// endpoint, CA bundle (when one is set) and credentials, with the access key id masked (its
// first four characters, then ****); never the secret key or the token. Nothing is created or
// changed. Exit 0 when every service answered, 1 otherwise, 2 for bad usage. `--json` prints
// one JSON document instead: {"job": ..., "ok": bool, "services": [{"name", "target", "ok",
// "detail", and for SQS and S3 "aws": {"profile", "profile_source", "region", "region_source",
// "endpoint", "endpoint_source", "ca_bundle", "ca_bundle_source", "credentials_kind",
// "credentials_source", "access_key_id"}}]}.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddCheckCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
