// `sluice check JOB` against the real local services: every service the job needs is named with
// what it answered, exit 0 when all answer; a service that cannot be reached is named as failed,
// exit 1, and no password given in a URL appears in anything printed.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;

class CheckCommand : public testing::PgTest {};

// A line of the text report: status, then the service's name.
bool CheckSaid(const RunResult& r, const std::string& status, const std::string& service) {
  return r.out.find(status + std::string(7 - status.size(), ' ') + service) != std::string::npos;
}

TEST_F(CheckCommand, WarehouseNamesPostgresVersionUserAndDatabase) {
  RunResult r = RunSluice({"check", "warehouse"}, url());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(CheckSaid(r, "ok", "postgresql")) << r.out;
  EXPECT_NE(r.out.find("(from SLUICE_PG_URL): PostgreSQL "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", user " + Scalar("SELECT current_user") + ", database " +
                       Scalar("SELECT current_database()")),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("warehouse: all 1 service(s) answered"), std::string::npos) << r.out;
}

TEST_F(CheckCommand, ReportAndLakeNameEveryServiceTheyNeed) {
  SLUICE_REQUIRE_MYSQL();
  SLUICE_REQUIRE_AWS();
  const std::string bucket = testing::UniqueBucketName("check");
  // An empty folder seeded into a new bucket: the bucket exists, with nothing in it.
  const std::string empty_dir = testing::WriteTempFile("empty", "") + ".d";
  std::filesystem::create_directories(empty_dir);
  ASSERT_EQ(RunSluice({"lake", "seed", empty_dir, "s3://" + bucket + "/", "--create-bucket"}, "")
                .exit_code,
            0);

  RunResult report = RunSluice({"check", "report", "--bucket", bucket}, url());
  EXPECT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_TRUE(CheckSaid(report, "ok", "postgresql")) << report.out;
  EXPECT_TRUE(CheckSaid(report, "ok", "mysql")) << report.out;
  EXPECT_TRUE(CheckSaid(report, "ok", "s3")) << report.out;
  EXPECT_NE(report.out.find("s3://" + bucket + "/ at http"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("answers; no reports/daily-lessons/"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("report: all 3 service(s) answered"), std::string::npos) << report.out;

  RunResult lake = RunSluice({"check", "lake", "s3://" + bucket + "/"}, "");
  EXPECT_EQ(lake.exit_code, 0) << lake.out << lake.err;
  EXPECT_TRUE(CheckSaid(lake, "ok", "s3")) << lake.out;
  EXPECT_NE(lake.out.find("no processed_data/output.csv yet"), std::string::npos) << lake.out;

  // A bucket that is not there is a failure naming it.
  RunResult missing = RunSluice({"check", "lake", "s3://" + bucket + "-not-made/"}, "");
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_TRUE(CheckSaid(missing, "FAILED", "s3")) << missing.out;
  EXPECT_NE(missing.out.find("NoSuchBucket"), std::string::npos) << missing.out;
}

TEST_F(CheckCommand, LoginsNamesTheQueueWithItsCountsAndTheKey) {
  SLUICE_REQUIRE_AWS();
  const std::string queue = testing::UniqueName("check");
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  const std::string key = testing::WriteTempFile("check.key", "") + ".new";
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);

  RunResult r = RunSluice({"check", "logins", "--queue", queue, "--key-file", key}, url());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(CheckSaid(r, "ok", "postgresql")) << r.out;
  EXPECT_TRUE(CheckSaid(r, "ok", "sqs")) << r.out;
  EXPECT_TRUE(CheckSaid(r, "ok", "masking-key")) << r.out;
  EXPECT_NE(r.out.find("about 0 message(s) waiting, 0 in flight"), std::string::npos) << r.out;

  // A queue that does not exist, and no key: two failures, each named.
  RunResult bad = RunSluice({"check", "logins", "--queue", queue + "-not-made"}, url());
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_TRUE(CheckSaid(bad, "ok", "postgresql")) << bad.out;
  EXPECT_TRUE(CheckSaid(bad, "FAILED", "sqs")) << bad.out;
  EXPECT_TRUE(CheckSaid(bad, "FAILED", "masking-key")) << bad.out;
  EXPECT_NE(bad.out.find("2 of 3 service(s) failed"), std::string::npos) << bad.out;
}

TEST_F(CheckCommand, JsonIsOneDocument) {
  RunResult r = RunSluice({"check", "warehouse", "--json"}, url());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(r.out).get(doc)) << r.out;
  EXPECT_EQ(std::string_view(doc["job"].get_string().value_unsafe()), "warehouse");
  EXPECT_TRUE(doc["ok"].get_bool().value_unsafe());
  simdjson::dom::array services;
  ASSERT_FALSE(doc["services"].get_array().get(services));
  ASSERT_EQ(services.size(), 1u);
  simdjson::dom::element pg = services.at(0).value_unsafe();
  EXPECT_EQ(std::string_view(pg["name"].get_string().value_unsafe()), "postgresql");
  EXPECT_TRUE(pg["ok"].get_bool().value_unsafe());
  EXPECT_TRUE(std::string_view(pg["detail"].get_string().value_unsafe()).starts_with("PostgreSQL "))
      << r.out;
}

// Wrong ports: each service that cannot be reached is named as failed, exit 1, and the passwords
// in the URLs never appear.
TEST(CheckCommandNowhere, AWrongPortFailsThatServiceAndHidesItsPassword) {
  const std::string pg_port = std::to_string(testing::FreeLoopbackPort());
  const std::string mysql_port = std::to_string(testing::FreeLoopbackPort());
  const std::string dir =
      std::filesystem::path(testing::WriteTempFile("out", "") + ".d").lexically_normal().string();
  std::filesystem::create_directories(dir);
  RunResult r =
      RunSluice({"check", "report", "--pg",
                 "postgresql://app:Check-Pg-Secret-31@127.0.0.1:" + pg_port + "/db", "--mysql",
                 "mysql://app:Check-My-Secret-47@127.0.0.1:" + mysql_port + "/db", "--output",
                 "file://" + dir + "/"},
                "");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(CheckSaid(r, "FAILED", "postgresql")) << r.out;
  EXPECT_NE(r.out.find("postgresql://app:****@127.0.0.1:" + pg_port + "/db (from --pg)"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(CheckSaid(r, "FAILED", "mysql")) << r.out;
  EXPECT_NE(r.out.find("127.0.0.1:" + mysql_port), std::string::npos) << r.out;
  // The local directory is there: that one answers.
  EXPECT_TRUE(CheckSaid(r, "ok", "directory")) << r.out;
  EXPECT_NE(r.out.find("2 of 3 service(s) failed"), std::string::npos) << r.out;
  for (const std::string secret : {"Check-Pg-Secret-31", "Check-My-Secret-47"}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }

  RunResult json = RunSluice({"check", "warehouse", "--json", "--pg",
                              "postgresql://app:Check-Pg-Secret-31@127.0.0.1:" + pg_port + "/db"},
                             "");
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  EXPECT_NE(json.out.find("\"ok\":false"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("Check-Pg-Secret-31"), std::string::npos) << json.out;
}

}  // namespace
}  // namespace sluice
