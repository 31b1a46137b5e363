// Conformance: the reference messages (../shared/fixtures/fetch) replayed through a real queue
// into PostgreSQL give SPEC section 1's facts.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>

#include "connectors/sqs/sqs_client.h"
#include "support/test_env.h"

namespace sluice::logins {
namespace {

using sluice::testing::RunResult;
using sluice::testing::RunSluice;

class LoginsConformance : public sluice::testing::PgTest {
 protected:
  void SetUp() override {
    if (sluice::testing::SharedDir().empty()) GTEST_SKIP() << sluice::testing::kNoSharedDirMessage;
    SLUICE_REQUIRE_AWS();
    PgTest::SetUp();
    sample_ = sluice::testing::SharedDir() + "/fixtures/fetch/data/sample_data.json";
    key_file_ = ::testing::TempDir() + "/" + sluice::testing::UniqueName("logins") + ".key";
    ASSERT_EQ(RunSluice({"logins", "keygen", key_file_}, "").exit_code, 0);
  }
  void TearDown() override {
    if (!key_file_.empty()) std::remove(key_file_.c_str());
    PgTest::TearDown();
  }

  // Sends the reference file to a new queue and consumes it into `table`.
  std::string ReplayInto(const std::string& table) {
    std::string queue = sluice::testing::UniqueName("login-queue");
    EXPECT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
    RunResult sent = RunSluice({"queue", "send", queue, sample_}, "");
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_NE(sent.out.find("sent 100 messages"), std::string::npos);
    RunResult run = RunSluice({"logins", "run", "--queue", queue, "--until-empty", "--key-file",
                               key_file_, "--table", table, "--wait-seconds", "1"},
                              url());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    // The local SQS server sometimes delivers a message twice to concurrent receives: the
    // ledger absorbs it, so the count of messages seen may exceed 100 but not what is stored.
    EXPECT_NE(run.out.find(" 99 stored in " + table + ", 1 rejected"), std::string::npos)
        << run.out << run.err;
    return queue;
  }

  std::map<std::string, std::pair<std::string, std::string>> PlainByUser() {
    std::map<std::string, std::pair<std::string, std::string>> plain;
    simdjson::dom::parser parser;
    for (simdjson::dom::element e : parser.load(sample_).get_array()) {
      std::string_view user, ip, device;
      if (e["user_id"].get_string().get(user)) continue;
      if (e["ip"].get_string().get(ip) || e["device_id"].get_string().get(device)) continue;
      plain[std::string(user)] = {std::string(ip), std::string(device)};
    }
    return plain;
  }

  std::string sample_;
  std::string key_file_;
};

TEST_F(LoginsConformance, ReplayGivesTheReferenceFacts) {
  std::string queue = ReplayInto("user_logins");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "99");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins_rejects"), "1");
  EXPECT_EQ(Scalar("SELECT reason FROM user_logins_rejects"), "user_id is missing");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins WHERE locale IS NULL"), "29");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins WHERE app_version IS NULL OR create_date "
                   "IS NULL"),
            "0");

  // The queue is drained.
  auto config = ResolveAwsConfig("", "sqs");
  ASSERT_TRUE(config.ok());
  SqsClient client(*config, MakeCurlTransport());
  auto queue_url = client.GetQueueUrl(queue);
  ASSERT_TRUE(queue_url.ok());
  EXPECT_EQ(*client.ApproximateNumberOfMessages(*queue_url, true), 0);

  // Every masked value differs from its plain value, and reveal gives the originals back.
  auto plain = PlainByUser();
  auto rows = conn().Query(
      "SELECT user_id, masked_ip, masked_device_id FROM user_logins ORDER BY user_id", "read");
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> args = {"logins", "reveal", "--key-file", key_file_};
  std::string expected;
  int with_ip = 0;
  for (int r = 0; r < rows->rows(); ++r) {
    auto it = plain.find(std::string(rows->Value(r, 0)));
    if (it == plain.end()) continue;
    EXPECT_NE(rows->Value(r, 1), it->second.first);
    EXPECT_EQ(rows->Value(r, 1).find(it->second.first), std::string::npos);
    args.emplace_back(rows->Value(r, 1));
    args.emplace_back(rows->Value(r, 2));
    expected += it->second.first + "\n" + it->second.second + "\n";
    ++with_ip;
  }
  EXPECT_GT(with_ip, 90);
  RunResult revealed = RunSluice(args, "");
  EXPECT_EQ(revealed.exit_code, 0) << revealed.err;
  EXPECT_EQ(revealed.out, expected);

  // `logins mask` finds a known value's rows without revealing any.
  std::string some_user(rows->Value(0, 0));
  RunResult masked =
      RunSluice({"logins", "mask", "--key-file", key_file_, plain[some_user].first}, "");
  EXPECT_EQ(masked.exit_code, 0) << masked.err;
  EXPECT_EQ(masked.out, std::string(rows->Value(0, 1)) + "\n");

  // A second run on the drained queue adds nothing.
  RunResult again = RunSluice({"logins", "run", "--queue", queue, "--until-empty", "--key-file",
                               key_file_, "--wait-seconds", "1"},
                              url());
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins"), "99");
}

TEST_F(LoginsConformance, EqualInputsGiveEqualMaskedValuesAcrossRuns) {
  ReplayInto("user_logins");
  ReplayInto("user_logins_again");
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins a JOIN user_logins_again b USING (user_id) "
                   "WHERE a.masked_ip IS NOT DISTINCT FROM b.masked_ip "
                   "AND a.masked_device_id IS NOT DISTINCT FROM b.masked_device_id"),
            "99");
}

TEST_F(LoginsConformance, TheKeyNeverReachesOutputOrCommandLines) {
  std::string queue = ReplayInto("user_logins");
  std::ifstream in(key_file_);
  std::string line, material;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') material = line.substr(line.find(':') + 1);
  }
  ASSERT_FALSE(material.empty());
  RunResult bad = RunSluice({"logins", "run", "--queue", queue, "--until-empty", "--key-file",
                             "/nonexistent/key", "--wait-seconds", "1"},
                            url());
  EXPECT_EQ(bad.exit_code, 2);  // configuration, found before any work
  EXPECT_NE(bad.err.find("cannot read the key file /nonexistent/key"), std::string::npos);
  RunResult reveal_bad = RunSluice({"logins", "reveal", "--key-file", key_file_, "garbage:x"}, "");
  EXPECT_EQ(reveal_bad.out.find(material), std::string::npos);
  EXPECT_EQ(reveal_bad.err.find(material), std::string::npos);
}

}  // namespace
}  // namespace sluice::logins
