#include "cli/global_options.h"

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/run_summary.h"
#include "core/environment.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/secrets.h"
#include "core/strings.h"

namespace sluice::cli {
namespace {

struct GlobalOptionValues {
  std::string log_format = "human";
  std::string log_level = "info";
  bool no_progress = false;
  bool json = false;
};

// The variable's value in place of a flag the line left out; `*value` keeps its default when the
// variable is unset or empty.
void GlobalOptionFromEnvironment(const CLI::Option* flag, const char* variable,
                                 const std::vector<std::string>& choices, std::string* value) {
  if (flag->count() > 0) return;
  const std::string text = GetEnv(variable);
  if (text.empty()) return;
  // Any case, as the flag takes it: SLUICE_LOG_LEVEL=DEBUG is debug.
  for (const std::string& choice : choices) {
    if (AsciiLower(text) == choice) {
      *value = choice;
      return;
    }
  }
  const std::string shown = text.size() > 40 ? text.substr(0, 40) + "..." : text;
  std::string allowed = choices.front();
  for (size_t i = 1; i < choices.size(); ++i)
    allowed += (i + 1 == choices.size() ? " or " : ", ") + choices[i];
  throw CLI::ValidationError(
      fmt::format("{} is '{}': it must be {} (or unset)", variable, shown, allowed));
}

}  // namespace

void AddGlobalOptions(CLI::App& app) {
  // Subcommands made after this inherit fallthrough, and pass an option they do not know up.
  app.fallthrough();
  // A single-value option given twice takes the last value, as psql and curl do: a wrapper or an
  // alias sets one, and the user's own word after it wins. Every option made after this inherits
  // the policy (the commands copy the root's defaults); a list keeps all its values under it.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto values = std::make_shared<GlobalOptionValues>();
  const std::vector<std::string> formats{"human", "json"};
  const std::vector<std::string> levels{"debug", "info", "warn", "error"};
  CLI::Option* format =
      app.add_option("--log-format", values->log_format,
                     "Log lines as 'human' text or 'json' lines (env: SLUICE_LOG_FORMAT)")
          ->transform(CLI::IsMember(formats, CLI::ignore_case));
  CLI::Option* level = app.add_option("--log-level", values->log_level,
                                      "debug, info, warn or error (env: SLUICE_LOG_LEVEL)")
                           ->transform(CLI::IsMember(levels, CLI::ignore_case));
  app.add_flag("--no-progress", values->no_progress,
               "Never draw a progress line, even on a terminal");
  app.add_flag("--json", values->json,
               "Print a job's end-of-run summary as one JSON object on stdout");
  app.parse_complete_callback([&app, values, format, level, formats, levels] {
    // `source <(sluice completion bash)` runs in a shell's start-up file, and the build runs
    // `sluice manpage`: a variable meant for the jobs must not break those. They log nothing, so
    // a bad value is only warned about there (the flags on the line stay errors: CLI11 checks
    // them while parsing).
    const std::vector<CLI::App*> chosen = app.get_subcommands();
    const bool prints_only = !chosen.empty() && (chosen.front()->get_name() == "completion" ||
                                                 chosen.front()->get_name() == "manpage");
    auto from_environment = [&](const CLI::Option* flag, const char* variable,
                                const std::vector<std::string>& choices, std::string* value) {
      try {
        GlobalOptionFromEnvironment(flag, variable, choices, value);
      } catch (const CLI::ValidationError& e) {
        if (!prints_only) throw;
        fmt::print(stderr, "warning: {}; ignored by `sluice {}`\n", Redact(e.what()),
                   chosen.front()->get_name());
      }
    };
    from_environment(format, "SLUICE_LOG_FORMAT", formats, &values->log_format);
    from_environment(level, "SLUICE_LOG_LEVEL", levels, &values->log_level);
    LogFormat log_format;
    if (ParseLogFormat(values->log_format, &log_format)) SetLogFormat(log_format);
    LogLevel log_level;
    if (ParseLogLevel(values->log_level, &log_level)) SetLogLevel(log_level);
    if (values->no_progress) Progress::SetEnabled(false);
    SetJsonSummary(values->json);
  });
}

}  // namespace sluice::cli
