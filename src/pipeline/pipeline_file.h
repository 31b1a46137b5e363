// A pipeline file: the components of one pipeline and their options, in YAML. `sluice validate`
// checks one; `sluice run` runs the shapes the jobs' commands run (cli/run_command.h).
//
//   source:                                   # exactly one source component
//     sqs: {queue: logins, receivers: 4}
//   transforms:                               # optional; applied in order
//     - mask: {key-file: ${SLUICE_MASK_KEY_FILE}, mask: siv}
//   sink:                                     # exactly one sink component
//     logins-postgres: {pg: ${SLUICE_PG_URL}}
//   settings: {metrics-listen: 127.0.0.1:9464}  # job-level settings (pipeline/settings.h)
//
// or, for a job that is one component today:
//
//   job:
//     warehouse-load: {model: movie, files: [movies.csv]}
//
// Keys under a component are its options' names as `sluice components NAME` lists them (the
// command-line flags without "--"); a flag is true or false, a list option a YAML list. Values may
// use ${VAR} and ${VAR:-default} (pipeline/interpolation.h); a secret option takes only ${VAR}.
//
// Loading never throws and never stops at the first problem: every error comes back with its
// position and option path (pipeline_error.h), sorted by position. The YAML rules are
// yaml_tree.h's, the option rules component_options.h's; this file checks the structure: the
// top-level keys, one component per slot and of the slot's kind, and job alone or source and sink.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/component_options.h"
#include "pipeline/component_registry.h"
#include "pipeline/interpolation.h"
#include "pipeline/pipeline_error.h"

namespace sluice {

// Larger files are refused unread: a pipeline is a page of YAML.
inline constexpr size_t kMaxPipelineFileBytes = 1 << 20;
// More errors than this are counted, not listed: one bad file must not flood a terminal.
inline constexpr size_t kMaxPipelineErrors = 100;

struct PipelineFile {
  std::optional<ComponentUse> source;
  std::vector<ComponentUse> transforms;
  std::optional<ComponentUse> sink;
  std::optional<ComponentUse> job;
  // The `settings` block (pipeline/settings.h), when the file has one.
  std::optional<ComponentUse> settings;

  // "source sqs, 1 transform, sink logins-postgres", or "job warehouse-load".
  std::string Summary() const;
};

struct LoadedPipeline {
  PipelineFile pipeline;  // complete only when `errors` is empty
  PipelineErrors errors;
  bool ok() const { return errors.empty(); }
};

// The process environment as a VariableLookup (GetPipelineVariable, core/environment.h).
VariableLookup EnvironmentLookup();

// Loads `text`. `registry` must outlive the result (ComponentUse
// points into it). `lookup` gives ${VAR}'s values: the process environment by default.
LoadedPipeline ParsePipeline(std::string_view text, const ComponentRegistry& registry,
                             const VariableLookup& lookup = EnvironmentLookup());

// Reads the file at `path` (at most kMaxPipelineFileBytes + 1 bytes of it) and loads it. A file
// that cannot be read, or is too big, is one error without a position.
LoadedPipeline LoadPipelineFile(const std::string& path, const ComponentRegistry& registry,
                                const VariableLookup& lookup = EnvironmentLookup());

}  // namespace sluice
