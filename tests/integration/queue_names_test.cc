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

}  // namespace
}  // namespace sluice
