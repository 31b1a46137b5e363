// `sluice run` on the files in examples/, against the reference data in ../shared: a file that is a
// preset of a command must leave exactly the rows, files and objects that command leaves for the
// same input, since both run the same code. The command runs into a second schema (or folder), the
// file into the test's own. A file that does not load, or a composition no command runs, is exit 2
// and reaches no server.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::ExamplesDir;
using testing::RunResult;
using testing::RunSluice;
using testing::SharedDir;
using testing::WriteTempFile;

// A stored login as one comparable text. create_date is the day of the run, and is left out so a
// run across midnight still compares.
const std::string kLoginRow =
    "concat_ws('|', user_id, device_type, masked_ip, masked_device_id, locale, app_version)";

class PipelineRun : public testing::PgTest {
 protected:
  void SetUp() override {
    if (SharedDir().empty()) GTEST_SKIP() << testing::kNoSharedDirMessage;
    PgTest::SetUp();
    if (IsSkipped()) return;
    schema_ = Scalar("SELECT current_schema()");
    ASSERT_FALSE(schema_.empty());
    cli_schema_ = schema_ + "_cli";
    ASSERT_TRUE(conn().Exec("CREATE SCHEMA " + cli_schema_, "create schema").ok());
    const std::string from = "search_path%3D" + schema_;
    cli_url_ = url();
    const size_t at = cli_url_.find(from);
    ASSERT_NE(at, std::string::npos) << "PgTest's URL no longer sets search_path";
    cli_url_.replace(at, from.size(), "search_path%3D" + cli_schema_);
  }
  void TearDown() override {
    if (!cli_schema_.empty())
      (void)conn().Exec("DROP SCHEMA IF EXISTS " + cli_schema_ + " CASCADE", "drop schema");
    for (const char* name :
         {"LOGINS_FILE", "LOGINS_TABLE", "SLUICE_MASK_KEY_FILE", "MOVIES_FILE", "LOGINS_QUEUE",
          "LOGINS_UNTIL_EMPTY", "LOGINS_WAIT_SECONDS", "COMPLETIONS_TABLE", "REPORT_OUTPUT"})
      unsetenv(name);
    PgTest::TearDown();
  }

  // The rows of `select` over `table` in `schema`, one line each, in `order`.
  std::string Rows(const std::string& schema, const std::string& table, const std::string& row,
                   const std::string& order) {
    return Scalar(
        fmt::format("SELECT count(*) || E'\\n' || coalesce(string_agg({}, E'\\n' ORDER "
                    "BY {}), '') FROM {}.{}",
                    row, order, schema, table));
  }

  std::string schema_, cli_schema_, cli_url_;
};

TEST_F(PipelineRun, LoginsFileExampleStoresWhatLoginsRunStores) {
  const std::string sample = SharedDir() + "/fixtures/fetch/data/sample_data.json";
  // A path in the test's folder; keygen never overwrites, so the placeholder goes first.
  const std::string key = WriteTempFile("pipeline-run.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);

  RunResult cli = RunSluice({"logins", "run", "--file", sample, "--key-file", key}, cli_url_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  setenv("LOGINS_FILE", sample.c_str(), 1);
  setenv("SLUICE_MASK_KEY_FILE", key.c_str(), 1);
  RunResult run = RunSluice({"run", ExamplesDir() + "logins-file.yaml"}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The same summary: messages, stored, rejected, duplicates (only the seconds differ).
  EXPECT_EQ(run.out.substr(0, run.out.find('(')), cli.out.substr(0, cli.out.find('(')));

  const std::string logins = Rows(schema_, "user_logins", kLoginRow, kLoginRow);
  EXPECT_EQ(logins, Rows(cli_schema_, "user_logins", kLoginRow, kLoginRow));
  EXPECT_TRUE(logins.starts_with("99\n")) << logins.substr(0, 20);
  EXPECT_EQ(Rows(schema_, "user_logins_rejects", "message_id || '|' || reason", "message_id"),
            Rows(cli_schema_, "user_logins_rejects", "message_id || '|' || reason", "message_id"));
  // Masked, not plain: no stored value is one of the file's IPs.
  EXPECT_EQ(Scalar("SELECT count(*) FROM user_logins WHERE masked_ip ~ '^[0-9.]+$'"), "0");

  // A second run of the file adds nothing: the checkpoint the command keeps is kept here too.
  RunResult again = RunSluice({"run", ExamplesDir() + "logins-file.yaml"}, url());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Rows(schema_, "user_logins", kLoginRow, kLoginRow), logins);
}

TEST_F(PipelineRun, LoginsSqsExampleStoresWhatLoginsRunStores) {
  SLUICE_REQUIRE_AWS();
  const std::string sample = SharedDir() + "/fixtures/fetch/data/sample_data.json";
  const std::string key = ::testing::TempDir() + "/" + testing::UniqueName("run-sqs") + ".key";
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  // A queue each, since consuming empties it.
  const std::string cli_queue = testing::UniqueName("run-cli-queue");
  const std::string run_queue = testing::UniqueName("run-file-queue");
  for (const std::string& queue : {cli_queue, run_queue}) {
    ASSERT_EQ(RunSluice({"queue", "create", queue}, "").exit_code, 0);
    ASSERT_EQ(RunSluice({"queue", "send", queue, sample}, "").exit_code, 0);
  }
  RunResult cli = RunSluice({"logins", "run", "--queue", cli_queue, "--until-empty", "--key-file",
                             key, "--wait-seconds", "1"},
                            cli_url_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  setenv("LOGINS_QUEUE", run_queue.c_str(), 1);
  setenv("LOGINS_UNTIL_EMPTY", "true", 1);
  setenv("LOGINS_WAIT_SECONDS", "1", 1);
  setenv("SLUICE_MASK_KEY_FILE", key.c_str(), 1);
  RunResult run = RunSluice({"run", ExamplesDir() + "logins-sqs.yaml"}, url());
  std::remove(key.c_str());
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const std::string logins = Rows(schema_, "user_logins", kLoginRow, kLoginRow);
  EXPECT_EQ(logins, Rows(cli_schema_, "user_logins", kLoginRow, kLoginRow));
  EXPECT_TRUE(logins.starts_with("99\n")) << logins.substr(0, 20);
  // Rejects are compared by reason: their message ids are the queue's, different per queue.
  EXPECT_EQ(Rows(schema_, "user_logins_rejects", "reason", "reason"),
            Rows(cli_schema_, "user_logins_rejects", "reason", "reason"));
}

TEST_F(PipelineRun, DailyLessonsJobWritesWhatReportRunWrites) {
  SLUICE_REQUIRE_MYSQL();
  auto completions = testing::CompletionsTable::Open("run_completions");
  ASSERT_TRUE(completions.ok()) << completions.status().message();
  ASSERT_TRUE((*completions)->Create().ok());
  ASSERT_TRUE((*completions)
                  ->Insert("VALUES (1, 1, '2024-02-10'), (1, 2, '2024-02-10'), (2, 3, "
                           "'2024-02-20'), (3, 1, '2024-01-01')")
                  .ok());
  auto cli_conn = PgConnection::Connect(cli_url_);
  ASSERT_TRUE(cli_conn.ok()) << cli_conn.status().message();
  const std::string users = "(1, 'Ann', 'active'), (2, 'Bo', 'inactive'), (3, 'Cy', 'active')";
  ASSERT_TRUE(testing::CreateUsersTable(conn(), users).ok());
  ASSERT_TRUE(testing::CreateUsersTable(**cli_conn, users).ok());

  const std::string scratch = WriteTempFile("run-report.yaml", "");
  const std::string base =
      std::filesystem::path(scratch).lexically_normal().parent_path().string() + "/" +
      testing::UniqueName("run-report");
  std::filesystem::create_directories(base + "/command");
  std::filesystem::create_directories(base + "/file");
  RunResult cli = RunSluice({"report", "run", "--as-of", "2024-03-01", "--completions-table",
                             (*completions)->name(), "--output", "file://" + base + "/command/"},
                            cli_url_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  // The example as it stands, with the day pinned: it reports the day before today, and the
  // command run above has to report the same day. Its options end the file, so one more line
  // joins them.
  std::ifstream example(ExamplesDir() + "daily-lessons.yaml");
  std::string text(std::istreambuf_iterator<char>(example), {});
  ASSERT_TRUE(text.ends_with("    output: ${REPORT_OUTPUT}\n")) << "the example changed shape";
  const std::string pipeline =
      WriteTempFile("run-report.yaml", text + "    as-of: \"2024-03-01\"\n");
  setenv("COMPLETIONS_TABLE", (*completions)->name().c_str(), 1);
  setenv("REPORT_OUTPUT", ("file://" + base + "/file/").c_str(), 1);
  RunResult run = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;

  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string report = read(base + "/file/daily-lessons/2024-03-01.csv");
  // A header, then Ann's day and Cy's zero (Bo is inactive, Cy's lesson is outside the window).
  EXPECT_EQ(std::count(report.begin(), report.end(), '\n'), 3) << report;
  EXPECT_EQ(report, read(base + "/command/daily-lessons/2024-03-01.csv"));
  // Each run is on record in its own schema, as the command records it.
  EXPECT_EQ(Scalar("SELECT string_agg(status, ',') FROM reports_generated"), "succeeded");
  std::filesystem::remove_all(base);
}

// The password reaches the run through ${SLUICE_PG_URL} only, and a server that cannot be
// reached is reported without it, with the command's exit status for that (1, not 2: the file
// was sound).
TEST(PipelineRunSecrets, AnUnreachableServersPasswordIsNeverQuoted) {
  const std::string movies = WriteTempFile("run-secret-movies.csv", "title\nAlien\n");
  const std::string pipeline =
      WriteTempFile("run-secret.yaml", "job:\n  warehouse-load:\n    model: movie\n    files: [\"" +
                                           movies + "\"]\n    pg: \"${SLUICE_PG_URL}\"\n");
  const std::string url = "postgresql://nobody:pw-never-shown@127.0.0.1:1/none";
  RunResult r = RunSluice({"run", pipeline}, url);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot connect to PostgreSQL"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("pw-never-shown"), std::string::npos) << r.err;
}

TEST(PipelineRunLake, LakeBuildJobPublishesWhatLakeBuildPublishes) {
  if (SharedDir().empty()) GTEST_SKIP() << testing::kNoSharedDirMessage;
  const std::string users = SharedDir() + "/fixtures/provectus/data";
  // The folder of a temporary file, normalized: a lake URL with "//" in its path is refused.
  const std::string scratch = WriteTempFile("run-lake.yaml", "");
  const std::string base =
      std::filesystem::path(scratch).lexically_normal().parent_path().string() + "/" +
      testing::UniqueName("run-lake");
  const std::string by_command = "file://" + base + "/command/";
  const std::string by_file = "file://" + base + "/file/";
  for (const std::string& lake : {by_command, by_file}) {
    RunResult seeded = RunSluice({"lake", "seed", users, lake + "source_data/"}, "");
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  }

  RunResult cli = RunSluice({"lake", "build", by_command}, "");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  setenv("LAKE_LOCATION", by_file.c_str(), 1);
  RunResult run = RunSluice({"run", ExamplesDir() + "lake-build.yaml"}, "");
  unsetenv("LAKE_LOCATION");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("100 user(s): 100 added"), std::string::npos) << run.out;

  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string published = read(base + "/file/processed_data/output.csv");
  EXPECT_FALSE(published.empty());
  EXPECT_EQ(published, read(base + "/command/processed_data/output.csv"));
  std::filesystem::remove_all(base);
}

TEST_F(PipelineRun, WarehouseExampleLoadsWhatWarehouseLoadLoads) {
  const std::string movies = SharedDir() + "/fixtures/strider/data/internal/movies.csv";
  RunResult cli =
      RunSluice({"warehouse", "load", "--model", "movie", "--full-dump", movies}, cli_url_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;

  setenv("MOVIES_FILE", movies.c_str(), 1);
  RunResult run = RunSluice({"run", ExamplesDir() + "warehouse-movies.yaml"}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.substr(0, run.out.find(" in ")), cli.out.substr(0, cli.out.find(" in ")));

  const std::string row =
      "concat_ws('|', title, duration_mins, original_language, size_mb, "
      "deleted_in_source_at IS NULL)";
  const std::string rows = Rows(schema_, "movies", row, "title");
  EXPECT_EQ(rows, Rows(cli_schema_, "movies", row, "title"));
  EXPECT_FALSE(rows.starts_with("0\n"));
}

TEST_F(PipelineRun, ABadOrUnsupportedFileIsExit2AndTouchesNoServer) {
  // Each of these fails before anything is opened: no table appears in the test's schema.
  const std::string bad = WriteTempFile("run-bad.yaml", "source:\n  sqss: {queue: logins}\n");
  RunResult b = RunSluice({"run", bad}, url());
  EXPECT_EQ(b.exit_code, 2) << b.err;
  EXPECT_NE(b.err.find(bad + ":2:3: source: unknown component 'sqss'"), std::string::npos) << b.err;

  // Without the mask, a logins pipeline would store PII in the clear: no command runs that.
  const std::string unmasked =
      WriteTempFile("run-unmasked.yaml",
                    "source:\n  file: {file: /dev/null}\nsink:\n  logins-postgres: {pg: "
                    "\"${SLUICE_PG_URL}\"}\n");
  RunResult u = RunSluice({"run", unmasked}, url());
  EXPECT_EQ(u.exit_code, 2) << u.err;
  EXPECT_NE(u.err.find(unmasked +
                       ":4:3: sink.logins-postgres: sink logins-postgres runs after transforms "
                       "[mask] alone, not []"),
            std::string::npos)
      << u.err;
  EXPECT_NE(u.err.find("warehouse-load"), std::string::npos) << u.err;

  const std::string missing = WriteTempFile(
      "run-missing.yaml", "job:\n  warehouse-load: {model: movie, files: [/no/such/movies.csv]}\n");
  RunResult m = RunSluice({"run", missing}, url());
  EXPECT_EQ(m.exit_code, 2) << m.err;
  EXPECT_NE(m.err.find("job.warehouse-load.files: no such file: /no/such/movies.csv"),
            std::string::npos)
      << m.err;

  EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" +
                   schema_ + "'"),
            "0");
  // The URL is never quoted, whatever the error.
  for (const RunResult* r : {&b, &u, &m})
    EXPECT_EQ(r->err.find(url()), std::string::npos);
}

}  // namespace
}  // namespace sluice
