// `sluice queue ...`: create, send a file of messages to, and purge an SQS queue.
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddQueueCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
