// The `sluice` command line: global options, then one subcommand per job.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/check_command.h"
#include "cli/completion_command.h"
#include "cli/components_command.h"
#include "cli/exit_policy.h"
#include "cli/global_options.h"
#include "cli/lake_command.h"
#include "cli/logins_command.h"
#include "cli/manpage_command.h"
#include "cli/queue_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "cli/run_summary.h"
#include "cli/schema_command.h"
#include "cli/test_command.h"
#include "cli/typo_check.h"
#include "cli/validate_command.h"
#include "cli/version.h"
#include "cli/warehouse_command.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/secrets.h"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: a fast, single-binary data pipeline engine"};
  app.set_version_flag("--version", sluice::cli::VersionLine(),
                       "Print the version, the git commit and the build type");
  app.require_subcommand(1);
  sluice::cli::AddGlobalOptions(app);

  int exit_code = sluice::kExitOk;
  sluice::cli::AddWarehouseCommand(app, &exit_code);
  sluice::cli::AddLoginsCommand(app, &exit_code);
  sluice::cli::AddQueueCommand(app, &exit_code);
  sluice::cli::AddReportCommand(app, &exit_code);
  sluice::cli::AddLakeCommand(app, &exit_code);
  sluice::cli::AddComponentsCommand(app, &exit_code);
  sluice::cli::AddValidateCommand(app, &exit_code);
  sluice::cli::AddRunCommand(app, &exit_code);
  sluice::cli::AddSchemaCommand(app, &exit_code);
  sluice::cli::AddTestCommand(app, &exit_code);
  sluice::cli::AddCompletionCommand(app, &exit_code);
  sluice::cli::AddManpageCommand(app, &exit_code);
  sluice::cli::AddCheckCommand(app, &exit_code);

  // The commands run inside parse (as subcommand callbacks), so the parser gets a copy of the
  // arguments and argv loses its passwords first: /proc/PID/cmdline shows argv's memory to every
  // local user for the whole run.
  const std::vector<std::string> words(argv + std::min(argc, 1), argv + argc);
  for (int i = 1; i < argc; ++i)
    sluice::ScrubSecretsInPlace(argv[i]);

  // A misspelt option or command is named before CLI11 reads the words after it as something else.
  std::string refused = sluice::cli::FindUnknownName(app, words);
  // After "--" every word is an argument, which CLI11 needs the line rearranged to see.
  const std::vector<std::string> line =
      refused.empty() ? sluice::cli::ArgumentsAfterDoubleDash(app, words, &refused) : words;
  if (!refused.empty()) {
    std::cerr << sluice::Redact(refused) << "\nRun with --help for more information.\n"
              << std::flush;
    return sluice::kExitUsage;
  }
  std::vector<std::string> args{argc > 0 ? argv[0] : "sluice"};
  args.insert(args.end(), line.begin(), line.end());
  std::vector<char*> arg_pointers;
  for (auto& a : args)
    arg_pointers.push_back(a.data());
  arg_pointers.push_back(nullptr);

  try {
    app.parse(static_cast<int>(args.size()), arg_pointers.data());
  } catch (const CLI::ParseError& e) {
    // CLI11's messages quote the arguments they refuse ("--pg: ... postgresql://u:pw@..."), and
    // help may show defaults: both are redacted like every other line Sluice prints.
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    std::cout << sluice::Redact(out.str()) << std::flush;
    std::cerr << sluice::Redact(err.str()) << std::flush;
    return code == 0 ? sluice::kExitOk : sluice::kExitUsage;
  }
  // A job that failed before its summary still gives --json one object to read.
  std::string command;
  for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    command += (command.empty() ? "" : " ") + at->get_name();
  }
  sluice::cli::PrintFailureSummary(command, exit_code);
  return exit_code;
}
