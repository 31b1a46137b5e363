// `sluice validate` reports the errors of every layer in one run: the pipeline file's own, the
// message schema or models file it names, and mask's fields or the job's model against them,
// each with its file, line and column. `sluice run` refuses with the same errors before it
// starts anything. A schema or models file given to validate directly is checked as what it is.
// And a table that exists in another shape is refused with the ALTER TABLE that adds what it
// lacks, against a real PostgreSQL.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

// Validate and a refused run connect nowhere: a run that did would fail on this closed port
// with another message and exit status.
constexpr const char* kClosedPort = "postgresql://layers:pw-not-shown@127.0.0.1:1/none";

std::vector<std::string> LinesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// A folder of its own per test, so that the files a pipeline names sit beside it.
std::string Folder(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / testing::UniqueName(name);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string Write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr) << path;
  if (!f) return path;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

constexpr const char* kGoodSchema = R"(fields:
  - name: email
    type: text
    required: true
  - name: ip
    type: text
  - name: plan
    type: text
)";

TEST(ValidateLayers, AMisspeltOptionAndABadMaskFieldAreBothReported) {
  const std::string dir = Folder("layers-options");
  Write(dir, "schema.yaml", kGoodSchema);
  const std::string pipeline = Write(dir, "p.yaml", R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {fields: [ipaddr, email], mode: siv}
sink:
  postgres-table: {table: t, pg: "${SLUICE_LAYERS_UNSET_URL}"}
)");
  const std::vector<std::string> expected = {
      pipeline +
          ":4:21: transforms[1].mask.fields: 'ipaddr' is not a field of the input schema "
          "(did you mean ip?)",
      pipeline +
          ":4:37: transforms[1].mask.mode: unknown option of mask: it has key-file, mask, "
          "fields",
      pipeline +
          ":6:35: sink.postgres-table.pg: ${SLUICE_LAYERS_UNSET_URL}: "
          "SLUICE_LAYERS_UNSET_URL is not set: set it in the environment of the process "
          "that runs the pipeline (a secret takes no default)",
  };
  RunResult validate = RunSluice({"validate", pipeline}, kClosedPort);
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(validate.out, "");
  EXPECT_EQ(LinesOf(validate.err), expected);
  // run refuses with the same errors, all of them, before it starts anything.
  RunResult run = RunSluice({"run", pipeline}, kClosedPort);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(LinesOf(run.err), expected);
}

TEST(ValidateLayers, ASchemaWithABadTypeAndADuplicateNameReportsBothAndStillChecksTheMask) {
  const std::string dir = Folder("layers-schema");
  const std::string schema = Write(dir, "schema.yaml", R"(fields:
  - name: email
    type: txt
  - name: ip
    type: text
  - name: email
    type: text
)");
  const std::string pipeline = Write(dir, "p.yaml", R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {fields: [ipaddr, ip]}
sink:
  postgres-table: {table: t, pg: "${SLUICE_PG_URL}"}
)");
  const std::vector<std::string> schema_errors = {
      schema +
          ":3:11: fields[0].type: 'txt' is not one of text, integer, bigint, double, date, "
          "timestamptz (did you mean text?)",
      schema + ":6:11: fields[2].name: 'email' is declared twice (first at line 2, column 11)",
  };
  std::vector<std::string> expected = {
      pipeline +
          ":4:21: transforms[1].mask.fields: 'ipaddr' is not a field of the input schema "
          "(did you mean ip?)",
  };
  expected.insert(expected.end(), schema_errors.begin(), schema_errors.end());
  RunResult validate = RunSluice({"validate", pipeline}, kClosedPort);
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(LinesOf(validate.err), expected);
  RunResult run = RunSluice({"run", pipeline}, kClosedPort);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(LinesOf(run.err), expected);

  // The schema file given to validate directly: the same two errors, in its own terms.
  RunResult direct = RunSluice({"validate", schema}, "");
  EXPECT_EQ(direct.exit_code, 2);
  EXPECT_EQ(direct.out, "");
  EXPECT_EQ(LinesOf(direct.err), schema_errors);
}

TEST(ValidateLayers, ASchemaOrModelsFileGivenDirectlyIsCheckedAsWhatItIs) {
  const std::string dir = Folder("layers-direct");
  const std::string schema = Write(dir, "schema.yaml", kGoodSchema);
  RunResult ok_schema = RunSluice({"validate", schema}, "");
  EXPECT_EQ(ok_schema.exit_code, 0) << ok_schema.err;
  EXPECT_EQ(ok_schema.out, schema + ": ok (message schema, 3 fields)\n");
  EXPECT_EQ(ok_schema.err, "");

  const std::string models = Write(dir, "models.yaml", R"(models:
  - name: show
    table: shows
    key: [title]
    fields:
      - {column: title, type: text}
      - {column: seasons, type: integer}
)");
  RunResult ok_models = RunSluice({"validate", models}, "");
  EXPECT_EQ(ok_models.exit_code, 0) << ok_models.err;
  EXPECT_EQ(ok_models.out, models + ": ok (warehouse models, 1 model: show)\n");

  const std::string bad_models = Write(dir, "bad-models.yaml", R"(models:
  - name: show
    table: shows
    key: [titel]
    fields:
      - {column: title, type: txt}
)");
  RunResult bad = RunSluice({"validate", bad_models}, "");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(LinesOf(bad.err),
            (std::vector<std::string>{
                bad_models + ":4:11: models[0].key[0]: 'titel' is not a field of this model (did "
                             "you mean title?)",
                bad_models + ":6:31: models[0].fields[0].type: 'txt' is not one of text, "
                             "integer, bigint, double, date, timestamptz (did you mean text?)",
            }));

  // The examples of the project are checked as what they are too.
  const std::string examples = std::string(SLUICE_TESTS_DIR) + "/../examples/";
  RunResult logins = RunSluice({"validate", examples + "logins-schema.yaml"}, "");
  EXPECT_EQ(logins.exit_code, 0) << logins.err;
  EXPECT_EQ(logins.out, examples + "logins-schema.yaml: ok (message schema, 7 fields)\n");
  RunResult six = RunSluice({"validate", examples + "warehouse-models.yaml"}, "");
  EXPECT_EQ(six.exit_code, 0) << six.err;
  EXPECT_TRUE(six.out.starts_with(examples + "warehouse-models.yaml: ok (warehouse models, 6 "
                                             "models: "))
      << six.out;
}

TEST(ValidateLayers, AWarehouseJobWithAMisspeltOptionStillHasItsModelsAndModelChecked) {
  const std::string dir = Folder("layers-models");
  const std::string models = Write(dir, "models.yaml", R"(models:
  - name: show
    table: shows
    key: [title]
    fields:
      - {column: title, type: txt}
)");
  const std::string pipeline = Write(dir, "load.yaml", R"(job:
  warehouse-load:
    models: models.yaml
    model: shwo
    fles: [shows.csv]
)");
  const std::vector<std::string> expected = {
      pipeline + ":2:3: job.warehouse-load: files is required: give files: [...]",
      pipeline + ":4:12: job.warehouse-load.model: unknown model 'shwo' in " + models +
          " (did you mean show?)",
      pipeline + ":5:5: job.warehouse-load.fles: unknown option (did you mean files?)",
      models +
          ":6:31: models[0].fields[0].type: 'txt' is not one of text, integer, bigint, "
          "double, date, timestamptz (did you mean text?)",
  };
  RunResult validate = RunSluice({"validate", pipeline}, kClosedPort);
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(LinesOf(validate.err), expected);
  RunResult run = RunSluice({"run", pipeline}, kClosedPort);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(LinesOf(run.err), expected);
}

// allow-empty-dump alone would do nothing, and a file named twice would be merged twice: both
// are refused where they stand, before anything is connected to.
TEST(ValidateLayers, AllowEmptyDumpWithoutFullDumpAndARepeatedFileAreRefusedWhereTheyStand) {
  const std::string dir = Folder("layers-dump");
  const std::string csv = Write(dir, "shows.csv", "title\nA\n");
  const std::string pipeline = Write(dir, "load.yaml", R"(job:
  warehouse-load:
    model: movie
    allow-empty-dump: true
    files: [")" + csv + R"(", ")" + dir + R"(/./shows.csv"]
)");
  RunResult validate = RunSluice({"validate", pipeline}, kClosedPort);
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(
      LinesOf(validate.err),
      (std::vector<std::string>{
          pipeline + ":2:3: job.warehouse-load.allow-empty-dump: only applies with full-dump (it "
                     "lets a full dump of no records mark every row deleted): give full-dump too, "
                     "or leave allow-empty-dump out",
          pipeline + ":5:" + std::to_string(13 + csv.size() + 4) +
              ": job.warehouse-load.files[1]: is the file files[0] already names: each "
              "file is loaded once",
      }))
      << validate.err;
  // With full-dump it is what it says.
  const std::string both = Write(dir, "both.yaml", R"(job:
  warehouse-load:
    model: movie
    full-dump: true
    allow-empty-dump: true
    files: [")" + csv + R"("]
)");
  RunResult fine = RunSluice({"validate", both}, kClosedPort);
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
}

class ValidateLayersTable : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped()) return;
    key_ = ::testing::TempDir() + "/" + testing::UniqueName("layers") + ".key";
    ASSERT_EQ(RunSluice({"logins", "keygen", key_}, "").exit_code, 0);
  }
  void TearDown() override {
    if (!key_.empty()) std::remove(key_.c_str());
    PgTest::TearDown();
  }
  std::string key_;
};

// A message schema's table made for an earlier schema (without plan and referrals) is refused
// before any message, with the statements that add what it lacks, names quoted; run as given,
// they make the table one the pipeline fills.
TEST_F(ValidateLayersTable, ATableOfAnotherShapeIsRefusedWithTheAlterTableThatFixesIt) {
  ASSERT_TRUE(conn().Exec("CREATE TABLE \"signup_events\" (email text)", "create").ok());
  const std::string dir = Folder("layers-table");
  Write(dir, "schema.yaml", R"(fields:
  - name: email
    type: text
    required: true
  - name: plan
    type: text
    max-length: 16
  - name: referrals
    type: integer
)");
  const std::string input = Write(dir, "in.ndjson",
                                  R"({"email": "ann@example.com", "plan": "pro", "referrals": 2})"
                                  "\n");
  const std::string pipeline = Write(dir, "p.yaml",
                                     R"(source: {file: {file: ")" + input +
                                         R"("}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {key-file: ")" + key_ + R"(", fields: [email]}
sink:
  postgres-table: {table: signup_events, pg: "${SLUICE_PG_URL}"}
)");
  RunResult refused = RunSluice({"run", pipeline}, url());
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  const std::string statements =
      "ALTER TABLE \"signup_events\" ADD COLUMN \"plan\" varchar(16); ALTER TABLE "
      "\"signup_events\" ADD "
      "COLUMN \"referrals\" integer";
  EXPECT_NE(
      refused.err.find("signup_events exists, but not in the shape Sluice writes (the validate "
                       "transform's schema, docs/message-schemas.md): column plan is "
                       "missing; column referrals is missing; a missing column can be added "
                       "with " +
                       statements),
      std::string::npos)
      << refused.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM \"signup_events\""), "0");

  // The statements as printed are what the table needs.
  size_t start = 0;
  while (start < statements.size()) {
    size_t end = statements.find("; ", start);
    if (end == std::string::npos) end = statements.size();
    ASSERT_TRUE(conn().Exec(statements.substr(start, end - start), "alter").ok());
    start = end + 2;
  }
  RunResult run = RunSluice({"run", pipeline}, url());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT plan || ',' || referrals FROM \"signup_events\""), "pro,2");
}

// A view where the table should be cannot take ALTER TABLE ... ADD COLUMN: it is named as a
// view, with no statement that PostgreSQL would refuse.
TEST_F(ValidateLayersTable, AViewWhereTheTableShouldBeIsNamedAsAView) {
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE signups_base (email text); CREATE VIEW \"signups_vw\" AS "
                        "SELECT email FROM signups_base",
                        "create")
                  .ok());
  const std::string dir = Folder("layers-view");
  Write(dir, "schema.yaml", kGoodSchema);
  const std::string input = Write(dir, "in.ndjson",
                                  R"({"email": "ann@example.com", "plan": "pro"})"
                                  "\n");
  const std::string pipeline = Write(dir, "p.yaml",
                                     R"(source: {file: {file: ")" + input +
                                         R"("}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {key-file: ")" + key_ + R"(", fields: [email]}
sink:
  postgres-table: {table: signups_vw, pg: "${SLUICE_PG_URL}"}
)");
  RunResult refused = RunSluice({"run", pipeline}, url());
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("signups_vw is a view, not a table"), std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find("ALTER TABLE"), std::string::npos) << refused.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM signups_base"), "0");
}

// A postgres-table's table may not be one Sluice keeps itself, nor a name ending in _rejects
// (another pipeline's rejects table): the same rule as a models file's tables, at its position.
TEST(ValidateLayers, ASinkTableThatIsSluicesOwnOrARejectsTableIsRefused) {
  const std::string dir = Folder("layers-own");
  Write(dir, "schema.yaml", kGoodSchema);
  for (const std::string table :
       {"sluice_message_ledger", "sluice_checkpoints", "load_rejects", "signups_rejects"}) {
    const std::string pipeline = Write(dir, "p.yaml", R"(source: {file: {file: in.ndjson}}
transforms:
  - validate: {schema: schema.yaml}
sink:
  postgres-table: {table: )" + table + R"(, pg: "${SLUICE_PG_URL}"}
)");
    RunResult validate = RunSluice({"validate", pipeline}, kClosedPort);
    EXPECT_EQ(validate.exit_code, 2) << table << ": " << validate.err;
    const std::string why = table == "signups_rejects"
                                ? "ends in _rejects, the suffix of the table where a pipeline"
                                : "is a table Sluice keeps itself: choose another name";
    EXPECT_NE(validate.err.find(pipeline + ":5:27: sink.postgres-table.table: "), std::string::npos)
        << validate.err;
    EXPECT_NE(validate.err.find(why), std::string::npos) << validate.err;
  }
  for (const std::string table : {"sluice_checkpoints", "user_logins_rejects"}) {
    RunResult r = RunSluice({"logins", "run", "--pg", kClosedPort, "--sqs-endpoint",
                             "http://127.0.0.1:1", "--table", table},
                            kClosedPort);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--table: "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cannot connect"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sluice
