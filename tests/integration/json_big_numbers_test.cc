// Case json-big-number-unused-field, end to end: numbers beyond 64 bits or double range are valid
// JSON (RFC 8259 §6). Wherever Sluice reads JSON they change nothing in a field it does not use,
// and in a field it uses they are a reject that names the field.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;

class JsonBigNumbers : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    key_ = ::testing::TempDir() + "/" + testing::UniqueName("bignum") + ".key";
    ASSERT_EQ(RunSluice({"logins", "keygen", key_}, "").exit_code, 0);
  }
  void TearDown() override {
    std::remove(key_.c_str());
    PgTest::TearDown();
  }
  std::string key_;
};

TEST_F(JsonBigNumbers, LoginEventsFromAFileAreAllStored) {
  const std::string path = testing::WriteTempFile(
      testing::UniqueName("events") + ".ndjson",
      "{\"user_id\":\"u-1\",\"app_version\":\"1.2\"}\n"
      "{\"user_id\":\"u-2\",\"app_version\":\"1.2\",\"trace_id\":123456789012345678901234567890}\n"
      "{\"user_id\":\"u-3\",\"app_version\":\"1.2\",\"ts_ns\":18446744073709551616}\n"
      "{\"user_id\":\"u-4\",\"app_version\":\"1.2\",\"score\":1e400,\"low\":-1e400}\n"
      "{\"user_id\":\"u-5\",\"ip\":1e400}\n");
  RunResult run = RunSluice({"logins", "run", "--file", path, "--key-file", key_}, url());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT string_agg(user_id, ',' ORDER BY user_id) FROM user_logins"),
            "u-1,u-2,u-3,u-4");
  EXPECT_EQ(Scalar("SELECT reason FROM user_logins_rejects"), "ip must be a string, not a number");
  std::remove(path.c_str());
}

TEST_F(JsonBigNumbers, AWarehouseDumpKeepsTheNumbersAndNamesTheField) {
  const std::string path = testing::WriteTempFile(
      testing::UniqueName("movies") + ".json",
      R"([{"title":"A","duration_mins":90,"original_language":"en","size_mb":1,"id":1e400},
          {"title":"B","duration_mins":123456789012345678901234567890,"original_language":"en"},
          {"title":"C","duration_mins":-1e400,"original_language":"en"}])");
  RunResult run = RunSluice({"warehouse", "load", "--model", "movie", path}, url());
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',') FROM movies"), "A");
  EXPECT_EQ(Scalar("SELECT string_agg(reason, ',' ORDER BY reason) FROM load_rejects"),
            "duration_mins is not an integer (32-bit),duration_mins is not an integer (32-bit)");
  // The record kept for repair holds the numbers as they were written.
  EXPECT_NE(Scalar("SELECT string_agg(record, ' ') FROM load_rejects")
                .find("\"duration_mins\":123456789012345678901234567890"),
            std::string::npos);
  std::remove(path.c_str());
}

// The same bodies through `queue send` (array and NDJSON) and an SQS consumer.
TEST_F(JsonBigNumbers, LoginEventsThroughAQueueAreAllStored) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = testing::UniqueName("bignum");
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  const std::string array =
      testing::WriteTempFile(queue + ".json",
                             R"([{"user_id":"a-1","trace_id":123456789012345678901234567890},
          {"user_id":"a-2","ts_ns":18446744073709551616,"nested":{"s":[1e400,-1e400]}}])");
  const std::string lines =
      testing::WriteTempFile(queue + ".ndjson",
                             "{\"user_id\":\"n-1\",\"score\":-123456789012345678901234567890e300}\n"
                             "{\"user_id\":\"n-2\",\"device_id\":1e400}\n");
  ASSERT_EQ(RunSluice({"queue", "send", queue, array}, "").exit_code, 0);
  ASSERT_EQ(RunSluice({"queue", "send", queue, lines}, "").exit_code, 0);
  RunResult run = RunSluice({"logins", "run", "--queue", queue, "--key-file", key_, "--until-empty",
                             "--wait-seconds", "1"},
                            url());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT string_agg(user_id, ',' ORDER BY user_id) FROM user_logins"),
            "a-1,a-2,n-1");
  EXPECT_EQ(Scalar("SELECT reason FROM user_logins_rejects"),
            "device_id must be a string, not a number");
  std::remove(array.c_str());
  std::remove(lines.c_str());
}

}  // namespace
}  // namespace sluice
