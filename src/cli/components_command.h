// `sluice components`: what Sluice is built from, from the same specs that drive the flags.
//   sluice components                  every component, a line each
//   sluice components NAME             one component's reference (Markdown); NAME in any case,
//                                      and an unknown one is a usage error (exit 2) naming the
//                                      likely ones
//   sluice components --environment    every environment variable Sluice reads (Markdown)
// docs/components/*.md and the environment table of docs/configuration.md are this output
// (scripts/docs writes them; tests/integration/docs_test.cc fails when they are stale).
#pragma once

#include <CLI/CLI.hpp>

namespace sluice::cli {

void AddComponentsCommand(CLI::App& app, int* exit_code);

}  // namespace sluice::cli
