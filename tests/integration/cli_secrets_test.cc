// Secrets given on the command line leave the process nowhere: not in /proc/PID/cmdline while a
// command runs, not in usage errors that quote arguments, not in --help.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

// Every 3-byte window of `password` that `text` holds: a message may quote a fragment (libpq's
// 'invalid integer value "Zx9" for connection option "port"') rather than the whole.
std::vector<std::string> PasswordFragmentsIn(const std::string& text, const std::string& password) {
  std::vector<std::string> found;
  for (size_t i = 0; i + 3 <= password.size(); ++i) {
    if (text.find(password.substr(i, 3)) != std::string::npos)
      found.push_back(password.substr(i, 3));
  }
  return found;
}

struct AmbiguousUrl {
  std::string url;
  std::string password;  // as the user meant it: everything between "user:" and the last '@'
};

// A password with an unencoded '/', '#', '?' or '@' makes the URL read more than one way; it is
// refused before anything is sent (exit 2), saying to percent-encode, and no part of the
// password reaches the output. No server is needed: nothing is connected to.
void ExpectRefusedQuietly(const std::vector<std::string>& args, const std::string& password) {
  RunResult r = RunSluice(args, testing::BasePgUrl());
  const std::string what = args.back();
  EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.err;
  EXPECT_EQ(r.err.find(password), std::string::npos) << r.err;
  EXPECT_EQ(PasswordFragmentsIn(r.err, password), std::vector<std::string>()) << r.err;
  EXPECT_EQ(PasswordFragmentsIn(r.out, password), std::vector<std::string>()) << r.out;
  EXPECT_NE(r.err.find("percent-encoded"), std::string::npos) << r.err;
}

TEST(CliSecrets, PostgresUrlsWithUnencodedReservedCharactersAreRefusedWithoutThePassword) {
  for (const AmbiguousUrl& c : std::vector<AmbiguousUrl>{
           {"postgresql://brk_sec:Zx9/aB+cQw==@127.0.0.1:55432/sluice", "Zx9/aB+cQw=="},
           {"postgresql://brk_sec:Zx9#aBcQw@127.0.0.1:55432/sluice", "Zx9#aBcQw"},
           {"postgresql://brk_sec:Zx9?aBcQw@127.0.0.1:55432/sluice", "Zx9?aBcQw"},
           {"postgresql://brk_sec:p@ss:w/rd%#?Zq@127.0.0.1:55432/sluice", "p@ss:w/rd%#?Zq"},
           {"postgresql://u:Zsec@ret77@127.0.0.1:55432/sluice", "Zsec@ret77"},
           // A space would cut redaction's token in two.
           {"postgresql://u:Zx9 aB7@127.0.0.1:55432/sluice", "Zx9 aB7"},
           {"postgres://u@127.0.0.1:55432,h2:Kq7Vr9/db", "Kq7Vr9"},
           // No scheme: libpq reads it as keyword=value text and its error would quote it.
           {"brk_sec:Wp%3Bzz7Q@127.0.0.1", "Wp%3Bzz7Q"}}) {
    ExpectRefusedQuietly({"warehouse", "query", "-e", "select 1", "--pg", c.url}, c.password);
  }
}

TEST(CliSecrets, MysqlUrlsWithUnencodedReservedCharactersAreRefusedWithoutThePassword) {
  for (const AmbiguousUrl& c : std::vector<AmbiguousUrl>{
           {"mysql://sluice:Zx9/aB+cQw==@127.0.0.1:53306/sluice", "Zx9/aB+cQw=="},
           {"mysql://sluice:Zx9#aBcQw@127.0.0.1:53306/sluice", "Zx9#aBcQw"},
           {"mysql://sluice:Zx9?aBcQw@127.0.0.1:53306/sluice", "Zx9?aBcQw"},
           {"mysql://sluice:p@ss:w/rd%#?Zq@127.0.0.1:53306/sluice", "p@ss:w/rd%#?Zq"},
           {"mariadb://u:Zsec@ret77@127.0.0.1:53306/sluice", "Zsec@ret77"}}) {
    ExpectRefusedQuietly({"report", "run", "--bucket", "sluice-never-used", "--mysql", c.url},
                         c.password);
  }
}

// The password given as a URL query parameter is masked and the ':' after it, which separates
// the URL from libpq's reason, stays. Port 1 refuses the connection: no server is needed.
TEST(CliSecrets, QueryParameterPasswordKeepsTheMessageShape) {
  RunResult r = RunSluice({"warehouse", "query", "-e", "select 1", "--pg",
                           "postgresql://u@127.0.0.1:1/db?password=Qp-Secret-81"},
                          "");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("Qp-Secret-81"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("?password=****: connection to server"), std::string::npos) << r.err;
}

// A wrong password that is part of the user and database names ("sluic" in "sluice") masks
// itself where MariaDB could quote it, not inside those names.
TEST(CliSecrets, AWrongPasswordInsideTheUserNameLeavesTheNameReadable) {
  const char* base = std::getenv("SLUICE_MYSQL_URL");
  if (!base || !*base) {
    if (testing::ServicesRequired()) FAIL() << "SLUICE_MYSQL_URL is not set";
    GTEST_SKIP() << "no MySQL: set SLUICE_MYSQL_URL";
  }
  const std::string url = base;
  const size_t at = url.rfind('@');
  const std::string host_and_rest = url.substr(at + 1);
  const std::string host_port = host_and_rest.substr(0, host_and_rest.find('/'));
  RunResult r = RunSluice({"report", "run", "--bucket", "sluice-never-used", "--mysql",
                           "mysql://sluice:sluic@" + host_port + "/sluice"},
                          testing::BasePgUrl());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("mysql://sluice:****@" + host_port + "/sluice"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Access denied for user 'sluice'"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("****e"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sluice
