// Every environment variable Sluice reads, in one table, and the one function that reads them.
// Nothing else in src/ calls getenv (a test checks), so this table is the whole list, and
// docs/configuration.md ("Environment") is generated from it (`sluice components --markdown
// environment`; a test fails when the docs are stale).
//
// Variables that stand in for a flag (SLUICE_PG_URL for --pg) are also named by that flag's
// OptionSpec::env; the command-line value wins over the environment.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sluice {

struct EnvironmentVariable {
  std::string_view name;
  std::string_view summary;  // one line, for the docs
  bool secret = false;       // its value is registered for redaction when read
};

// The variables, grouped as the docs list them (Sluice's own, AWS's credential chain and
// endpoints, the system's).
std::span<const EnvironmentVariable> EnvironmentVariables();

// The value of `name`, or "" when it is unset. `name` must be in EnvironmentVariables(): a name
// missing from the table is a bug, and stops the process naming it (tests run every reader).
std::string GetEnv(std::string_view name);

// The value of a variable a pipeline file names (`${NAME}`, pipeline/interpolation.h), or nullopt
// when it is unset. Any name: the file's author chooses them, so they cannot be in the table; a
// name that is in the table and marked secret is registered for redaction, as GetEnv does.
std::optional<std::string> GetPipelineVariable(std::string_view name);

// The whole environment as execve takes it, for a child process that inherits it (an AWS
// profile's credential_process). Not for reading variables: GetEnv is.
char** InheritedEnvironment();

// The table as Markdown: the "Environment" section of docs/configuration.md.
std::string EnvironmentMarkdown();

}  // namespace sluice
