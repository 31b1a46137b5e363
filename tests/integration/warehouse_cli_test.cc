// The `sluice warehouse` command line end to end: exit statuses, output formats, and secrets.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::PgTest;
using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

class WarehouseCli : public PgTest {};

TEST_F(WarehouseCli, InitLoadQueryInEveryFormat) {
  RunResult init = RunSluice({"warehouse", "init"}, url());
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("movies users streams authors books reviews"), std::string::npos);
  auto path = WriteTempFile("movies.csv",
                            "title,duration_mins,original_language,size_mb\n"
                            "\"Good, Bad\",161,Italian,800\nHeat,170,English,9\n");
  RunResult load = RunSluice({"warehouse", "load", "--model", "movie", path}, url());
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_NE(load.out.find("2 records, 2 inserted, 0 updated, 0 unchanged, 0 rejected"),
            std::string::npos)
      << load.out;

  const std::string sql = "SELECT title, duration_mins FROM movies ORDER BY title";
  RunResult table = RunSluice({"warehouse", "query", "-e", sql}, url());
  EXPECT_EQ(table.out,
            " title     | duration_mins \n"
            "-----------+---------------\n"
            " Good, Bad |           161 \n"
            " Heat      |           170 \n"
            "(2 rows)\n");
  RunResult csv = RunSluice({"warehouse", "query", "-e", sql, "--format", "csv"}, url());
  EXPECT_EQ(csv.out, "title,duration_mins\n\"Good, Bad\",161\nHeat,170\n");
  RunResult json = RunSluice({"warehouse", "query", "-e", sql, "--format", "json"}, url());
  EXPECT_EQ(json.out,
            "[\n {\"title\": \"Good, Bad\", \"duration_mins\": 161},\n"
            " {\"title\": \"Heat\", \"duration_mins\": 170}\n]\n");
  auto sql_file = WriteTempFile("q.sql", "SELECT count(*) AS n FROM movies;");
  RunResult from_file = RunSluice({"warehouse", "query", "-f", sql_file, "--format", "csv"}, url());
  EXPECT_EQ(from_file.out, "n\n2\n");
}

TEST_F(WarehouseCli, ExitStatusSaysWhetherAnythingWasRejected) {
  auto path = WriteTempFile("u.csv", "first_name,last_name,email\nA,B,\nC,D,c@x\n");
  RunResult r = RunSluice({"warehouse", "load", "-m", "user", path}, url());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find(":line 2: email is missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kept in table load_rejects"), std::string::npos);
}

TEST_F(WarehouseCli, UsageErrorsAreClear) {
  auto path = WriteTempFile("u.txt", "x");
  RunResult bad_model = RunSluice({"warehouse", "load", "-m", "film", path}, url());
  EXPECT_EQ(bad_model.exit_code, 2);
  EXPECT_NE(bad_model.err.find("unknown model 'film'"), std::string::npos);
  RunResult bad_format = RunSluice({"warehouse", "load", "-m", "movie", path}, url());
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("--format csv|json"), std::string::npos);
  RunResult header = RunSluice(
      {"warehouse", "load", "-m", "movie", WriteTempFile("m.csv", "title,length\nA,1\n")}, url());
  EXPECT_EQ(header.exit_code, 1);
  EXPECT_NE(header.err.find("line 1: the header has column 2 'length' beside the columns of model "
                            "movie"),
            std::string::npos)
      << header.err;
  EXPECT_NE(header.err.find("(the file has no column 'duration_mins', 'original_language', "
                            "'size_mb')"),
            std::string::npos)
      << header.err;
  RunResult no_key = RunSluice(
      {"warehouse", "load", "-m", "movie", WriteTempFile("k.csv", "size_mb\n1\n")}, url());
  EXPECT_EQ(no_key.exit_code, 1);
  EXPECT_NE(no_key.err.find("line 1: the header has no column 'title', part of model movie's key"),
            std::string::npos)
      << no_key.err;
}

// --allow-empty-dump alone would do nothing: refused as a usage error, nothing loaded.
TEST_F(WarehouseCli, AllowEmptyDumpWithoutFullDumpIsRefused) {
  RunResult alone = RunSluice(
      {"warehouse", "load", "-m", "movie", "--allow-empty-dump",
       WriteTempFile("e.csv", "title,duration_mins,original_language,size_mb\nA,1,en,2\n")},
      url());
  EXPECT_EQ(alone.exit_code, 2) << alone.err;
  EXPECT_NE(alone.err.find("--allow-empty-dump only applies with full-dump"), std::string::npos)
      << alone.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'movies' AND schemaname = "
                   "current_schema()"),
            "0");
}

// An export made before a field was added to the model loads, the missing optional columns
// NULL, with one warning per file naming them.
TEST_F(WarehouseCli, AFileWithoutAnOptionalColumnLoadsItAsNull) {
  RunResult older = RunSluice(
      {"warehouse", "load", "-m", "movie", WriteTempFile("old.csv", "title,size_mb\nA,1\nB,2\n")},
      url());
  ASSERT_EQ(older.exit_code, 0) << older.err;
  EXPECT_NE(older.out.find("2 inserted"), std::string::npos) << older.out;
  const std::string warning =
      "line 1: the header has no column 'duration_mins', 'original_language'; they are loaded "
      "as NULL in every row";
  const size_t at = older.err.find(warning);
  EXPECT_NE(at, std::string::npos) << older.err;
  EXPECT_EQ(older.err.find(warning, at + 1), std::string::npos) << older.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title || '|' || coalesce(duration_mins::text, '-') || '|' "
                   "|| coalesce(original_language, '-'), ' ' ORDER BY title) FROM movies"),
            "A|-|- B|-|-");
}

// JSON objects cannot hold a key twice: a result naming a column twice fails before printing,
// naming the column and the fix; CSV and tables print it as it is.
TEST_F(WarehouseCli, JsonOutputRefusesAColumnNamedTwice) {
  for (const std::string sql : {"select 1, 2", "select 1 as dup, 2 as dup, 3 as other"}) {
    RunResult json = RunSluice({"warehouse", "query", "-e", sql, "--format", "json"}, url());
    EXPECT_EQ(json.exit_code, 1) << sql;
    EXPECT_EQ(json.out, "") << sql;
    const std::string name = sql == "select 1, 2" ? "?column?" : "dup";
    EXPECT_NE(json.err.find("names column \"" + name + "\" more than once"), std::string::npos)
        << json.err;
    EXPECT_NE(json.err.find("AS name"), std::string::npos) << json.err;
  }
  RunResult csv = RunSluice(
      {"warehouse", "query", "-e", "select 1 as dup, 2 as dup", "--format", "csv"}, url());
  EXPECT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out, "dup,dup\n1,2\n");
  RunResult distinct =
      RunSluice({"warehouse", "query", "-e", "select 1 as a, 2 as b", "--format", "json"}, url());
  EXPECT_EQ(distinct.out, "[\n {\"a\": 1, \"b\": 2}\n]\n");
}

// An error about the SQL says where it came from: the file, or an empty -e.
TEST_F(WarehouseCli, NoStatementErrorsNameTheirSource) {
  auto comments = WriteTempFile("comments.sql", "-- only a comment\n/* and another */\n");
  RunResult file = RunSluice({"warehouse", "query", "-f", comments}, url());
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_NE(file.err.find(comments + ": query failed: there is no SQL statement"),
            std::string::npos)
      << file.err;
  for (const std::string sql : {"", "  \n"}) {
    RunResult empty = RunSluice({"warehouse", "query", "-e", sql}, url());
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("-e is empty"), std::string::npos) << empty.err;
    EXPECT_EQ(empty.err.find("pass -f FILE or -e SQL"), std::string::npos) << empty.err;
  }
  RunResult neither = RunSluice({"warehouse", "query"}, url());
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("pass -f FILE or -e SQL"), std::string::npos) << neither.err;
}

TEST_F(WarehouseCli, PasswordsNeverReachTheOutput) {
  const std::string secret = "pw-never-printed-42";
  RunResult r = RunSluice({"warehouse", "init", "--pg",
                           "postgresql://someone:" + secret + "@127.0.0.1:1/db?connect_timeout=2"},
                          "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot connect to PostgreSQL"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("someone:****@127.0.0.1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(secret), std::string::npos);
  EXPECT_EQ(r.out.find(secret), std::string::npos);
}

// Both are refused before any connection: the URL names a port where nothing listens.
TEST(WarehouseCliNoServer, AFileNamedTwiceOrAnEmptyDumpAloneIsRefusedBeforeConnecting) {
  const std::string nowhere = "postgresql://127.0.0.1:1/none";
  const std::string csv =
      WriteTempFile("twice.csv", "title,duration_mins,original_language,size_mb\nA,1,en,2\n");
  RunResult twice = RunSluice({"warehouse", "load", "-m", "movie", "--pg", nowhere, csv,
                               std::filesystem::path(csv).parent_path().string() + "/./" +
                                   std::filesystem::path(csv).filename().string()},
                              "");
  EXPECT_EQ(twice.exit_code, 2) << twice.err;
  EXPECT_NE(twice.err.find("already names: each file is loaded once"), std::string::npos)
      << twice.err;
  EXPECT_EQ(twice.err.find("connect"), std::string::npos) << twice.err;

  RunResult alone = RunSluice(
      {"warehouse", "load", "-m", "movie", "--pg", nowhere, "--allow-empty-dump", csv}, "");
  EXPECT_EQ(alone.exit_code, 2) << alone.err;
  EXPECT_NE(alone.err.find("--allow-empty-dump only applies with full-dump"), std::string::npos)
      << alone.err;
  EXPECT_EQ(alone.err.find("connect"), std::string::npos) << alone.err;
}

}  // namespace
}  // namespace sluice
