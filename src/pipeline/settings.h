// The job-level settings of a pipeline file (`settings:`), declared once as OptionSpecs: the
// loader checks them like a component's options (unknown names with did-you-mean, ranges,
// choices, each error at its position), `sluice schema` and docs/configuration.md are written
// from them, and `sluice run` applies them.
//
//   settings:
//     log-format: json              # as --log-format
//     progress: never               # as --no-progress; `always` draws even off a terminal
//     metrics-listen: 127.0.0.1:9464
//     commit-attempts: 12
//
// Two groups: the global ones (log-format, log-level, progress), which every pipeline takes and
// which stand for main's global flags; and the stream runner's (RunnerSettingsOptions: batching,
// commit retries, progress lines, metrics), which are also flags of `sluice logins run` and are
// refused by `sluice run` for a pipeline that runs no stream (a job), so a setting is never
// silently ignored.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "pipeline/component_options.h"
#include "pipeline/component_registry.h"
#include "pipeline/option_spec.h"
#include "pipeline/runner.h"

namespace sluice {

// The `settings` block as a component (not registered: it fills no slot), so that its options
// are bound by BindComponentOptions under the path "settings". Lives for the process.
const ComponentSpec& PipelineSettingsComponent();

// The names of the global settings: log-format, log-level, progress.
const std::vector<std::string>& GlobalSettingNames();

// metrics-listen alone, for a command that runs a pipeline file (`sluice run --metrics-listen`).
OptionSpec MetricsListenOption();

// The stream runner's settings, as flags of a streaming command (`sluice logins run`):
// metrics-listen, batch-linger-ms, batch-max-mb, commit-attempts, commit-first-pause-ms,
// commit-longest-pause-ms, progress-every.
std::vector<OptionSpec> RunnerSettingsOptions();

// `options` with the runner's settings from `values` (resolved against RunnerSettingsOptions);
// metrics-listen is read by the command itself (pipeline/pipeline_metrics.h).
RunnerOptions RunnerOptionsFrom(const OptionValues& values, RunnerOptions options = {});

// Applies log-format, log-level and progress from resolved `values` to the process (core/log.h,
// core/progress.h). Values not given in the file (`FromCommandLine` false) are left alone, so
// the global flags keep their effect for what the file does not say.
void ApplyGlobalSettings(const OptionValues& values);

// Whether the command a pipeline runs as (its options, `command_specs`) takes every setting the
// file gives: a runner setting given to a pipeline that runs no stream is a usage error naming
// `file`, the settings' position and the setting.
Status CheckSettingsTaken(const std::string& file, const ComponentUse& settings,
                          std::span<const OptionSpec> command_specs);

}  // namespace sluice
