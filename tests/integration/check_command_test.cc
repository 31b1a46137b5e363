// `sluice check JOB` against the real local services: every service the job needs is named with
// what it answered, exit 0 when all answer; a service that cannot be reached is named as failed,
// exit 1, and no password given in a URL appears in anything printed.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/report_fixture.h"
#include "support/scoped_environment.h"
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
  // The tables the report reads: the test's own users table and completions table.
  ASSERT_TRUE(testing::CreateUsersTable(conn()).ok());
  auto completions = testing::CompletionsTable::Open("check_lessons");
  ASSERT_TRUE(completions.ok()) << completions.status().message();
  ASSERT_TRUE((*completions)->Create().ok());
  const std::string bucket = testing::UniqueBucketName("check");
  // An empty folder seeded into a new bucket: the bucket exists, with nothing in it.
  const std::string empty_dir = testing::WriteTempFile("empty", "") + ".d";
  std::filesystem::create_directories(empty_dir);
  ASSERT_EQ(RunSluice({"lake", "seed", empty_dir, "s3://" + bucket + "/", "--create-bucket"}, "")
                .exit_code,
            0);

  RunResult report = RunSluice(
      {"check", "report", "--bucket", bucket, "--completions-table", (*completions)->name()},
      url());
  EXPECT_EQ(report.exit_code, 0) << report.out << report.err;
  EXPECT_TRUE(CheckSaid(report, "ok", "postgresql")) << report.out;
  EXPECT_TRUE(CheckSaid(report, "ok", "pg-table")) << report.out;
  EXPECT_NE(report.out.find("mindtickle_users (--users-table) in PostgreSQL: readable"),
            std::string::npos)
      << report.out;
  EXPECT_TRUE(CheckSaid(report, "ok", "mysql")) << report.out;
  EXPECT_TRUE(CheckSaid(report, "ok", "mysql-table")) << report.out;
  EXPECT_NE(report.out.find((*completions)->name() + " (--completions-table) in MySQL: readable"),
            std::string::npos)
      << report.out;
  EXPECT_TRUE(CheckSaid(report, "ok", "s3")) << report.out;
  EXPECT_NE(report.out.find("s3://" + bucket + "/ at http"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("answers; no reports/daily-lessons/"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("report: all 5 service(s) answered"), std::string::npos) << report.out;

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

// The tables the report reads are checked over their servers' sessions: a missing one, or one
// without a column the report reads, is named with the flag that names it.
TEST_F(CheckCommand, ReportNamesAMissingUsersOrCompletionsTable) {
  SLUICE_REQUIRE_MYSQL();
  const std::string dir =
      std::filesystem::path(testing::WriteTempFile("out", "") + ".d").lexically_normal().string();
  std::filesystem::create_directories(dir);
  RunResult missing =
      RunSluice({"check", "report", "--output", "file://" + dir + "/", "--users-table",
                 "no_such_users", "--completions-table", "no_such_lessons"},
                url());
  EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
  EXPECT_TRUE(CheckSaid(missing, "ok", "postgresql")) << missing.out;
  EXPECT_TRUE(CheckSaid(missing, "FAILED", "pg-table")) << missing.out;
  EXPECT_NE(missing.out.find("no_such_users (--users-table) in PostgreSQL: missing: no table or "
                             "view no_such_users"),
            std::string::npos)
      << missing.out;
  EXPECT_TRUE(CheckSaid(missing, "ok", "mysql")) << missing.out;
  EXPECT_TRUE(CheckSaid(missing, "FAILED", "mysql-table")) << missing.out;
  EXPECT_NE(missing.out.find("no_such_lessons (--completions-table) in MySQL: missing"),
            std::string::npos)
      << missing.out;
  EXPECT_TRUE(CheckSaid(missing, "ok", "directory")) << missing.out;
  EXPECT_NE(missing.out.find("report: 2 of 5 service(s) failed"), std::string::npos) << missing.out;

  // A users table without a column the report reads.
  ASSERT_TRUE(conn().Exec("CREATE TABLE thin_users (user_id bigint, user_name text)", "").ok());
  RunResult thin = RunSluice({"check", "report", "--output", "file://" + dir + "/", "--users-table",
                              "thin_users", "--completions-table", "no_such_lessons", "--json"},
                             url());
  EXPECT_EQ(thin.exit_code, 1) << thin.out << thin.err;
  EXPECT_NE(thin.out.find("lacks a column the job reads (it needs user_id, user_name, "
                          "active_status)"),
            std::string::npos)
      << thin.out;
}

// An S3 or SQS line says where each AWS setting came from, and shows the access key id masked;
// never the secret key.
TEST_F(CheckCommand, AwsServicesSayWhereTheirSettingsCameFrom) {
  SLUICE_REQUIRE_AWS();
  const char* endpoint_env = std::getenv("AWS_ENDPOINT_URL");
  const char* key_env = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret_env = std::getenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_TRUE(endpoint_env && key_env && secret_env) << "the local AWS variables are not set";
  const std::string endpoint = endpoint_env, key = key_env, secret = secret_env;
  ASSERT_GT(secret.size(), 4u);
  // The environment's key id is masked whole when it is shorter than AWS's 16 characters; the
  // profile's below is a long-term key's shape, shown as ****, then its last four.
  const std::string masked = key.size() >= 16 ? "****" + key.substr(key.size() - 4) : "****";
  const std::string profile_key = "AKIACHECKKEYID0MPLE";
  const std::string profile_masked = "****MPLE";
  testing::ScopedEnvironment env;
  const std::string config_file = testing::WriteTempFile("aws-config", "");
  const std::string credentials_file = testing::WriteTempFile("aws-credentials", "");
  env.Set("AWS_CONFIG_FILE", config_file);
  env.Set("AWS_SHARED_CREDENTIALS_FILE", credentials_file);
  env.Clear(std::vector<std::string>{"AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN",
                                     "AWS_CA_BUNDLE", "AWS_DEFAULT_REGION"});
  env.Set("AWS_REGION", "us-east-1");
  const std::string bucket = testing::UniqueBucketName("check-aws");
  const std::string empty_dir = testing::WriteTempFile("empty", "") + ".d";
  std::filesystem::create_directories(empty_dir);
  ASSERT_EQ(RunSluice({"lake", "seed", empty_dir, "s3://" + bucket + "/", "--create-bucket"}, "")
                .exit_code,
            0);

  // From the environment.
  RunResult r = RunSluice({"check", "lake", "s3://" + bucket + "/"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& line :
       std::vector<std::string>{"       profile     default (AWS_PROFILE is not set)\n",
                                "       region      us-east-1 (from AWS_REGION)\n",
                                "       endpoint    " + endpoint + " (from AWS_ENDPOINT_URL)\n",
                                "       credentials environment: AWS_ACCESS_KEY_ID and "
                                "AWS_SECRET_ACCESS_KEY; access key "
                                "id " +
                                    masked + "\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  r = RunSluice({"check", "lake", "s3://" + bucket + "/", "--s3-endpoint", endpoint}, "");
  EXPECT_NE(r.out.find(" (from --s3-endpoint)\n"), std::string::npos) << r.out;

  // From a profile: its region, its services section, its keys, each with file and line.
  std::ofstream(config_file) << "[profile chk]\nregion = us-east-1\nservices = here\n"
                             << "[services here]\ns3 =\n  endpoint_url = " << endpoint << "\n";
  std::ofstream(credentials_file) << "[chk]\naws_access_key_id = " << profile_key
                                  << "\naws_secret_access_key = " << secret << "\n";
  env.Clear(std::vector<std::string>{"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                     "AWS_SECRET_ACCESS_KEY", "AWS_REGION"});
  env.Set("AWS_PROFILE", "chk");
  r = RunSluice({"check", "lake", "s3://" + bucket + "/"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& line : std::vector<std::string>{
           "       profile     chk (from AWS_PROFILE)\n",
           "       region      us-east-1 (from region of profile 'chk' (" + config_file + ":2))\n",
           "       endpoint    " + endpoint + " (from [services here] of profile 'chk' (" +
               config_file + ":6))\n",
           "       credentials profile: aws_access_key_id of profile 'chk' (" + credentials_file +
               ":2); access key id " + profile_masked + "\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  // Never more than four characters of the id: not the AKIA every long-term key starts with.
  EXPECT_EQ(r.out.find("AKIA"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;

  RunResult json = RunSluice({"check", "lake", "s3://" + bucket + "/", "--json"}, "");
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  EXPECT_EQ(json.out.find(secret), std::string::npos) << json.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json.out).get(doc)) << json.out;
  simdjson::dom::element aws;
  ASSERT_FALSE(doc["services"].at(0)["aws"].get(aws)) << json.out;
  auto text = [&](const char* field) {
    std::string_view value;
    return aws[field].get(value) ? std::string("(missing)") : std::string(value);
  };
  EXPECT_EQ(text("profile"), "chk");
  EXPECT_EQ(text("profile_source"), "AWS_PROFILE");
  EXPECT_EQ(text("region"), "us-east-1");
  EXPECT_EQ(text("endpoint"), endpoint);
  EXPECT_EQ(text("endpoint_source"), "[services here] of profile 'chk' (" + config_file + ":6)");
  EXPECT_EQ(text("credentials_kind"), "profile");
  EXPECT_EQ(text("access_key_id"), profile_masked);
}

// When the credentials cannot be resolved or fetched, the settings that did resolve are still
// shown, and the credentials line is the failure, naming its source.
TEST(CheckCommandAws, CredentialsThatFailKeepTheOtherSettingsAndNameTheirSource) {
  SLUICE_REQUIRE_AWS();
  const std::string endpoint = std::getenv("AWS_ENDPOINT_URL");
  testing::ScopedEnvironment env;
  const std::string config_file = testing::WriteTempFile("aws-config", "");
  const std::string credentials_file = testing::WriteTempFile("aws-credentials", "");
  env.Set("AWS_CONFIG_FILE", config_file);
  env.Set("AWS_SHARED_CREDENTIALS_FILE", credentials_file);
  env.Clear(std::vector<std::string>{"AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN",
                                     "AWS_CA_BUNDLE", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                                     "AWS_SECRET_ACCESS_KEY", "AWS_WEB_IDENTITY_TOKEN_FILE",
                                     "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"});
  env.Set("AWS_REGION", "us-east-1");
  env.Set("AWS_EC2_METADATA_DISABLED", "true");
  const std::vector<std::string> settings{
      "       region      us-east-1 (from AWS_REGION)\n",
      "       endpoint    " + endpoint + " (from AWS_ENDPOINT_URL)\n"};

  // No source gives any credentials.
  RunResult none = RunSluice({"check", "lake", "s3://check-no-credentials/"}, "");
  EXPECT_EQ(none.exit_code, 1) << none.out << none.err;
  for (const std::string& line : settings)
    EXPECT_NE(none.out.find(line), std::string::npos) << line << "\n" << none.out;
  EXPECT_NE(none.out.find("       credentials FAILED: no AWS credentials"), std::string::npos)
      << none.out;

  // An empty credential_process, and one that fails.
  std::ofstream(config_file) << "[profile empty]\ncredential_process =\n"
                             << "[profile failing]\ncredential_process = sh -c \"exit 3\"\n";
  env.Set("AWS_PROFILE", "empty");
  RunResult empty = RunSluice({"check", "lake", "s3://check-no-credentials/"}, "");
  EXPECT_EQ(empty.exit_code, 1) << empty.out << empty.err;
  for (const std::string& line : settings)
    EXPECT_NE(empty.out.find(line), std::string::npos) << line << "\n" << empty.out;
  EXPECT_NE(empty.out.find("       profile     empty (from AWS_PROFILE)\n"), std::string::npos)
      << empty.out;
  EXPECT_NE(empty.out.find("       credentials profile: profile 'empty'; FAILED: "
                           "credential_process in profile 'empty' (" +
                           config_file + ":2) is empty"),
            std::string::npos)
      << empty.out;

  env.Set("AWS_PROFILE", "failing");
  RunResult failing = RunSluice({"check", "lake", "s3://check-no-credentials/"}, "");
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  for (const std::string& line : settings)
    EXPECT_NE(failing.out.find(line), std::string::npos) << line << "\n" << failing.out;
  EXPECT_NE(failing.out.find("       credentials credential_process: credential_process of "
                             "profile 'failing' (" +
                             config_file + ":4); FAILED: "),
            std::string::npos)
      << failing.out;

  // --json carries the same in the service's aws object.
  env.Set("AWS_PROFILE", "empty");
  RunResult json = RunSluice({"check", "lake", "s3://check-no-credentials/", "--json"}, "");
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json.out).get(doc)) << json.out;
  simdjson::dom::element aws;
  ASSERT_FALSE(doc["services"].at(0)["aws"].get(aws)) << json.out;
  std::string_view region, error;
  EXPECT_FALSE(aws["region"].get(region));
  EXPECT_EQ(region, "us-east-1");
  EXPECT_FALSE(aws["credentials_error"].get(error));
  EXPECT_NE(error.find("credential_process in profile 'empty'"), std::string_view::npos)
      << json.out;
}

// A failing credential_process runs once per check (its prompt on stderr once), as it does for
// queue create: the check reuses the failure rather than asking again for the request.
TEST(CheckCommandAws, AFailingCredentialProcessRunsOnce) {
  SLUICE_REQUIRE_AWS();
  testing::ScopedEnvironment env;
  const std::string runs = testing::WriteTempFile("process-runs", "");
  const std::string config_file = testing::WriteTempFile(
      "aws-config", "[profile counted]\ncredential_process = sh -c \"echo run >> " + runs +
                        "; echo 'enter your token' >&2; exit 3\"\n");
  env.Set("AWS_CONFIG_FILE", config_file);
  env.Set("AWS_SHARED_CREDENTIALS_FILE", testing::WriteTempFile("aws-credentials", ""));
  env.Clear(std::vector<std::string>{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"});
  env.Set("AWS_PROFILE", "counted");
  const auto count_runs = [&] {
    std::ifstream in(runs);
    std::string line;
    int n = 0;
    while (std::getline(in, line))
      ++n;
    std::ofstream(runs, std::ios::trunc);
    return n;
  };
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"check", "lake", "s3://check-counted/"},
           {"check", "logins", "--queue", "check-counted", "--pg", "postgresql://127.0.0.1:1/x"}}) {
    RunResult r = RunSluice(args, "");
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(count_runs(), 1) << args[1] << "\n" << r.out << r.err;
  }
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

// check warehouse refuses what warehouse load would refuse before it connects: a model the
// models file lacks, a models file that does not load, a file it cannot read.
TEST_F(CheckCommand, WarehouseChecksTheModelTheModelsFileAndTheFiles) {
  const std::string data = testing::WriteTempFile("check-users.csv", "user_id,user_name\n1,a\n");
  RunResult good = RunSluice({"check", "warehouse", "--model", "user", data}, url());
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_TRUE(CheckSaid(good, "ok", "model")) << good.out;
  EXPECT_TRUE(CheckSaid(good, "ok", "file")) << good.out;

  RunResult model = RunSluice({"check", "warehouse", "--model", "nosuchmodel"}, url());
  EXPECT_EQ(model.exit_code, 1) << model.out << model.err;
  EXPECT_TRUE(CheckSaid(model, "FAILED", "model")) << model.out;
  EXPECT_NE(model.out.find("unknown model 'nosuchmodel'"), std::string::npos) << model.out;

  const std::string bad = testing::WriteTempFile("bad-models.yaml", "models: [: {\n");
  RunResult models = RunSluice({"check", "warehouse", "--models", bad}, url());
  EXPECT_EQ(models.exit_code, 1) << models.out << models.err;
  EXPECT_TRUE(CheckSaid(models, "FAILED", "models")) << models.out;
  EXPECT_NE(models.out.find(bad), std::string::npos) << models.out;

  // A file the load would refuse (a missing one is refused by the option itself, exit 2).
  const std::string parquet = testing::WriteTempFile("check-users.parquet", "PAR1\0\0PAR1");
  RunResult refused = RunSluice({"check", "warehouse", parquet}, url());
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_TRUE(CheckSaid(refused, "FAILED", "file")) << refused.out;
  EXPECT_NE(refused.out.find("Parquet is not supported"), std::string::npos) << refused.out;
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
