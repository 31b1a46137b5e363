// The command line as a user meets it (#13, "Command line"): a typo is named with the closest
// known name, the global options are taken anywhere and from SLUICE_LOG_*, the completion
// scripts complete in bash and zsh, the man page renders and names every command, --version
// says what was built, and `cmake --install` puts the four files in place.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;

// The build directory: where the binary, sluice.1 and completions/ are written.
std::string CommandLineBuildDir() {
  return std::filesystem::path(SLUICE_BINARY).parent_path().string();
}

// Runs `script` in `shell` -c (no rc files), stdout and stderr together.
RunResult CommandLineShell(const std::string& shell, const std::string& script) {
  const std::string path = testing::WriteTempFile("script", script);
  FILE* pipe = popen((shell + " " + path + " 2>&1").c_str(), "r");
  RunResult result;
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.out.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::remove(path.c_str());
  return result;
}

bool CommandLineHave(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// The commands `sluice ARGS --help` lists under "Subcommands:".
std::vector<std::string> CommandLineSubcommands(std::vector<std::string> args) {
  args.push_back("--help");
  const RunResult help = RunSluice(args, "");
  std::vector<std::string> names;
  std::istringstream lines(help.out);
  std::string line;
  bool in_list = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list && !line.empty() && line[0] != ' ') {
      in_list = false;
    }
  }
  return names;
}

// Every visible command path: {"warehouse"}, {"warehouse", "load"}, ...
std::vector<std::vector<std::string>> CommandLineAllCommands() {
  std::vector<std::vector<std::string>> all;
  for (const std::string& name : CommandLineSubcommands({})) {
    all.push_back({name});
    for (const std::string& sub : CommandLineSubcommands({name}))
      all.push_back({name, sub});
  }
  return all;
}

// Sets an environment variable for the test's sluice runs, and unsets it again.
class CommandLineEnv {
 public:
  CommandLineEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~CommandLineEnv() { unsetenv(name_); }
  CommandLineEnv(const CommandLineEnv&) = delete;
  CommandLineEnv& operator=(const CommandLineEnv&) = delete;

 private:
  const char* name_;
};

TEST(CommandLine, AMisspeltOptionIsNamedBeforeAnythingElse) {
  const std::string csv = testing::WriteTempFile("movies.csv", "title\nx\n");
  // Before: "File does not exist: movie" (the typo's value taken for a file).
  RunResult modle = RunSluice({"warehouse", "load", "--modle", "movie", csv}, "");
  EXPECT_EQ(modle.exit_code, 2);
  EXPECT_EQ(modle.err.rfind("unknown option --modle; did you mean --model?\n", 0), 0u) << modle.err;
  // Before: "--model is required".
  RunResult bogus = RunSluice({"warehouse", "load", "--bogus"}, "");
  EXPECT_EQ(bogus.exit_code, 2);
  EXPECT_EQ(bogus.err.rfind(
                "unknown option --bogus; 'sluice warehouse load --help' lists its options", 0),
            0u)
      << bogus.err;
  // A global option misspelt, after the command, and a short one.
  RunResult global = RunSluice({"warehouse", "models", "--log-levl", "debug"}, "");
  EXPECT_EQ(global.exit_code, 2);
  EXPECT_NE(global.err.find("unknown option --log-levl; did you mean --log-level?"),
            std::string::npos)
      << global.err;
  RunResult short_option = RunSluice({"warehouse", "query", "-x", "1"}, "");
  EXPECT_EQ(short_option.exit_code, 2);
  EXPECT_NE(short_option.err.find("unknown option -x"), std::string::npos) << short_option.err;
  // The value of an unknown option is never repeated: it may be a password.
  RunResult secret = RunSluice({"warehouse", "init", "--pgg", "postgresql://u:hunter2@h/db"}, "");
  EXPECT_EQ(secret.exit_code, 2);
  EXPECT_NE(secret.err.find("unknown option --pgg; did you mean --pg?"), std::string::npos)
      << secret.err;
  EXPECT_EQ(secret.err.find("hunter2"), std::string::npos) << secret.err;
}

TEST(CommandLine, AMisspeltCommandIsNamedWithTheClosestAndTheList) {
  RunResult lod = RunSluice({"warehouse", "lod"}, "");
  EXPECT_EQ(lod.exit_code, 2);
  EXPECT_EQ(lod.err.rfind("unknown command 'lod' for 'sluice warehouse'; did you mean 'load'?\n"
                          "its commands: init, models, load, query, questions\n",
                          0),
            0u)
      << lod.err;
  RunResult top = RunSluice({"--log-level", "debug", "warehose", "load"}, "");
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_NE(top.err.find("unknown command 'warehose' for 'sluice'; did you mean 'warehouse'?"),
            std::string::npos)
      << top.err;
  EXPECT_NE(top.err.find("its commands: warehouse, logins,"), std::string::npos) << top.err;
}

// Not a per-command table: every command the binary has refuses an unknown option by name.
TEST(CommandLine, EveryCommandNamesAnUnknownOption) {
  const auto commands = CommandLineAllCommands();
  ASSERT_GT(commands.size(), 20u);
  for (std::vector<std::string> args : commands) {
    args.push_back("--no-such-option");
    RunResult r = RunSluice(args, "");
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(r.err.rfind("unknown option --no-such-option", 0), 0u) << args[0] << "\n" << r.err;
  }
}

TEST(CommandLine, GlobalOptionsAnywhereAndFromTheEnvironment) {
  const std::string csv = testing::WriteTempFile("movies.csv", "title\nx\n");
  const std::string dead_pg = "postgresql://u@127.0.0.1:1/db?connect_timeout=2";
  // After the command, two levels down.
  RunResult after =
      RunSluice({"warehouse", "load", "-m", "movie", csv, "--log-format", "json"}, dead_pg);
  EXPECT_EQ(after.exit_code, 1) << after.err;
  EXPECT_EQ(after.err.rfind("{\"ts\":", 0), 0u) << after.err;
  // Before it.
  RunResult before = RunSluice(
      {"--log-level", "error", "--log-format", "json", "warehouse", "load", "-m", "movie", csv},
      dead_pg);
  EXPECT_EQ(before.exit_code, 1) << before.err;
  EXPECT_EQ(before.err.rfind("{\"ts\":", 0), 0u) << before.err;
  {
    CommandLineEnv format("SLUICE_LOG_FORMAT", "json");
    RunResult env = RunSluice({"warehouse", "load", "-m", "movie", csv}, dead_pg);
    EXPECT_EQ(env.exit_code, 1) << env.err;
    EXPECT_EQ(env.err.rfind("{\"ts\":", 0), 0u) << env.err;
    // The flag wins over the variable.
    RunResult flag =
        RunSluice({"warehouse", "load", "-m", "movie", csv, "--log-format", "human"}, dead_pg);
    EXPECT_EQ(flag.exit_code, 1) << flag.err;
    EXPECT_EQ(flag.err.find("{\"ts\":"), std::string::npos) << flag.err;
  }
  {
    // error: the connection failure still shows; info lines would not.
    CommandLineEnv level("SLUICE_LOG_LEVEL", "error");
    RunResult quiet = RunSluice({"warehouse", "load", "-m", "movie", csv}, dead_pg);
    EXPECT_EQ(quiet.exit_code, 1) << quiet.err;
    EXPECT_NE(quiet.err.find("cannot connect"), std::string::npos) << quiet.err;
  }
  {
    CommandLineEnv bad("SLUICE_LOG_LEVEL", "loud");
    RunResult r = RunSluice({"warehouse", "models"}, "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("SLUICE_LOG_LEVEL is 'loud': it must be debug, info, warn or error"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out, "");
  }
  {
    CommandLineEnv bad("SLUICE_LOG_FORMAT", "xml");
    RunResult r = RunSluice({"warehouse", "models"}, "");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("SLUICE_LOG_FORMAT is 'xml'"), std::string::npos) << r.err;
  }
}

// `source <(sluice completion bash)` in a shell's start-up file, and the build's `sluice
// manpage`, still print under a bad SLUICE_LOG_LEVEL or SLUICE_LOG_FORMAT, with a warning.
// Before: exit 2 and nothing printed. The flags on the line stay errors.
TEST(CommandLine, CompletionAndManpagePrintUnderABadLogVariable) {
  CommandLineEnv level("SLUICE_LOG_LEVEL", "bogus");
  CommandLineEnv format("SLUICE_LOG_FORMAT", "xml");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"completion", "bash"}, {"completion", "zsh"}, {"manpage"}}) {
    RunResult r = RunSluice(args, "");
    EXPECT_EQ(r.exit_code, 0) << args[0] << "\n" << r.err;
    EXPECT_GT(r.out.size(), 1000u) << args[0];
    EXPECT_NE(r.err.find("warning: SLUICE_LOG_LEVEL is 'bogus'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("warning: SLUICE_LOG_FORMAT is 'xml'"), std::string::npos) << r.err;
  }
  RunResult flag = RunSluice({"completion", "bash", "--log-level", "bogus"}, "");
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_EQ(flag.out, "");
  RunResult job = RunSluice({"warehouse", "models"}, "");
  EXPECT_EQ(job.exit_code, 2);
  EXPECT_EQ(job.out, "");
}

// A repeated single-value option takes its last value, as psql and curl do, so that a wrapper or
// an alias can set one and the user's own word still wins. Before: "--log-level: At Most 1
// required but received 2" (exit 2). A list keeps every value.
TEST(CommandLine, TheLastOfARepeatedOptionWins) {
  const std::string csv = testing::WriteTempFile("movies.csv", "title\nx\n");
  const std::string dead_pg = "postgresql://u@127.0.0.1:1/db?connect_timeout=2";
  // A key file that others can read is warned about at warn, not at error.
  const std::string key = testing::WriteTempFile("open.key", "not a key\n");
  std::filesystem::permissions(key, std::filesystem::perms(0644));
  const std::string logins = testing::WriteTempFile("logins.ndjson", "{}\n");
  RunResult level =
      RunSluice({"--log-level", "warn", "--log-format", "human", "logins", "run", "--key-file", key,
                 "--file", logins, "--log-level", "error", "--log-format", "json"},
                "");
  EXPECT_EQ(level.err.rfind("{\"ts\":", 0), 0u) << level.err;
  EXPECT_NE(level.err.find("not a key"), std::string::npos) << level.err;
  EXPECT_EQ(level.err.find("others can read the key"), std::string::npos) << level.err;
  // A command's own option, short and long: the first model is no model at all.
  RunResult model =
      RunSluice({"warehouse", "load", "-m", "no_such_model", "--model", "movie", csv}, dead_pg);
  EXPECT_EQ(model.exit_code, 1) << model.err;
  EXPECT_NE(model.err.find("cannot connect"), std::string::npos) << model.err;
  RunResult twice =
      RunSluice({"warehouse", "load", "-m", "movie", "-m", "no_such_model", csv}, dead_pg);
  EXPECT_EQ(twice.exit_code, 2) << twice.err;
  EXPECT_NE(twice.err.find("no_such_model"), std::string::npos) << twice.err;
  // A flag given twice is given.
  RunResult json = RunSluice({"--json", "warehouse", "models", "--json"}, "");
  EXPECT_EQ(json.exit_code, 0) << json.err;
  // The files, a list, are all loaded: the second is missing, so it is named.
  RunResult files = RunSluice({"warehouse", "load", "-m", "movie", csv, "no_such.csv"}, dead_pg);
  EXPECT_EQ(files.exit_code, 2) << files.err;
  EXPECT_NE(files.err.find("no_such.csv"), std::string::npos) << files.err;
}

// POSIX utility guideline 10: after "--" no word is an option, the global ones included. CLI11
// alone ended `load` at a "--" that followed its file, and took the words after it as flags.
TEST(CommandLine, DoubleDashEndsTheOptionsGlobalOnesToo) {
  const std::string csv = testing::WriteTempFile("movies.csv", "title\nx\n");
  const std::string dead_pg = "postgresql://u@127.0.0.1:1/db?connect_timeout=2";
  // Before: the JSON summary on stdout, and a load that ran without the file.
  RunResult json = RunSluice({"warehouse", "load", "-m", "movie", csv, "--", "--json"}, dead_pg);
  EXPECT_EQ(json.exit_code, 2) << json.err;
  EXPECT_NE(json.err.find("File does not exist: --json"), std::string::npos) << json.err;
  EXPECT_EQ(json.out, "");
  for (const char* flag : {"--log-format", "--log-level", "--no-progress"}) {
    RunResult r = RunSluice({"warehouse", "load", "-m", "movie", csv, "--", flag, "json"}, dead_pg);
    EXPECT_EQ(r.exit_code, 2) << flag << "\n" << r.err;
    EXPECT_NE(r.err.find(std::string("File does not exist: ") + flag), std::string::npos) << r.err;
  }
  // A second file after "--" is one more file (before: "not expected"); options before the
  // "--" still count, global ones included.
  const std::string second = testing::WriteTempFile("more_movies.csv", "title\ny\n");
  RunResult two = RunSluice(
      {"warehouse", "load", "-m", "movie", csv, "--log-format", "json", "--", second}, dead_pg);
  EXPECT_EQ(two.exit_code, 1) << two.err;
  EXPECT_EQ(two.err.rfind("{\"ts\":", 0), 0u) << two.err;
  EXPECT_NE(two.err.find("cannot connect"), std::string::npos) << two.err;
  // A file really named --json, next to another, in the working directory.
  const std::string dir = testing::WriteTempFile("dashes", "") + ".d";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/a.csv") << "title\nx\n";
  std::ofstream(dir + "/--json") << "title\ny\n";
  RunResult named = CommandLineShell(
      "sh", "cd '" + dir + "' && " SLUICE_BINARY " warehouse load -m movie --pg '" + dead_pg +
                "' a.csv -- --json\n");
  EXPECT_EQ(named.exit_code, 1) << named.out;
  EXPECT_NE(named.out.find("cannot connect"), std::string::npos) << named.out;
  EXPECT_EQ(named.out.find("{\"job\""), std::string::npos) << named.out;
  std::filesystem::remove_all(dir);
  // A command with one argument takes it after "--", whatever it looks like.
  RunResult component = RunSluice({"components", "--", "warehouse-load"}, "");
  EXPECT_EQ(component.exit_code, 0) << component.err;
  EXPECT_NE(component.out.find("warehouse-load"), std::string::npos);
  RunResult dashed = RunSluice({"components", "--", "--json"}, "");
  EXPECT_EQ(dashed.exit_code, 2);
  EXPECT_NE(dashed.err.find("no component '--json'"), std::string::npos) << dashed.err;
  // A command that takes no arguments says so, instead of reading on.
  RunResult none = RunSluice({"warehouse", "models", "--", "--json"}, "");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err.rfind(
                "'sluice warehouse models' takes no arguments, but '--json' follows '--'\n", 0),
            0u)
      << none.err;
  EXPECT_EQ(none.out, "");
}

// Log levels and formats in any case, from the flags and the variables alike. A key file that
// others can read gives a warning before the key is refused: shown at warn, hidden at error.
TEST(CommandLine, LogLevelAndFormatInAnyCase) {
  const std::string key = testing::WriteTempFile("open.key", "not a key\n");
  std::filesystem::permissions(key, std::filesystem::perms(0644));
  const std::string csv = testing::WriteTempFile("logins.ndjson", "{}\n");
  const std::vector<std::string> logins{"logins", "run", "--key-file", key, "--file", csv};
  const auto with = [&logins](std::vector<std::string> more) {
    std::vector<std::string> args = logins;
    args.insert(args.end(), more.begin(), more.end());
    return RunSluice(args, "");
  };
  const char* warning = "others can read the key";
  RunResult warn = with({"--log-level", "WARN", "--log-format", "JSON"});
  EXPECT_NE(warn.exit_code, 0);
  EXPECT_EQ(warn.err.rfind("{\"ts\":", 0), 0u) << warn.err;
  EXPECT_NE(warn.err.find(warning), std::string::npos) << warn.err;
  RunResult error = with({"--log-level", "Error"});
  EXPECT_NE(error.err.find("not a key"), std::string::npos) << error.err;
  EXPECT_EQ(error.err.find(warning), std::string::npos) << error.err;
  {
    CommandLineEnv format("SLUICE_LOG_FORMAT", "Json");
    CommandLineEnv level("SLUICE_LOG_LEVEL", "ERROR");
    RunResult env = with({});
    EXPECT_EQ(env.err.rfind("{\"ts\":", 0), 0u) << env.err;
    EXPECT_NE(env.err.find("not a key"), std::string::npos) << env.err;
    EXPECT_EQ(env.err.find(warning), std::string::npos) << env.err;
  }
  // A wrong value names the flag and its choices.
  RunResult loud = RunSluice({"warehouse", "models", "--log-level", "LOUD"}, "");
  EXPECT_EQ(loud.exit_code, 2);
  EXPECT_NE(loud.err.find("--log-level: LOUD not in {debug,info,warn,error}"), std::string::npos)
      << loud.err;
  RunResult xml = RunSluice({"warehouse", "models", "--log-format", "XML"}, "");
  EXPECT_EQ(xml.exit_code, 2);
  EXPECT_NE(xml.err.find("--log-format: XML not in {human,json}"), std::string::npos) << xml.err;
}

TEST(CommandLine, AMisspeltComponentGetsADidYouMean) {
  RunResult warehous = RunSluice({"components", "warehous"}, "");
  EXPECT_EQ(warehous.exit_code, 2);
  EXPECT_NE(warehous.err.find("no component 'warehous'; did you mean 'warehouse-load'? There are "
                              "sqs, file,"),
            std::string::npos)
      << warehous.err;
  RunResult close = RunSluice({"components", "lake-biuld"}, "");
  EXPECT_NE(close.err.find("no component 'lake-biuld'; did you mean 'lake-build'?"),
            std::string::npos)
      << close.err;
  RunResult lake = RunSluice({"components", "lake"}, "");
  EXPECT_NE(lake.err.find("did you mean 'lake-seed', 'lake-build' or 'lake-serve'?"),
            std::string::npos)
      << lake.err;
  RunResult far = RunSluice({"components", "nope"}, "");
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("no component 'nope': there are sqs,"), std::string::npos) << far.err;
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
  // The usage-error format of every other usage error, not a log line ("2026-...Z error no
  // component ...").
  EXPECT_EQ(far.err.rfind("no component 'nope'", 0), 0u) << far.err;
  EXPECT_NE(far.err.find("\nRun with --help for more information.\n"), std::string::npos)
      << far.err;
  // Any case: a name is found as it is typed in capitals, and a misspelling in capitals gets its
  // suggestion. Before: "SQS" was no component, with no suggestion.
  RunResult sqs = RunSluice({"components", "SQS"}, "");
  EXPECT_EQ(sqs.exit_code, 0) << sqs.err;
  EXPECT_EQ(sqs.out, RunSluice({"components", "sqs"}, "").out);
  RunResult upper = RunSluice({"components", "WAREHOUS"}, "");
  EXPECT_EQ(upper.exit_code, 2);
  EXPECT_EQ(upper.err.rfind("no component 'WAREHOUS'; did you mean 'warehouse-load'?", 0), 0u)
      << upper.err;
  RunResult lake_build = RunSluice({"components", "Lake-Biuld"}, "");
  EXPECT_NE(lake_build.err.find("did you mean 'lake-build'?"), std::string::npos) << lake_build.err;
  // An option and a command in capitals get theirs too.
  RunResult model = RunSluice({"warehouse", "load", "--MODEL", "movie"}, "");
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_EQ(model.err.rfind("unknown option --MODEL; did you mean --model?\n", 0), 0u) << model.err;
  RunResult load = RunSluice({"warehouse", "LOAD"}, "");
  EXPECT_EQ(load.exit_code, 2);
  EXPECT_NE(load.err.find("did you mean 'load'?"), std::string::npos) << load.err;
}

TEST(CommandLine, BashCompletionCompletesCommandsOptionsAndChoices) {
  const std::string script = R"(
source <()" SLUICE_BINARY R"( completion bash) || exit 9
complete -p sluice || exit 8
function=$(complete -p sluice | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
t() {
  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
  "$function"
  echo "$*=> ${COMPREPLY[*]}"
}
t sluice ware
t sluice warehouse load --mo
t sluice warehouse lo
t sluice --log-level debug warehouse load --format ''
t sluice warehouse load -m movie --log-format ''
t sluice completion ''
t sluice components war
t sluice --json components ''
)";
  RunResult r = CommandLineShell("bash --norc --noprofile", script);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("complete -F _sluice sluice\n"), std::string::npos) << r.out;
  for (const char* line :
       {"sluice ware=> warehouse\n", "sluice warehouse load --mo=> --models --model\n",
        "sluice warehouse lo=> load\n", "warehouse load --format => csv json ndjson jsonl\n",
        "--log-format => human json\n", "sluice completion => bash zsh\n",
        "sluice components war=> warehouse-load\n", "components => sqs file validate"})
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
}

// Each command's options are listed once in both scripts. Before: every `check *` command listed
// --json twice, its own and the global one.
TEST(CommandLine, CompletionListsNoOptionTwice) {
  for (const char* shell : {"bash", "zsh"}) {
    const RunResult script = RunSluice({"completion", shell}, "");
    ASSERT_EQ(script.exit_code, 0) << script.err;
    for (const char* table : {"\n_sluice_options() {\n", "\n_sluice_value_options() {\n"}) {
      const size_t start = script.out.find(table);
      ASSERT_NE(start, std::string::npos) << shell << table;
      std::istringstream lines(script.out.substr(start + std::strlen(table)));
      std::string line;
      size_t commands = 0;
      while (std::getline(lines, line) && line != "}") {
        // `    "check postgres") REPLY="-h --help --json ..." ;;`, or zsh's 'flag:description'.
        const size_t open = line.find(") ");
        if (open == std::string::npos || line.find("*)") != std::string::npos) continue;
        ++commands;
        const std::string list = line.substr(open + 2);
        std::set<std::string> seen;
        // zsh's descriptions may name other flags: only the name before the ':' counts.
        const std::regex flag(std::string(shell) == "zsh"
                                  ? R"('(--?[A-Za-z0-9][A-Za-z0-9-]*):)"
                                  : R"((?:^|[ "'(])(--?[A-Za-z0-9][A-Za-z0-9-]*)(?=[ "':)]))");
        for (auto it = std::sregex_iterator(list.begin(), list.end(), flag);
             it != std::sregex_iterator(); ++it)
          EXPECT_TRUE(seen.insert((*it)[1].str()).second)
              << shell << ": " << (*it)[1] << " twice in\n"
              << line;
      }
      EXPECT_GT(commands, 20u) << shell << table;
    }
  }
}

TEST(CommandLine, ZshCompletionIsWellFormed) {
  const RunResult script = RunSluice({"completion", "zsh"}, "");
  ASSERT_EQ(script.exit_code, 0) << script.err;
  EXPECT_EQ(script.out.rfind("#compdef sluice\n", 0), 0u);
  EXPECT_NE(script.out.find("\n_sluice() {\n"), std::string::npos);
  EXPECT_NE(script.out.find("compdef _sluice sluice"), std::string::npos);
  EXPECT_NE(script.out.find("'load:Upsert CSV or JSON files into a model'"), std::string::npos);
  if (!CommandLineHave("zsh")) GTEST_SKIP() << "zsh is not installed: text checks only";
  const std::string path = testing::WriteTempFile("_sluice", script.out);
  RunResult syntax = CommandLineShell("zsh -f -n", "source " + path + "\n");
  EXPECT_EQ(syntax.exit_code, 0) << syntax.out;
  // compsys's own functions stood in for, so the script's logic runs outside an interactive
  // completion: what it would offer is printed.
  RunResult offered = CommandLineShell("zsh -f", R"(
compdef() { print "compdef $*" }
source )" + path + R"(
_describe() { local -a items; items=("${(@P)4}"); items=(${items%%:*}); print -r -- "$3: $items" }
compadd() { [[ $1 == -a ]] && print -r -- "values: ${(P)2}" }
_files() { print "files" }
t() { words=("$@"); CURRENT=$#words; _sluice }
t sluice ware
t sluice --log-level debug warehouse load --format ''
t sluice warehouse load --mo
t sluice warehouse load -m movie x
)");
  EXPECT_EQ(offered.exit_code, 0) << offered.out;
  EXPECT_NE(offered.out.find("compdef _sluice sluice\n"), std::string::npos) << offered.out;
  EXPECT_NE(offered.out.find("command: warehouse logins"), std::string::npos) << offered.out;
  EXPECT_NE(offered.out.find("values: csv json ndjson jsonl\n"), std::string::npos) << offered.out;
  EXPECT_NE(offered.out.find(" --model "), std::string::npos) << offered.out;
  EXPECT_NE(offered.out.find("files\n"), std::string::npos) << offered.out;
}

// The page the build wrote renders without a warning and has a section for every command.
TEST(CommandLine, ManPageRendersAndNamesEveryCommand) {
  if (!CommandLineHave("groff")) GTEST_SKIP() << "groff is not installed";
  const std::string page = CommandLineBuildDir() + "/sluice.1";
  ASSERT_TRUE(std::filesystem::exists(page)) << page << ": build the sluice_cli_artifacts target";
  const std::string errors = testing::WriteTempFile("groff.err", "");
  RunResult text = CommandLineShell(
      "sh", "groff -man -Tascii -ww -P-c -P-b -P-u " + page + " 2>" + errors + "\n");
  ASSERT_EQ(text.exit_code, 0) << text.out;
  std::ifstream err_file(errors);
  const std::string warnings((std::istreambuf_iterator<char>(err_file)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(warnings, "");
  EXPECT_NE(text.out.find("sluice - a fast, single-binary data pipeline engine"),
            std::string::npos);
  for (const auto& command : CommandLineAllCommands()) {
    std::string heading = "\n   sluice";
    for (const std::string& word : command)
      heading += " " + word;
    EXPECT_NE(text.out.find(heading + "\n"), std::string::npos) << heading;
  }
  // man reads a first line of the form '\" LETTERS as the preprocessors to run (t: tbl, r:
  // refer): the page must start with none, and render through man's own pipeline quietly too.
  if (CommandLineHave("man")) {
    RunResult man =
        CommandLineShell("sh", "MANWIDTH=100 man --warnings -l " + page + " 2>&1 >/dev/null\n");
    EXPECT_EQ(man.out, "");
  }
  for (const char* text_in_page :
       {"--log-format", "SLUICE_LOG_LEVEL", "SLUICE_PG_URL", "EXIT STATUS", "-m, --model"})
    EXPECT_NE(text.out.find(text_in_page), std::string::npos) << text_in_page;
  // ENVIRONMENT lists every variable of `sluice components --environment` (core/environment.h's
  // table, the one list), and FILES the files read without being named.
  const size_t environment = text.out.find("\nENVIRONMENT\n");
  const size_t files = text.out.find("\nFILES\n");
  const size_t exit_status = text.out.find("\nEXIT STATUS\n");
  ASSERT_NE(environment, std::string::npos) << text.out;
  ASSERT_NE(files, std::string::npos) << text.out;
  ASSERT_LT(environment, files);
  ASSERT_LT(files, exit_status);
  // A .TP tag as groff sets it: indented, then the text on the next line, or on the same line
  // after spaces when the tag is short.
  const auto has_tag = [](const std::string& section, const std::string& tag) {
    for (size_t at = section.find("\n       " + tag); at != std::string::npos;
         at = section.find("\n       " + tag, at + 1)) {
      const size_t end = at + 8 + tag.size();
      if (end < section.size() && (section[end] == '\n' || section[end] == ' ')) return true;
    }
    return false;
  };
  const std::string environment_section = text.out.substr(environment, files - environment);
  const RunResult table = RunSluice({"components", "--environment"}, "");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const std::regex row(R"(\n\| `([A-Z0-9_]+)` \|)");
  size_t variables = 0;
  for (auto it = std::sregex_iterator(table.out.begin(), table.out.end(), row);
       it != std::sregex_iterator(); ++it, ++variables)
    EXPECT_TRUE(has_tag(environment_section, (*it)[1].str())) << (*it)[1];
  EXPECT_GT(variables, 30u) << table.out;
  // A secret's note follows its summary in parentheses, as in the table. Before: "AWS secret
  // access key A secret: never shown...", two sentences run together.
  for (const char* secret : {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                             "AWS_CONTAINER_AUTHORIZATION_TOKEN", "PGPASSWORD"}) {
    const size_t at = environment_section.find("\n       " + std::string(secret));
    ASSERT_NE(at, std::string::npos) << secret;
    std::string entry = environment_section.substr(at, environment_section.find("\n\n", at) - at);
    entry = std::regex_replace(entry, std::regex(R"(\s+)"), " ");
    EXPECT_NE(entry.find(" (a secret: never shown in a log or an error)"), std::string::npos)
        << entry;
    EXPECT_EQ(entry.find(" A secret:"), std::string::npos) << entry;
  }
  // "--" ends the options, the global ones included, as the README says.
  const std::string flat = std::regex_replace(text.out, std::regex(R"(\s+)"), " ");
  EXPECT_NE(flat.find("-- ends the options, these included"), std::string::npos);
  const std::string files_section = text.out.substr(files, exit_status - files);
  for (const char* file :
       {"~/.aws/config", "~/.aws/credentials", "~/.pgpass", "~/.pg_service.conf"})
    EXPECT_TRUE(has_tag(files_section, file)) << file << "\n" << files_section;
}

TEST(CommandLine, VersionSaysVersionCommitAndBuildType) {
  RunResult r = RunSluice({"--version"}, "");
  EXPECT_EQ(r.exit_code, 0);
  std::smatch match;
  ASSERT_TRUE(std::regex_match(
      r.out, match,
      std::regex(R"(sluice (\S+) \(commit ([0-9a-f]{7,}(-dirty)?|unknown), (\S+)\)\n)")))
      << r.out;
  // The version is project()'s, and the build type the build directory's.
  std::ifstream cmake_lists(std::string(SLUICE_TESTS_DIR) + "/../CMakeLists.txt");
  std::string project((std::istreambuf_iterator<char>(cmake_lists)),
                      std::istreambuf_iterator<char>());
  EXPECT_NE(project.find("project(sluice VERSION " + match[1].str() + " "), std::string::npos)
      << match[1];
  std::ifstream cache(CommandLineBuildDir() + "/CMakeCache.txt");
  std::string cache_text((std::istreambuf_iterator<char>(cache)), std::istreambuf_iterator<char>());
  EXPECT_NE(cache_text.find("CMAKE_BUILD_TYPE:STRING=" + match[4].str() + "\n"), std::string::npos)
      << match[4];
}

TEST(CommandLine, CmakeInstallPutsTheBinaryManPageAndCompletionsInPlace) {
  if (!CommandLineHave("cmake")) GTEST_SKIP() << "cmake is not on PATH";
  const std::string prefix = testing::WriteTempFile("prefix", "") + ".d";
  RunResult install = CommandLineShell(
      "sh", "cmake --install " + CommandLineBuildDir() + " --prefix " + prefix + "\n");
  ASSERT_EQ(install.exit_code, 0) << install.out;
  for (const char* file :
       {"bin/sluice", "share/man/man1/sluice.1", "share/bash-completion/completions/sluice",
        "share/zsh/vendor-completions/_sluice"})
    EXPECT_TRUE(std::filesystem::is_regular_file(prefix + "/" + file)) << file;
  RunResult version = CommandLineShell("sh", prefix + "/bin/sluice --version\n");
  EXPECT_EQ(version.out.rfind("sluice ", 0), 0u) << version.out;
  std::filesystem::remove_all(prefix);
}

}  // namespace
}  // namespace sluice
