// Secrets given on the command line leave the process nowhere: not in /proc/PID/cmdline while a
// command runs, not in usage errors that quote arguments, not in --help.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;

constexpr const char* kPassword = "Cmdline-Secret-9";

// The base URL with kPassword in its userinfo; trust authentication ignores it.
std::string UrlWithPassword() {
  std::string base = testing::BasePgUrl();
  size_t start = base.find("://") + 3;
  size_t at = base.find('@', start);
  std::string user = base.substr(start, at - start);
  user = user.substr(0, user.find(':'));
  return base.substr(0, start) + user + ":" + kPassword + base.substr(at);
}

std::string Cmdline(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The case password-in-process-list.
TEST(CliSecrets, PasswordIsNotInTheProcessCommandLineWhileACommandRuns) {
  if (testing::BasePgUrl().empty()) {
    if (testing::ServicesRequired()) FAIL() << "SLUICE_PG_URL is not set";
    GTEST_SKIP() << "no PostgreSQL: set SLUICE_PG_URL";
  }
  const std::string url = UrlWithPassword();
  int pid = testing::SpawnSluice({"warehouse", "query", "-e", "SELECT pg_sleep(2)", "--pg", url},
                                 testing::BasePgUrl());
  ASSERT_GT(pid, 0);
  // The scrub happens before the command starts; wait for it rather than for a time. Right
  // after the spawn (before or during the exec) cmdline can be the parent's or empty: only a
  // command line with the command's own arguments counts.
  std::string seen;
  int status = 0;
  bool exited = false;
  for (;;) {
    std::string now = Cmdline(pid);
    if (now.find("SELECT pg_sleep(2)") != std::string::npos) seen = now;
    if (seen.find(":xxxx") != std::string::npos) break;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    usleep(1000);
  }
  int exit_code = exited ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status))
                         : testing::WaitProcess(pid);
  EXPECT_EQ(exit_code, 0);
  ASSERT_NE(seen.find(":xxxx"), std::string::npos) << "the command line was never scrubbed";
  EXPECT_EQ(seen.find(kPassword), std::string::npos);
  // Everything but the password is left as it was.
  EXPECT_NE(seen.find("SELECT pg_sleep(2)"), std::string::npos);
  EXPECT_NE(seen.find(std::string(1, '\0') + "--pg"), std::string::npos);
}

TEST(CliSecrets, UsageErrorsThatQuoteArgumentsDoNotPrintPasswords) {
  const std::string url = std::string("postgresql://u:") + kPassword + "@127.0.0.1:1/db";
  // CLI11 echoes a value it cannot convert and an argument it did not expect.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"report", "list", "--limit", url},
           {"warehouse", "query", "-e", "SELECT 1", url},
           {"warehouse", "query", "-e", "SELECT 1", "--pg=" + url, "--format", url}}) {
    RunResult r = RunSluice(args, "");
    EXPECT_EQ(r.exit_code, 2) << args[1];
    EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("postgresql://u:****@127.0.0.1:1/db"), std::string::npos) << r.err;
  }
}

TEST(CliSecrets, HelpDoesNotPrintSecretsFromTheEnvironment) {
  const std::string url = std::string("postgresql://u:") + kPassword + "@127.0.0.1:1/db";
  const char* aws_secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const std::string saved_secret = aws_secret ? aws_secret : "";
  setenv("AWS_SECRET_ACCESS_KEY", "Aws-Secret-From-Env-7", 1);
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"warehouse", "query", "--help"},
                                                                {"report", "run", "--help"},
                                                                {"logins", "run", "--help"}}) {
    RunResult r = RunSluice(args, url);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(r.out.empty());
    EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("Aws-Secret-From-Env-7"), std::string::npos) << r.out;
  }
  if (aws_secret) {
    setenv("AWS_SECRET_ACCESS_KEY", saved_secret.c_str(), 1);
  } else {
    unsetenv("AWS_SECRET_ACCESS_KEY");
  }
}

}  // namespace
}  // namespace sluice
