// Names that come from a user (tables, columns, queues, buckets, models, in flags and in
// pipeline, schema and models files) are either refused, naming the option and sending nothing
// to a server, or quoted: a table made under a hostile name by someone else is read as that
// table. Either way a bystander table keeps its row and no other table appears.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

// Names a user could type, none of which the rule for names Sluice creates accepts.
const std::vector<std::string>& Hostile() {
  static const std::vector<std::string> names = {
      "x\"; DROP TABLE victim; --",
      "x'; DROP TABLE victim; --",
      "a;b",
      "back\\slash",
      "t\xc3\xa9"
      "ble",  // "table" with an e-acute
      "Victim",
      "my table",
      "victim.other",
      "select",
      "user",
      "pg_class",
      std::string(64, 'a'),
      "x`; DROP TABLE victim; --",
  };
  return names;
}

// YAML text for a name: double-quoted with escapes, so every byte reaches the loader as is.
std::string Yaml(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

class HostileNames : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFailure() || IsSkipped()) return;
    ASSERT_TRUE(conn()
                    .Exec("CREATE TABLE victim (id int); INSERT INTO victim VALUES (1)",
                          "making the bystander table")
                    .ok());
    key_ = WriteTempFile("hostile.key", "") + ".k";
    ASSERT_EQ(RunSluice({"logins", "keygen", key_}, "").exit_code, 0);
    events_ =
        WriteTempFile("hostile.ndjson",
                      R"({"user_id":"u1","app_version":"2.3.0","ip":"10.0.0.1","device_id":"d1"})"
                      "\n");
    tables_ = Tables();
  }

  std::set<std::string> Tables() {
    std::set<std::string> out;
    auto r = conn().Query(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON "
        "n.oid = c.relnamespace WHERE n.nspname = current_schema()",
        "listing tables");
    EXPECT_TRUE(r.ok());
    if (r.ok())
      for (int i = 0; i < r->rows(); ++i)
        out.emplace(r->Value(i, 0));
    return out;
  }

  // A refusal: exit 2, the message names `option`, and the schema is as it was.
  void ExpectRefused(const RunResult& r, const std::string& option, const std::string& name) {
    EXPECT_EQ(r.exit_code, 2) << "[" << name << "]\n" << r.err << r.out;
    EXPECT_NE((r.err + r.out).find(option), std::string::npos)
        << "[" << name << "] does not name " << option << ":\n"
        << r.err << r.out;
    ExpectUntouched(name);
  }

  void ExpectUntouched(const std::string& name) {
    EXPECT_EQ(Scalar("SELECT count(*) FROM victim"), "1") << name;
    EXPECT_EQ(Tables(), tables_) << "[" << name << "] changed the schema's tables";
  }

  std::string key_;
  std::string events_;
  std::set<std::string> tables_;
};

TEST_F(HostileNames, LoginsTableFlagIsRefusedByName) {
  for (const std::string& name : Hostile()) {
    ExpectRefused(RunSluice({"logins", "run", "--file", events_, "--key-file", key_, "--pg", url(),
                             "--table", name},
                            url()),
                  "--table", name);
  }
}

TEST_F(HostileNames, PipelineTablesAndSchemaColumnsAreRefusedWhereWritten) {
  for (const std::string& name : Hostile()) {
    const std::string schema =
        WriteTempFile("hostile-schema.yaml",
                      "fields:\n  - name: user_id\n    type: text\n  - name: " + Yaml(name) +
                          "\n    type: text\n");
    const std::string table_pipeline = WriteTempFile(
        "hostile-table.yaml", "source:\n  file:\n    file: " + events_ +
                                  "\ntransforms:\n  - validate:\n      schema: " + schema +
                                  "\nsink:\n  postgres-table:\n    pg: ${SLUICE_PG_URL}\n"
                                  "    table: " +
                                  Yaml(name) + "\n");
    RunResult validate = RunSluice({"validate", table_pipeline}, url());
    EXPECT_NE(validate.exit_code, 0) << "[" << name << "]\n" << validate.out;
    EXPECT_NE((validate.out + validate.err).find("table"), std::string::npos)
        << "[" << name << "]\n"
        << validate.out << validate.err;
    ExpectRefused(RunSluice({"run", table_pipeline}, url()), "table", name);
  }
}

TEST_F(HostileNames, ModelsFileTablesAndColumnsAreRefused) {
  for (const std::string& name : Hostile()) {
    const std::string csv = WriteTempFile("hostile.csv", "email\nann@example.com\n");
    for (const auto& [what, models] : std::vector<std::pair<std::string, std::string>>{
             {"table",
              "models:\n  - name: m\n    table: " + Yaml(name) +
                  "\n    key: [email]\n    fields:\n      - {column: email, type: text}\n"},
             {"column",
              "models:\n  - name: m\n    table: hostile_ok\n    key: [email]\n"
              "    fields:\n      - {column: email, type: text}\n      - {column: " +
                  Yaml(name) + ", type: text}\n"}}) {
      // The pg_ rule is for tables only (a table could shadow a catalog); a column may be
      // called pg_class.
      if (what == "column" && name == "pg_class") continue;
      const std::string file = WriteTempFile("hostile-models.yaml", models);
      RunResult r =
          RunSluice({"warehouse", "load", "--models", file, "-m", "m", csv, "--pg", url()}, url());
      EXPECT_NE(r.exit_code, 0) << "[" << name << "] as " << what << "\n" << r.out;
      EXPECT_NE(r.err.find(file), std::string::npos) << "[" << name << "]\n" << r.err;
      ExpectUntouched(name);
    }
  }
}

// Queue and bucket names have rules of their own (SQS: letters, digits, '-', '_'; S3: lower-case
// letters, digits, '.', '-'), so only the names no such rule allows are tried here.
TEST_F(HostileNames, QueueAndBucketNamesAreRefusedByName) {
  for (const std::string& name : Hostile()) {
    if (name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
        std::string::npos)
      continue;
    RunResult queue =
        RunSluice({"queue", "create", name, "--sqs-endpoint", "http://127.0.0.1:1"}, "");
    EXPECT_EQ(queue.exit_code, 2) << "[" << name << "]\n" << queue.err;
    RunResult bucket =
        RunSluice({"report", "run", "--pg", url(), "--mysql", "mysql://u:p@127.0.0.1:1/d",
                   "--bucket", name, "--s3-endpoint", "http://127.0.0.1:1"},
                  url());
    ExpectRefused(bucket, "--bucket", name);
    RunResult lake = RunSluice(
        {"lake", "build", "s3://" + name + "/", "--s3-endpoint", "http://127.0.0.1:1"}, "");
    EXPECT_EQ(lake.exit_code, 2) << "[" << name << "]\n" << lake.err;
  }
}

// Tables the report only reads take any name their server allows, and are quoted: a users table
// in PostgreSQL and a completions table in MariaDB made under hostile names are read as those
// tables, and the bystander tables on both servers keep their rows.
TEST_F(HostileNames, ReportReadsHostileNamedTablesQuotedOnBothServers) {
  SLUICE_REQUIRE_MYSQL();
  auto mysql_side = testing::CompletionsTable::Open("hostile_victim");
  ASSERT_TRUE(mysql_side.ok()) << mysql_side.status().message();
  ASSERT_TRUE((*mysql_side)->Create().ok());
  ASSERT_TRUE((*mysql_side)->Insert("VALUES (1, 1, CURRENT_DATE - INTERVAL 2 DAY)").ok());
  MysqlConnection& my = (*mysql_side)->mysql();
  const std::string output =
      (std::filesystem::path(::testing::TempDir()) / testing::UniqueName("hostile-report"))
          .string();
  int n = 0;
  for (const std::string& base : {std::string("x\"; DROP TABLE victim; --"), std::string("a;b"),
                                  std::string("select"), std::string("back\\slash"),
                                  std::string("t\xc3\xa9"
                                              "ble"),
                                  std::string("Victim")}) {
    const std::string name = base + std::to_string(n++);
    // PostgreSQL: "..." with '"' doubled. MariaDB: `...` with '`' doubled.
    std::string pg_quoted = "\"";
    for (char c : name) {
      if (c == '"') pg_quoted.push_back('"');
      pg_quoted.push_back(c);
    }
    pg_quoted += "\"";
    std::string my_quoted = "`";
    for (char c : name) {
      if (c == '`') my_quoted.push_back('`');
      my_quoted.push_back(c);
    }
    my_quoted += "`";
    ASSERT_TRUE(conn()
                    .Exec("CREATE TABLE " + pg_quoted +
                              " (user_id serial PRIMARY KEY, user_name varchar(255) NOT NULL, "
                              "active_status varchar(10) NOT NULL); INSERT INTO " +
                              pg_quoted + " VALUES (1, 'Hostile Ann', 'active')",
                          "making a hostile users table")
                    .ok())
        << name;
    ASSERT_TRUE(my.Exec("CREATE TABLE " + my_quoted +
                            " (completion_id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL,"
                            " lesson_id INT NOT NULL, completion_date DATE NOT NULL)",
                        "making a hostile completions table")
                    .ok())
        << name;
    ASSERT_TRUE(my.Exec("INSERT INTO " + my_quoted +
                            " (user_id, lesson_id, completion_date) VALUES "
                            "(1, 7, CURRENT_DATE - INTERVAL 3 DAY)",
                        "filling it")
                    .ok());
    RunResult r = RunSluice({"report", "run", "--pg", url(), "--mysql", testing::MysqlUrl(),
                             "--users-table", name, "--completions-table", name, "--output",
                             "file://" + output + "/" + std::to_string(n) + "/", "--create-bucket"},
                            url());
    EXPECT_EQ(r.exit_code, 0) << "[" << name << "]\n" << r.err;
    EXPECT_EQ(Scalar("SELECT count(*) FROM victim"), "1") << name;
    (void)my.Exec("DROP TABLE " + my_quoted, "dropping it");
    (void)conn().Exec("DROP TABLE " + pg_quoted, "dropping it");
  }
  // The MariaDB bystander (the fixture's own completions table) keeps its row.
  int rows = -1;
  ASSERT_TRUE(my.Stream("SELECT count(*) FROM " + (*mysql_side)->name(), "counting",
                        [&](const MysqlRow& row) {
                          rows = row[0] ? std::stoi(std::string(*row[0])) : -1;
                          return Status::Ok();
                        })
                  .ok());
  EXPECT_EQ(rows, 1);
}

}  // namespace
}  // namespace sluice
