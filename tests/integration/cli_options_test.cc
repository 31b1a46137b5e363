// Each command's --help comes from the options' declarations: every range, choice, default and
// environment variable shows; and `sluice components` prints the declarations themselves.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;

TEST(CliOptions, HelpShowsRangesDefaultsAndEnvironmentVariables) {
  struct Case {
    std::vector<std::string> command;
    std::vector<std::string> shows;
  };
  for (const Case& c : std::vector<Case>{
           {{"report", "run"},
            {"--days INT:INT in [1 - 3660]", "(default: 30)", "(env: SLUICE_PG_URL)",
             "(env: SLUICE_MYSQL_URL)", "--s3-addressing TEXT:{path,virtual}",
             "--url-expiry INT:INT in [1 - 604800]"}},
           {{"logins", "run"},
            {"--receivers INT:INT in [1 - 64]", "(env: SLUICE_MASK_KEY_FILE)",
             "--mask TEXT:{siv,hmac}", "(default: user_logins)", "Excludes: --queue"}},
           {{"queue", "create"}, {"--visibility-timeout INT:INT in [0 - 43200]"}},
           {{"warehouse", "query"}, {"--format TEXT:{table,csv,json}", "-e,--execute"}},
           {{"warehouse", "load"}, {"-m,--model", "(env: SLUICE_PG_URL)"}},
       }) {
    std::vector<std::string> args = c.command;
    args.push_back("--help");
    RunResult r = RunSluice(args, "");
    EXPECT_EQ(r.exit_code, 0) << args[0];
    for (const std::string& text : c.shows)
      EXPECT_NE(r.out.find(text), std::string::npos)
          << args[0] << " " << args[1] << ": " << text << "\n"
          << r.out;
  }
}

TEST(CliOptions, ComponentsListsAndDescribesThem) {
  RunResult list = RunSluice({"components"}, "");
  EXPECT_EQ(list.exit_code, 0);
  for (const char* line :
       {"sqs ", "source", "mask ", "transform", "logins-postgres", "sink", "daily-lessons", "job"})
    EXPECT_NE(list.out.find(line), std::string::npos) << line << "\n" << list.out;
  RunResult sqs = RunSluice({"components", "sqs"}, "");
  EXPECT_EQ(sqs.exit_code, 0);
  EXPECT_NE(sqs.out.find("# sqs (source)"), std::string::npos) << sqs.out;
  EXPECT_NE(sqs.out.find("| `--receivers` | 1 to 64 | `8` |"), std::string::npos) << sqs.out;
  RunResult unknown = RunSluice({"components", "nope"}, "");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no component 'nope': there are sqs, file"), std::string::npos)
      << unknown.err;
  RunResult env = RunSluice({"components", "--environment"}, "");
  EXPECT_NE(env.out.find("| `AWS_SECRET_ACCESS_KEY` |"), std::string::npos) << env.out;
}

// The global options work after the subcommand too, where a user naturally adds them.
TEST(CliOptions, GlobalOptionsAreTakenAfterTheSubcommand) {
  RunResult r = RunSluice({"warehouse", "query", "-e", "SELECT 1", "--log-format", "json", "--pg",
                           "postgresql://u@127.0.0.1:1/db?connect_timeout=2"},
                          "");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("{\"ts\":", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\"level\":\"error\""), std::string::npos) << r.err;
  RunResult unknown = RunSluice({"components", "--no-such-flag"}, "");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
}

}  // namespace
}  // namespace sluice
