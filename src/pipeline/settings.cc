#include "pipeline/settings.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/log.h"
#include "core/progress.h"
#include "http/server_options.h"

namespace sluice {
namespace {

std::vector<OptionSpec> GlobalSettingsOptions() {
  return {
      ChoiceOption("log-format", "Log lines as human text or JSON lines (as --log-format)",
                   {"human", "json"}, "human"),
      ChoiceOption("log-level", "The least severe log lines written (as --log-level)",
                   {"debug", "info", "warn", "error"}, "info"),
      ChoiceOption("progress",
                   "The progress line of a load: on a terminal (auto), also off one (always), "
                   "or never (as --no-progress)",
                   {"auto", "always", "never"}, "auto"),
  };
}

}  // namespace

OptionSpec MetricsListenOption() {
  OptionSpec listen = TextOption(
      "metrics-listen",
      "Serve Prometheus /metrics and a JSON /health on host:port while running (off when empty)");
  listen.example = "127.0.0.1:9464";
  // Empty is off; anything else must be an address the server can listen on.
  listen.check = [](std::string_view value) {
    return value.empty() ? Status::Ok() : http::CheckListenAddress(value);
  };
  listen.check_rule = "host:port, [v6]:port or :port; port 0 to 65535; empty: off";
  listen.description =
      "Port 0 picks a free port and logs it. Nothing listens unless this is given: the address "
      "is the caller's choice, never a default.";
  return listen;
}

std::vector<OptionSpec> RunnerSettingsOptions() {
  const RunnerOptions defaults;
  const OptionSpec listen = MetricsListenOption();
  OptionSpec linger =
      IntOption("batch-linger-ms", "Milliseconds a batch waits to fill once a message arrived",
                defaults.linger.count(), 0, 60'000);
  OptionSpec max_mb =
      IntOption("batch-max-mb", "A batch closes once its message bodies pass this many MiB",
                static_cast<int64_t>(defaults.batch_body_bytes >> 20), 1, 768);
  max_mb.description =
      "A commit travels in statements whose values PostgreSQL holds to 1 GB, and a rejected "
      "body grows by a third once encrypted.";
  OptionSpec attempts =
      IntOption("commit-attempts", "Tries of a batch's commit when the database is unavailable",
                defaults.retry.attempts, 1, 1000);
  attempts.description =
      "Only failures a retry may cure (a lost connection, a restart) are tried again; the "
      "messages stay hidden from other consumers meanwhile.";
  OptionSpec first_pause =
      IntOption("commit-first-pause-ms", "Milliseconds before the second try; doubles after each",
                defaults.retry.first_pause.count(), 1, 600'000);
  OptionSpec longest_pause =
      IntOption("commit-longest-pause-ms", "Milliseconds between tries at most",
                defaults.retry.longest_pause.count(), 1, 3'600'000);
  OptionSpec every = IntOption("progress-every",
                               "Seconds between the progress lines logged while running (0: none)",
                               defaults.progress_every.count(), 0, 86'400);
  return {listen, linger, max_mb, attempts, first_pause, longest_pause, every};
}

const ComponentSpec& PipelineSettingsComponent() {
  static const ComponentSpec spec = [] {
    ComponentSpec c{.name = "settings", .kind = ComponentKind::kJob};
    c.summary =
        "Job-level settings of a pipeline file: logging, progress, batching, retries, "
        "metrics";
    c.options = GlobalSettingsOptions();
    for (OptionSpec& o : RunnerSettingsOptions())
      c.options.push_back(std::move(o));
    return c;
  }();
  return spec;
}

const std::vector<std::string>& GlobalSettingNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const OptionSpec& o : GlobalSettingsOptions())
      out.push_back(o.name);
    return out;
  }();
  return names;
}

RunnerOptions RunnerOptionsFrom(const OptionValues& values, RunnerOptions options) {
  options.linger = std::chrono::milliseconds(values.Int("batch-linger-ms"));
  options.batch_body_bytes = static_cast<size_t>(values.Int("batch-max-mb")) << 20;
  options.retry.attempts = static_cast<int>(values.Int("commit-attempts"));
  options.retry.first_pause = std::chrono::milliseconds(values.Int("commit-first-pause-ms"));
  options.retry.longest_pause = std::chrono::milliseconds(values.Int("commit-longest-pause-ms"));
  options.progress_every = std::chrono::seconds(values.Int("progress-every"));
  return options;
}

void ApplyGlobalSettings(const OptionValues& values) {
  if (values.FromCommandLine("log-format")) {
    LogFormat format;
    if (ParseLogFormat(values.String("log-format"), &format)) SetLogFormat(format);
  }
  if (values.FromCommandLine("log-level")) {
    LogLevel level;
    if (ParseLogLevel(values.String("log-level"), &level)) SetLogLevel(level);
  }
  if (values.FromCommandLine("progress")) {
    const std::string& progress = values.String("progress");
    Progress::SetEnabled(progress != "never");
    Progress::SetAlways(progress == "always");
  }
}

Status CheckSettingsTaken(const std::string& file, const ComponentUse& settings,
                          std::span<const OptionSpec> command_specs) {
  for (const OptionSpec& spec : RunnerSettingsOptions()) {
    if (!settings.values.FromCommandLine(spec.name)) continue;
    const bool taken = std::any_of(command_specs.begin(), command_specs.end(),
                                   [&](const OptionSpec& o) { return o.name == spec.name; });
    if (taken) continue;
    return UsageError(fmt::format(
        "{}:{}:{}: settings.{}: a setting of a stream (a source into a sink); this pipeline runs "
        "none, so it would do nothing",
        file, settings.position.line, settings.position.column, spec.name));
  }
  return Status::Ok();
}

}  // namespace sluice
