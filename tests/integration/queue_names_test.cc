// Queue names from the command line are held to SQS's naming rules before any request is sent:
// hostile names are usage errors naming the rule.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace sluice {
namespace {

TEST(QueueNames, HostileNamesAreRefusedBeforeAnythingIsSent) {
  // No endpoint at all: a name that got as far as a request would fail with exit 1, not 2.
  for (const std::string& name :
       {std::string("bad name"), std::string("q;DROP"), std::string("a/b"), std::string("a.b"),
        std::string("q&Action=DeleteQueue"), std::string("q\xe9"), std::string(81, 'q'),
        std::string(".fifo"), std::string("")}) {
    for (const char* command : {"create", "purge"}) {
      auto run =
          testing::RunSluice({"queue", command, name, "--sqs-endpoint", "http://127.0.0.1:1"}, "");
      EXPECT_EQ(run.exit_code, 2) << command << " '" << name << "': " << run.err;
      EXPECT_NE(run.err.find("the queue name: "), std::string::npos) << run.err;
    }
  }
}

// Case: `logins run --queue NAME` checked the name only after setting up PostgreSQL. The queue
// name and --table are checked first: nothing is connected to (the PostgreSQL and SQS
// addresses here refuse connections, which would be exit 1).
TEST(QueueNames, LoginsRunChecksItsNamesBeforeConnecting) {
  const std::string nowhere_pg = "postgresql://sluice@127.0.0.1:1/none";
  auto run = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "logins", "run", "--pg", nowhere_pg, "--sqs-endpoint", "http://127.0.0.1:1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::RunSluice(args, nowhere_pg);
  };
  for (const std::string& name : {std::string("bad name"), std::string("q&Action=DeleteQueue"),
                                  std::string(81, 'q'), std::string("")}) {
    auto r = run({"--queue", name});
    EXPECT_EQ(r.exit_code, 2) << "'" << name << "': " << r.err;
    EXPECT_NE(r.err.find("--queue: "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cannot connect"), std::string::npos) << r.err;
  }
  for (const std::string& table :
       {std::string(""), std::string(64, 't'), std::string("a\tb"), std::string("bad\xff"),
        std::string("pg_class"), std::string("pg_logins")}) {
    auto r = run({"--table", table});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--table: "), std::string::npos) << r.err;
  }
  // 56 bytes fit an identifier, but not with "_rejects" after them: PostgreSQL would cut the
  // rejects table's name short.
  auto r = run({"--table", std::string(56, 't')});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--table: is 56 bytes; with the \"_rejects\" of its rejects table it "
                       "would pass PostgreSQL's 63 bytes"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("use at most 55 bytes"), std::string::npos) << r.err;

  // A queue's settings with --file would do nothing: refused, naming the flag, before any work.
  const std::string file = testing::WriteTempFile("one.ndjson", "{}\n");
  const std::string key = testing::WriteTempFile("names.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(testing::RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  for (const std::vector<std::string>& flag : {std::vector<std::string>{"--receivers", "2"},
                                               {"--wait-seconds", "1"},
                                               {"--visibility-timeout", "60"},
                                               {"--until-empty"}}) {
    std::vector<std::string> args = {"logins", "run", "--pg",       nowhere_pg,
                                     "--file", file,  "--key-file", key};
    args.insert(args.end(), flag.begin(), flag.end());
    auto q = testing::RunSluice(args, nowhere_pg);
    EXPECT_EQ(q.exit_code, 2) << flag[0] << ": " << q.err;
    EXPECT_NE(
        q.err.find(flag[0] + " is a setting of the queue source and does nothing with --file"),
        std::string::npos)
        << q.err;
  }
}

}  // namespace
}  // namespace sluice
