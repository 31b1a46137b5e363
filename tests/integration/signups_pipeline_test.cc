// User message schemas end to end (docs/message-schemas.md): examples/signups.yaml, a second
// queue's JSON shape into its own table with email and phone masked, from a file and from SQS;
// and examples/logins-schema.yaml used as a validate transform's schema stores exactly what
// `sluice logins run` stores for the same input, since the job is the preset of that pipeline.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/test_env.h"
#include "transforms/mask.h"

namespace sluice {
namespace {

using testing::ExamplesDir;
using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

// Five sign-ups: two stored, three rejected (a number for email, a country too long, not JSON).
const std::string kSignups =
    R"({"email": "ann@example.com", "plan": "pro", "contact": {"phone": "+44 20 7946 0958", "country": "GB"}, "client": {"version": "2.3.1"}, "referrals": 2})"
    "\n"
    R"({"email": "bob@example.com", "plan": "free"})"
    "\n"
    R"({"email": 7, "plan": "free", "contact": {"phone": "+1 555 0100"}})"
    "\n"
    R"({"email": "cy@example.com", "plan": "free", "contact": {"country": "GBR"}})"
    "\n"
    "not json\n";

class SignupsPipeline : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped()) return;
    key_ = ::testing::TempDir() + "/" + testing::UniqueName("signups") + ".key";
    ASSERT_EQ(RunSluice({"logins", "keygen", key_}, "").exit_code, 0);
    setenv("SLUICE_MASK_KEY_FILE", key_.c_str(), 1);
  }
  void TearDown() override {
    for (const char* name : {"SLUICE_MASK_KEY_FILE", "SIGNUPS_QUEUE", "SIGNUPS_UNTIL_EMPTY",
                             "SIGNUPS_WAIT_SECONDS", "SIGNUPS_TABLE", "SIGNUPS_FILE"})
      unsetenv(name);
    if (!key_.empty()) std::remove(key_.c_str());
    PgTest::TearDown();
  }

  // examples/signups-backfill.yaml reading `input` (an NDJSON file): the queue's pipeline with
  // the file source.
  std::string FilePipeline(const std::string& input) {
    setenv("SIGNUPS_FILE", input.c_str(), 1);
    return ExamplesDir() + "signups-backfill.yaml";
  }

  // The stored sign-ups, the masked columns revealed with the key.
  std::string RevealedRows() {
    auto ring = MaskKeyring::LoadFile(key_);
    EXPECT_TRUE(ring.ok());
    if (!ring.ok()) return "";
    Masker masker(*ring, MaskMode::kSiv);
    auto result = conn().Query(
        "SELECT email, coalesce(phone, ''), concat_ws('|', country, plan, client_version, "
        "referrals, signed_up_on = current_date OR signed_up_on = current_date - 1) FROM "
        "signups ORDER BY plan DESC",
        {}, "reading signups");
    EXPECT_TRUE(result.ok()) << result.status().message();
    if (!result.ok()) return "";
    std::string out;
    for (int row = 0; row < result->rows(); ++row) {
      auto email = masker.Reveal(result->Value(row, 0));
      EXPECT_TRUE(email.ok()) << email.status().message();
      std::string phone;
      if (!result->Value(row, 1).empty()) phone = masker.Reveal(result->Value(row, 1)).value();
      out += fmt::format("{}|{}|{}\n", email.ok() ? *email : "?", phone, result->Value(row, 2));
    }
    return out;
  }

  std::string key_;
};

constexpr const char* kExpectedRows =
    "ann@example.com|+44 20 7946 0958|GB|pro|2003001|2|t\n"
    "bob@example.com||free|t\n";
constexpr const char* kExpectedReasons =
    "country is 3 characters; the column holds 2\n"
    "email must be a string, not a number\n"
    "the body is not valid JSON: Problem while parsing an atom starting with the letter 'n'";

TEST_F(SignupsPipeline, FromAFileRowsMaskedRejectsAndNothingTwice) {
  const std::string input = WriteTempFile("signups.ndjson", kSignups);
  const std::string pipeline = FilePipeline(input);
  RunResult valid = RunSluice({"validate", pipeline}, url());
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
  RunResult run = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.out.starts_with(
      "5 messages: 2 stored in signups, 3 rejected to signups_rejects, 0 already stored"))
      << run.out;
  EXPECT_EQ(RevealedRows(), kExpectedRows);
  // Masked, not plain.
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups WHERE email LIKE '%@%' OR phone LIKE '+%'"), "0");
  EXPECT_EQ(Scalar("SELECT string_agg(reason, E'\\n' ORDER BY reason) FROM signups_rejects"),
            kExpectedReasons);
  // The rejected bodies are kept encrypted; the key reveals them whole.
  const std::string sealed =
      Scalar("SELECT body_encrypted FROM signups_rejects WHERE reason LIKE 'email must%'");
  EXPECT_EQ(sealed.find("555"), std::string::npos);
  RunResult revealed = RunSluice({"logins", "reveal", "--key-file", key_, sealed}, "");
  EXPECT_EQ(revealed.out, R"({"email": 7, "plan": "free", "contact": {"phone": "+1 555 0100"}})"
                          "\n");
  // The table is the schema's.
  EXPECT_EQ(Scalar("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY "
                   "ordinal_position) FROM information_schema.columns WHERE table_name = "
                   "'signups' AND table_schema = current_schema()"),
            "email character varying, phone character varying, country character varying, plan "
            "character varying, client_version integer, referrals integer, signed_up_on date");

  // A second run adds nothing: the file's checkpoint.
  RunResult again = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups"), "2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups_rejects"), "3");
}

TEST_F(SignupsPipeline, FromAQueueAsTheExampleStandsExactlyOnce) {
  SLUICE_REQUIRE_AWS();
  const std::string input = WriteTempFile("signups-queue.ndjson", kSignups);
  const std::string queue = testing::UniqueName("signups-queue");
  ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
  ASSERT_EQ(RunSluice({"queue", "send", queue, input}, "").exit_code, 0);
  setenv("SIGNUPS_QUEUE", queue.c_str(), 1);
  setenv("SIGNUPS_UNTIL_EMPTY", "true", 1);
  setenv("SIGNUPS_WAIT_SECONDS", "1", 1);
  RunResult run = RunSluice({"run", ExamplesDir() + "signups.yaml"}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(RevealedRows(), kExpectedRows);
  EXPECT_EQ(Scalar("SELECT string_agg(reason, E'\\n' ORDER BY reason) FROM signups_rejects"),
            kExpectedReasons);
  // Every message id went through the ledger, and the queue is drained: a second run adds
  // nothing.
  EXPECT_EQ(Scalar("SELECT count(*) FROM sluice_message_ledger WHERE source = 'sqs:" + queue + "'"),
            "5");
  RunResult again = RunSluice({"run", ExamplesDir() + "signups.yaml"}, url());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups"), "2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups_rejects"), "3");
}

TEST_F(SignupsPipeline, ATableOfAnotherShapeIsRefusedBeforeAnyMessage) {
  ASSERT_TRUE(conn().Exec("CREATE TABLE signups (email text, plan integer)", "create").ok());
  const std::string input = WriteTempFile("signups-shape.ndjson", kSignups);
  RunResult run = RunSluice({"run", FilePipeline(input)}, url());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("signups exists, but not in the shape Sluice writes (the validate "
                         "transform's schema, docs/message-schemas.md): column email is text, "
                         "not character varying(256)"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups"), "0");
}

// The logins job is the preset of validate (examples/logins-schema.yaml) -> mask [ip, device_id]
// -> postgres-table: that pipeline stores what `logins run` stores, row for row and reject for
// reject, into a table of the same shape.
TEST_F(SignupsPipeline, TheLoginsSchemaAsAPipelineStoresWhatLoginsRunStores) {
  const std::string events = WriteTempFile(
      "logins-as-schema.ndjson",
      R"({"user_id":"u1","device_type":"android","ip":"199.172.111.135","device_id":"593-47-5928","locale":"RU","app_version":"0.96"})"
      "\n"
      R"({"user_id":"u2","app_version":"2.3"})"
      "\n"
      R"({"user_id":"u3","app_version":"v2"})"
      "\n"
      R"({"device_type":"ios"})"
      "\n"
      R"({"user_id":"u4","ip":7})"
      "\n"
      R"({"user_id":"u5","User_id":"x"})"
      "\n");
  const std::string schema = Scalar("SELECT current_schema()");
  const std::string cli_schema = schema + "_cli";
  ASSERT_TRUE(conn().Exec("CREATE SCHEMA " + cli_schema, "create schema").ok());
  std::string cli_url = url();
  const size_t at = cli_url.find("search_path%3D" + schema);
  ASSERT_NE(at, std::string::npos);
  cli_url.replace(at, std::string("search_path%3D" + schema).size(), "search_path%3D" + cli_schema);
  RunResult cli = RunSluice({"logins", "run", "--file", events, "--key-file", key_}, cli_url);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  const std::string pipeline =
      WriteTempFile(testing::UniqueName("logins-as-schema") + ".yaml",
                    "source:\n  file: {file: " + events +
                        "}\ntransforms:\n  - validate: {schema: " + ExamplesDir() +
                        "logins-schema.yaml}\n  - mask: {key-file: \"${SLUICE_MASK_KEY_FILE}\", "
                        "fields: [ip, device_id]}\nsink:\n  postgres-table: {pg: "
                        "\"${SLUICE_PG_URL}\", table: user_logins}\n");
  RunResult run = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.substr(0, run.out.find('(')), cli.out.substr(0, cli.out.find('(')));

  const std::string row =
      "concat_ws('|', user_id, device_type, masked_ip, masked_device_id, locale, app_version, "
      "create_date)";
  const auto rows = [&](const std::string& in, const std::string& table, const std::string& r) {
    return Scalar(
        fmt::format("SELECT count(*) || E'\\n' || coalesce(string_agg({0}, E'\\n' "
                    "ORDER BY {0}), '') FROM {1}.{2}",
                    r, in, table));
  };
  const std::string stored = rows(schema, "user_logins", row);
  EXPECT_TRUE(stored.starts_with("2\n")) << stored;
  EXPECT_EQ(stored, rows(cli_schema, "user_logins", row));
  const std::string reject = "message_id || '|' || reason";
  EXPECT_EQ(rows(schema, "user_logins_rejects", reject),
            rows(cli_schema, "user_logins_rejects", reject));
  // The same table, column for column.
  const std::string shape =
      "SELECT string_agg(column_name || ' ' || data_type || "
      "coalesce(character_maximum_length::text, "
      "''), ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = "
      "'user_logins' AND table_schema = ";
  EXPECT_EQ(Scalar(shape + "'" + schema + "'"), Scalar(shape + "'" + cli_schema + "'"));
  (void)conn().Exec("DROP SCHEMA " + cli_schema + " CASCADE", "drop schema");
}

// `sluice validate` reads the schema a validate transform names: its errors carry the schema
// file's name and positions, the pipeline's the pipeline's, all at once (mask.fields is checked
// against the schema's sound fields even while another field has an error), exit 2; no server.
TEST(SignupsValidate, SchemaAndMaskFieldErrorsAtTheirOwnPositions) {
  const std::string schema =
      WriteTempFile("validate-schema.yaml",
                    "fields:\n  - {name: email, type: txt}\n  - {name: ip, type: text}\n");
  const std::string pipeline =
      WriteTempFile("validate-pipeline.yaml",
                    "source:\n  file: {file: in.json}\ntransforms:\n  - validate: {schema: " +
                        std::filesystem::path(schema).filename().string() +
                        "}\n  - mask: {key-file: k, fields: [ipaddr]}\nsink:\n  "
                        "postgres-table: {pg: \"${SLUICE_PG_URL}\", table: t}\n");
  RunResult bad_schema = RunSluice({"validate", pipeline}, "postgresql://127.0.0.1:1/none");
  EXPECT_EQ(bad_schema.exit_code, 2);
  EXPECT_EQ(bad_schema.err, pipeline + ":5:22: transforms[1].mask.key-file: no such file: k\n" +
                                pipeline +
                                ":5:34: transforms[1].mask.fields: 'ipaddr' is not a field of the "
                                "input schema (did you mean ip?)\n" +
                                schema +
                                ":2:25: fields[0].type: 'txt' is not one of text, integer, "
                                "bigint, double, date, timestamptz (did you mean text?)\n");
  RunResult run = RunSluice({"run", pipeline}, "postgresql://127.0.0.1:1/none");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, bad_schema.err);

  std::ofstream(schema, std::ios::trunc)
      << "fields:\n  - {name: email, type: text}\n  - {name: ip, type: text}\n";
  RunResult bad_field = RunSluice({"validate", pipeline}, "postgresql://127.0.0.1:1/none");
  EXPECT_EQ(bad_field.exit_code, 2);
  EXPECT_EQ(bad_field.err, pipeline + ":5:22: transforms[1].mask.key-file: no such file: k\n" +
                               pipeline +
                               ":5:34: transforms[1].mask.fields: 'ipaddr' is not a field of the "
                               "input schema (did you mean ip?)\n");
}

}  // namespace
}  // namespace sluice
