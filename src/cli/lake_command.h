// `sluice lake ...`: the lake job (SPEC §4). `seed` uploads a local folder into a lake, `build`
// aggregates its users into processed_data/output.csv (docs/lake.md).
#pragma once

#include <CLI/CLI.hpp>

#include "connectors/objstore/store_location.h"
#include "pipeline/option_spec.h"

namespace sluice::cli {

void AddLakeCommand(CLI::App& app, int* exit_code);

// `lake build`'s options: the lake-build job's and the summary's --format.
std::vector<OptionSpec> LakeBuildOptions();

// `lake build` on values resolved against LakeBuildOptions(): the command, and `sluice run` on a
// file whose job is lake-build (run_command.h). Returns the exit status.
int RunLakeBuild(const OptionValues& values);

// The store a lake command's `location` positional names, or the default lake
// (DefaultLakeLocation) below `default_below` when it was not given; bad usage for a location
// that is not one. The options' s3-endpoint and s3-addressing reach S3.
struct OpenedLake {
  StoreLocation location;
  std::unique_ptr<ObjectStore> store;
};
Result<OpenedLake> OpenLake(const OptionValues& values, std::string_view default_below = "");

}  // namespace sluice::cli
