// Conformance and edge cases of the report job: the reference seed data
// (../shared/fixtures/mindtickle) in PostgreSQL and MariaDB, the report read back from S3 or a
// local directory and checked row by row against SPEC section 2's rule, computed here
// independently. The tests of what the report holds run at both kinds of location.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "aws/crypto.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/s3/s3_client.h"
#include "core/names.h"
#include "core/time_parse.h"
#include "jobs/report/daily_lessons.h"
#include "support/faulty_transport.h"
#include "support/file_text.h"
#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice::report {
namespace {

using sluice::testing::FileText;
using sluice::testing::RunResult;
using sluice::testing::RunSluice;

// Where a test's report goes: S3 (--bucket) or a local directory (--output file://...).
enum class Where { kS3, kDirectory };

std::string WhereName(const ::testing::TestParamInfo<Where>& info) {
  return info.param == Where::kS3 ? "S3" : "Directory";
}

StoreLocation S3Output(const std::string& bucket) {
  return StoreLocation{.kind = StoreLocation::Kind::kS3, .bucket = bucket};
}

std::string DateText(int32_t day) {
  return FormatTimestampUtc(int64_t{day} * 86400000000).substr(0, 10);
}

class ReportTest : public sluice::testing::PgTest {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    SLUICE_REQUIRE_MYSQL();
    PgTest::SetUp();
    if (HasFailure()) return;
    auto completions = sluice::testing::CompletionsTable::Open("lesson_completion");
    ASSERT_TRUE(completions.ok()) << completions.status().message();
    completions_ = std::move(completions).value();
    mysql_ = &completions_->mysql();
    table_ = completions_->name();
    bucket_ = sluice::testing::UniqueBucketName("reports");
    auto config = ResolveAwsConfig("", "s3");
    ASSERT_TRUE(config.ok());
    s3_ = std::make_unique<S3Client>(*config, MakeCurlTransport());
  }
  void TearDown() override {
    completions_.reset();  // drops the table
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    PgTest::TearDown();
  }

  // Reports go to `where` from now on; a directory is the test's own, made here.
  void WriteTo(Where where) {
    where_ = where;
    if (where == Where::kDirectory && dir_.empty()) {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "report-test-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
    }
  }

  // The flags that send a report where the test writes: the same relative key,
  // reports/daily-lessons/<as-of>.csv, below the bucket or the directory.
  std::vector<std::string> OutputArgs() const {
    if (where_ == Where::kS3) return {"--bucket", bucket_, "--create-bucket"};
    return {"--output", "file://" + dir_ + "/reports/", "--create-bucket"};
  }
  // The URL of the report as of `as_of`, as the run prints and records it.
  std::string ReportUrl(const std::string& as_of) const {
    const std::string key = "reports/daily-lessons/" + as_of + ".csv";
    return where_ == Where::kS3 ? "s3://" + bucket_ + "/" + key : "file://" + dir_ + "/" + key;
  }
  // The report as of `as_of`, read back from where the test writes; kNotFound when there is
  // none.
  Result<std::string> ReadReport(const std::string& as_of) {
    const std::string key = "reports/daily-lessons/" + as_of + ".csv";
    if (where_ == Where::kS3) return s3_->GetObject(bucket_, key);
    const std::string path = dir_ + "/" + key;
    if (!std::filesystem::exists(path)) return NotFound(path);
    return FileText(path);
  }
  // The names in the report's directory for `where_` == kDirectory: the report and nothing
  // else (no temporary file left).
  std::vector<std::string> DirectoryNames() const {
    std::vector<std::string> names;
    const std::filesystem::path reports = std::filesystem::path(dir_) / "reports/daily-lessons";
    if (!std::filesystem::exists(reports)) return names;
    for (const auto& entry : std::filesystem::directory_iterator(reports))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  void CreateTables() {
    ASSERT_TRUE(sluice::testing::CreateUsersTable(conn()).ok());
    ASSERT_TRUE(completions_->Create().ok());
  }

  RunResult Report(const std::string& as_of, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"report", "run", "--as-of", as_of, "--completions-table",
                                     table_};
    const std::vector<std::string> output = OutputArgs();
    args.insert(args.end(), output.begin(), output.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSluice(args, run_url_.empty() ? url() : run_url_);
  }

  // SPEC section 2's rule, computed from the databases here: every active user, with the
  // number of lessons completed on each day of [as_of - 30 days, as_of), or once with 0.
  std::string Expected(int32_t as_of) {
    std::map<int64_t, std::map<int32_t, int>> counts;
    Status st = mysql_->Stream("SELECT user_id, completion_date FROM `" + table_ + "`", "read",
                               [&](const MysqlRow& row) {
                                 int32_t day;
                                 std::string error;
                                 EXPECT_TRUE(ParseDate(*row[1], &day, &error));
                                 if (day >= as_of - 30 && day < as_of) {
                                   ++counts[std::stoll(std::string(*row[0]))][day];
                                 }
                                 return Status::Ok();
                               });
    EXPECT_TRUE(st.ok());
    auto users = conn().Query(
        "SELECT user_id, user_name FROM mindtickle_users WHERE active_status = 'active' "
        "ORDER BY user_id",
        "users");
    std::string csv = "user_id,user_name,completion_date,lessons_completed\n";
    for (int r = 0; r < users->rows(); ++r) {
      int64_t id = std::stoll(std::string(users->Value(r, 0)));
      std::string name(users->Value(r, 1));
      if (name.find_first_of(",\"\n") != std::string::npos) name = "\"" + name + "\"";
      if (counts[id].empty()) csv += std::to_string(id) + "," + name + ",,0\n";
      for (auto [day, n] : counts[id]) {
        csv +=
            std::to_string(id) + "," + name + "," + DateText(day) + "," + std::to_string(n) + "\n";
      }
    }
    return csv;
  }

  // Runs the report as of `as_of`, checks the object it wrote against the rule (Expected)
  // and returns it; `run_out` gets the run's exit code and output.
  std::string ReportFollowingTheRule(const std::string& as_of, std::vector<std::string> extra = {},
                                     RunResult* run_out = nullptr) {
    RunResult run = Report(as_of, std::move(extra));
    if (run_out) *run_out = run;
    EXPECT_EQ(run.exit_code, 0) << run.err;
    auto object = ReadReport(as_of);
    EXPECT_TRUE(object.ok()) << object.status().message();
    if (!object.ok()) return "";
    int32_t day;
    std::string error;
    EXPECT_TRUE(ParseDate(as_of, &day, &error)) << error;
    EXPECT_TRUE(*object == Expected(day)) << "the report differs from the rule";
    return *object;
  }

  std::unique_ptr<sluice::testing::CompletionsTable> completions_;
  MysqlConnection* mysql_ = nullptr;  // completions_'s connection
  std::unique_ptr<S3Client> s3_;
  std::string table_;
  std::string bucket_;
  std::string run_url_;  // the report's PostgreSQL URL, when not url()
  Where where_ = Where::kS3;
  std::string dir_;  // the test's directory, once WriteTo(kDirectory) made it

  // Runs the report on the users read through a view whose COPY the server ends at user
  // `cut_at` (as a restart, a failover or pg_terminate_backend would), and checks that the run
  // read on in a new session to a report that follows the rule. Returns its standard error.
  std::string ReportWithUsersReadCutAt(int cut_at);
};

std::string ReportTest::ReportWithUsersReadCutAt(int cut_at) {
  CreateTables();
  // Users stream in id order through the index, not sorted first, so that the rows before
  // `cut_at` reach Sluice before the cut. The COPY sleeps there until the watcher ends it.
  run_url_ = url();
  run_url_.replace(run_url_.find("options=-c"), 10, "options=-cenable_sort%3Doff%20-c");
  Status made = conn().Exec(
      fmt::format("INSERT INTO mindtickle_users SELECT g, 'user ' || g, CASE WHEN g % 7 = 0 "
                  "THEN 'inactive' ELSE 'active' END FROM generate_series(1, 3000) g; "
                  "ANALYZE mindtickle_users; CREATE TABLE nap (one int); INSERT INTO nap "
                  "VALUES (1); CREATE VIEW users_cut AS SELECT * FROM mindtickle_users WHERE "
                  "pg_sleep(CASE WHEN user_id = {} AND current_query() LIKE 'COPY%' AND EXISTS "
                  "(SELECT FROM nap) THEN 60 ELSE 0 END) IS NOT NULL",
                  cut_at),
      "users");
  EXPECT_TRUE(made.ok()) << made.message();
  Status completions = completions_->Insert(
      "VALUES (1, 1, '2024-02-10'), (700, 1, "
      "'2024-02-11'), (1500, 2, '2024-02-12'), (1500, 3, '2024-02-12'), (2999, 1, "
      "'2024-02-29'), (5000, 1, '2024-02-20')");
  EXPECT_TRUE(completions.ok()) << completions.message();
  std::atomic<bool> done{false}, cut{false};
  std::thread watcher([&] {
    auto watch = PgConnection::Connect(url());
    ASSERT_TRUE(watch.ok()) << watch.status().message();
    while (!done && !cut) {
      auto napping = (*watch)->Query(
          // Only this test's run (its URL names the test): tests run side by side.
          "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE "
          "'COPY%users_cut%' AND application_name = current_setting('application_name')",
          "finding the COPY");
      if (napping.ok() && napping->rows() == 1) {
        Status ended = (*watch)->Exec(fmt::format("DELETE FROM nap; SELECT "
                                                  "pg_terminate_backend({})",
                                                  napping->Value(0, 0)),
                                      "ending its session");
        EXPECT_TRUE(ended.ok()) << ended.message();
        cut = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  RunResult run;
  ReportFollowingTheRule("2024-03-01", {"--users-table", "users_cut"}, &run);
  done = true;
  watcher.join();
  EXPECT_TRUE(cut) << "the COPY never reached user " << cut_at;
  EXPECT_EQ(Scalar("SELECT status || ' ' || unknown_user_completions FROM reports_generated"),
            "succeeded 1");
  return run.err;
}

// The tests of what a report holds, run once writing to S3 and once to a local directory.
class ReportAtEitherLocation : public ReportTest, public ::testing::WithParamInterface<Where> {
 protected:
  void SetUp() override {
    ReportTest::SetUp();
    if (HasFailure() || IsSkipped()) return;
    WriteTo(GetParam());
  }
};

INSTANTIATE_TEST_SUITE_P(Locations, ReportAtEitherLocation,
                         ::testing::Values(Where::kS3, Where::kDirectory), WhereName);

TEST_P(ReportAtEitherLocation, ReferenceSeedGivesTheSpecifiedReport) {
  if (sluice::testing::SharedDir().empty()) GTEST_SKIP() << sluice::testing::kNoSharedDirMessage;
  const std::string setup = sluice::testing::SharedDir() + "/fixtures/mindtickle/setup/";
  ASSERT_TRUE(conn().Exec(FileText(setup + "init.pg.sql"), "seed PostgreSQL").ok());
  std::string mysql_seed = FileText(setup + "init.mysql.sql");
  for (size_t p = mysql_seed.find("lesson_completion"); p != std::string::npos;
       p = mysql_seed.find("lesson_completion", p + table_.size())) {
    mysql_seed.replace(p, std::string("lesson_completion").size(), table_);
  }
  ASSERT_TRUE(mysql_->Exec(mysql_seed, "seed MySQL").ok());

  RunResult run = Report("2023-09-23");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string key = "reports/daily-lessons/2023-09-23.csv";
  std::istringstream lines(run.out);
  std::string uri, presigned;
  std::getline(lines, uri);
  std::getline(lines, presigned);
  EXPECT_EQ(uri, ReportUrl("2023-09-23"));

  auto object = ReadReport("2023-09-23");
  ASSERT_TRUE(object.ok()) << object.status().message();
  int32_t as_of;
  std::string error;
  ASSERT_TRUE(ParseDate("2023-09-23", &as_of, &error));
  EXPECT_EQ(*object, Expected(as_of));
  // The published facts: 20 rows, user 1 seven days, user 3 six, user 4 seven, each count 1.
  EXPECT_EQ(std::count(object->begin(), object->end(), '\n'), 21);
  EXPECT_EQ(object->find("\n2,"), std::string::npos);

  EXPECT_EQ(Scalar("SELECT status || ' ' || row_count || ' ' || byte_size || ' ' || window_start "
                   "|| ' ' || window_end || ' ' || location FROM reports_generated"),
            "succeeded 20 " + std::to_string(object->size()) + " 2023-08-24 2023-09-23 " +
                ReportUrl("2023-09-23"));
  // s3_bucket and s3_key as before for S3; a file has neither.
  EXPECT_EQ(Scalar("SELECT coalesce(s3_bucket || ' ' || s3_key, 'none') FROM reports_generated"),
            GetParam() == Where::kS3 ? bucket_ + " " + key : "none");
  EXPECT_EQ(Scalar("SELECT sha256 FROM reports_generated"), HexLower(Sha256(*object)));

  if (GetParam() == Where::kS3) {
    // The presigned URL downloads the same bytes, with no credentials.
    HttpRequest get;
    get.url = presigned;
    auto fetched = MakeCurlTransport()->Send(get);
    ASSERT_TRUE(fetched.ok());
    EXPECT_EQ(fetched->status, 200);
    EXPECT_EQ(fetched->body, *object);
  } else {
    // A file has nothing to presign: the link is its URL, and the run says so.
    EXPECT_EQ(presigned, uri);
    EXPECT_NE(run.err.find("a local file has nothing to presign"), std::string::npos) << run.err;
  }
  // `report list` shows where each kind of report went.
  RunResult list = RunSluice({"report", "list", "--format", "csv"}, url());
  EXPECT_NE(list.out.find("," + ReportUrl("2023-09-23") + ","), std::string::npos) << list.out;

  // A re-run overwrites the same key: still one object, now two recorded runs.
  ASSERT_EQ(Report("2023-09-23").exit_code, 0);
  if (GetParam() == Where::kS3) {
    EXPECT_EQ(s3_->ListObjects(bucket_, "reports/")->size(), 1u);
  } else {
    EXPECT_EQ(DirectoryNames(), std::vector<std::string>{"2023-09-23.csv"});
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports_generated WHERE status = 'succeeded'"), "2");
}

TEST_P(ReportAtEitherLocation, EdgesOfTheWindowUsersAndUnknownIds) {
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users VALUES (10, 'Idle, Jr.', 'active'), "
                        "(20, 'Gone', 'inactive'), (30, 'Busy', 'active')",
                        "users")
                  .ok());
  // as_of 2024-03-01: the window is [2024-01-31, 2024-03-01).
  ASSERT_TRUE(completions_
                  ->Insert("VALUES "
                           "(30, 1, '2024-01-31'), (30, 2, '2024-01-31'), (30, 3, '2024-02-29'), "
                           "(30, 4, '2024-03-01'), (30, 5, '2024-01-30'), (20, 1, '2024-02-10'), "
                           "(99, 1, '2024-02-10'), (5, 1, '2024-02-11'), (25, 1, '2024-02-12')")
                  .ok());
  // One connection here; the other tests read the window over two, split on completion_id.
  RunResult run = Report("2024-03-01", {"--read-connections", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto object = ReadReport("2024-03-01");
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(*object,
            "user_id,user_name,completion_date,lessons_completed\n"
            "10,\"Idle, Jr.\",,0\n"
            "30,Busy,2024-01-31,2\n"
            "30,Busy,2024-02-29,1\n");
  int32_t as_of;
  std::string error;
  ParseDate("2024-03-01", &as_of, &error);
  EXPECT_EQ(*object, Expected(as_of));
  // Ids 99, 5 and 25 are unknown to PostgreSQL: left out, and counted.
  EXPECT_EQ(Scalar("SELECT unknown_user_completions || ' ' || active_users FROM reports_generated"),
            "3 2");
  EXPECT_NE(run.err.find("3 of user ids unknown to PostgreSQL"), std::string::npos) << run.err;
}

TEST_F(ReportTest, UnreachableDatabaseOrBucketFailsClearlyAndIsRecorded) {
  CreateTables();
  RunResult no_mysql = Report("2024-03-01", {"--mysql", "mysql://u:secret-pw@127.0.0.1:1/x"});
  EXPECT_EQ(no_mysql.exit_code, 1);
  EXPECT_NE(no_mysql.err.find("cannot connect to MySQL at mysql://u:****@127.0.0.1:1/x"),
            std::string::npos)
      << no_mysql.err;
  EXPECT_EQ(no_mysql.err.find("secret-pw"), std::string::npos);
  EXPECT_EQ(Scalar("SELECT status FROM reports_generated"), "failed");
  EXPECT_NE(Scalar("SELECT error FROM reports_generated").find("cannot connect to MySQL"),
            std::string::npos);

  RunResult no_s3 = Report("2024-03-01", {"--s3-endpoint", "http://127.0.0.1:1"});
  EXPECT_EQ(no_s3.exit_code, 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports_generated WHERE status = 'failed' AND error "
                   "LIKE 'S3 CreateBucket s3://%: PUT http://127.0.0.1:1/%'"),
            "1")
      << no_s3.err;

  // A bad flag is refused before anything is created.
  RunResult bad_days = Report("2024-03-01", {"--days", "0"});
  EXPECT_EQ(bad_days.exit_code, 2);
  EXPECT_NE(bad_days.err.find("--days: Value 0 not in range 1 to 3660"), std::string::npos)
      << bad_days.err;

  RunResult no_bucket = RunSluice({"report", "run", "--as-of", "2024-03-01", "--bucket",
                                   "no-such-" + bucket_, "--completions-table", table_},
                                  url());
  EXPECT_EQ(no_bucket.exit_code, 1);
  EXPECT_NE(no_bucket.err.find("NoSuchBucket"), std::string::npos) << no_bucket.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports_generated WHERE status = 'failed' AND error "
                   "LIKE '%NoSuchBucket%'"),
            "1");
}

TEST_P(ReportAtEitherLocation, LargeReportsUploadInPartsAndStillMatch) {
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users SELECT g, 'user ' || g, CASE WHEN g % 5 = 0 "
                        "THEN 'inactive' ELSE 'active' END FROM generate_series(1, 60000) g",
                        "users")
                  .ok());
  ASSERT_TRUE(completions_
                  ->Insert("SELECT 1 + seq % 61000, "
                           "seq, DATE '2024-01-01' + INTERVAL ((seq DIV 61000) * 7 % 45) DAY "
                           "FROM seq_0_to_399999")
                  .ok());
  RunResult run;
  const std::string object = ReportFollowingTheRule("2024-02-10", {"--part-size-mb", "5"}, &run);
  EXPECT_GT(object.size(), size_t{5} << 20);  // more than one 5 MiB part: a multipart upload
  // A file is written whole, in one part.
  EXPECT_NE(run.err.find(GetParam() == Where::kS3 ? "in 2 part(s)" : "in 1 part(s)"),
            std::string::npos)
      << run.err;
  if (GetParam() == Where::kDirectory) {
    EXPECT_EQ(DirectoryNames(), std::vector<std::string>{"2024-02-10.csv"});
  }
}

// A run that fails while the CSV is being written (here a users view that lists an id twice,
// found after 48,000 users' rows, some 900 KB, went out) leaves no object of its own: an earlier
// report at the key stays as it was, no temporary file or upload stays behind, and the run is
// `failed`.
TEST_P(ReportAtEitherLocation, AFailureMidWriteLeavesTheEarlierObjectAndAFailedRow) {
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users SELECT g, 'user ' || g, CASE WHEN g % 5 = 0 "
                        "THEN 'inactive' ELSE 'active' END FROM generate_series(1, 60000) g; "
                        "CREATE VIEW users_twice AS SELECT * FROM mindtickle_users UNION ALL "
                        "SELECT 59999, 'again', 'active'",
                        "users")
                  .ok());
  ASSERT_TRUE(completions_->Insert("VALUES (1, 1, '2024-02-10'), (59999, 1, '2024-02-11')").ok());
  const std::string earlier = ReportFollowingTheRule("2024-03-01");
  ASSERT_GT(earlier.size(), size_t{4} << 16);  // several of the CSV's 64 KiB writes

  RunResult run = Report("2024-03-01", {"--users-table", "users_twice"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("users_twice: user_id 59999 appears on more than one row"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(*ReadReport("2024-03-01"), earlier);
  if (GetParam() == Where::kDirectory) {
    EXPECT_EQ(DirectoryNames(), std::vector<std::string>{"2024-03-01.csv"});
  }
  EXPECT_EQ(Scalar("SELECT string_agg(status || ' ' || location, ', ' ORDER BY started_at) FROM "
                   "reports_generated"),
            "succeeded " + ReportUrl("2024-03-01") + ", failed " + ReportUrl("2024-03-01"));

  // Without an earlier report, the key stays empty.
  const std::string as_of = "2024-03-02";
  RunResult first = Report(as_of, {"--users-table", "users_twice"});
  EXPECT_EQ(first.exit_code, 1) << first.err;
  EXPECT_EQ(ReadReport(as_of).status().code(), StatusCode::kNotFound);
  if (GetParam() == Where::kDirectory) {
    EXPECT_EQ(DirectoryNames(), std::vector<std::string>{"2024-03-01.csv"});
  }
}

// A directory that is not there is not made unless asked (--create-bucket, as for a bucket): a
// mistyped location fails the run, on record, instead of starting a new tree.
TEST_F(ReportTest, AMissingDirectoryFailsTheRunUnlessAskedToCreateIt) {
  CreateTables();
  WriteTo(Where::kDirectory);
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  const std::string missing = dir_ + "/not/there/";
  RunResult run = RunSluice({"report", "run", "--as-of", "2024-03-01", "--output",
                             "file://" + missing, "--completions-table", table_},
                            url());
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("the directory file://" + missing + " does not exist"), std::string::npos)
      << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/not"));
  EXPECT_EQ(Scalar("SELECT status || ' ' || location FROM reports_generated"),
            "failed file://" + missing + "daily-lessons/2024-03-01.csv");
  // With --create-bucket the directory is made, and the report written into it.
  RunResult created =
      RunSluice({"report", "run", "--as-of", "2024-03-01", "--output", "file://" + missing,
                 "--create-bucket", "--completions-table", table_},
                url());
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(FileText(missing + "daily-lessons/2024-03-01.csv"),
            "user_id,user_name,completion_date,lessons_completed\n1,Ann,,0\n");
}

TEST_P(ReportAtEitherLocation, SkewedUserIdsStillGiveTheSpecifiedReport) {
  // Three thousand dense ids and two far above them, with unknown ids in the gap: the id
  // slices come from a sample of the ids, not from equal widths of [min, max].
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users SELECT g, 'user ' || g, CASE WHEN g % 4 = 0 "
                        "THEN 'inactive' ELSE 'active' END FROM generate_series(1, 3000) g; "
                        "INSERT INTO mindtickle_users VALUES (1500000000, 'far', 'active'), "
                        "(2000000000, 'farther', 'active')",
                        "users")
                  .ok());
  ASSERT_TRUE(completions_
                  ->Insert("SELECT CASE seq % 7 WHEN 0 "
                           "THEN 1500000000 WHEN 1 THEN 2000000000 WHEN 2 THEN 1000000 + seq "
                           "ELSE 1 + seq % 3100 END, seq, DATE '2024-01-01' + INTERVAL (seq % "
                           "40) DAY FROM seq_0_to_49999")
                  .ok());
  const std::string object = ReportFollowingTheRule("2024-02-10");
  EXPECT_NE(object.find("\n2000000000,farther,2024-"), std::string::npos);
}

TEST_P(ReportAtEitherLocation, AUsersViewIsReadLikeATable) {
  // A view cannot be sampled for the id slices; the report still comes out the same.
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users SELECT g, 'user ' || g, CASE WHEN g % 3 = 0 "
                        "THEN 'inactive' ELSE 'active' END FROM generate_series(1, 2000) g; "
                        "CREATE VIEW users_view AS SELECT * FROM mindtickle_users",
                        "users")
                  .ok());
  ASSERT_TRUE(completions_
                  ->Insert("SELECT 1 + seq % 2100, seq, "
                           "DATE '2024-01-01' + INTERVAL (seq % 40) DAY FROM seq_0_to_9999")
                  .ok());
  ReportFollowingTheRule("2024-02-10", {"--users-table", "users_view"});
}

// Case mysql-unsigned-id-above-int64, reduced: BIGINT UNSIGNED ids above 2^63 - 1 (and at
// its edges) are ids PostgreSQL's users table cannot have: unknown users, counted. The key is
// BIGINT UNSIGNED too, with values above 2^63, and the window is still split across readers.
TEST_F(ReportTest, UnsignedIdsBeyondInt64AreUnknownUsers) {
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE mindtickle_users (user_id bigint PRIMARY KEY, user_name "
                        "text NOT NULL, active_status text NOT NULL); INSERT INTO "
                        "mindtickle_users VALUES (1, 'Ann', 'active'), (2, 'Bob', 'active'), "
                        "(3, 'Cy', 'active')",
                        "users")
                  .ok());
  ASSERT_TRUE(mysql_
                  ->Exec("CREATE TABLE `" + table_ +
                             "` (completion_id BIGINT UNSIGNED PRIMARY KEY, user_id BIGINT "
                             "UNSIGNED NOT NULL, lesson_id INT NOT NULL, completion_date DATE NOT "
                             "NULL); INSERT INTO `" +
                             table_ +
                             "` VALUES (1, 1, 1, '2023-09-20'), (2, 2, 1, '2023-09-21'), "
                             "(9223372036854775808, 3, 1, '2023-09-22'), "
                             "(18446744073709551615, 18446744073709551615, 1, '2023-09-22'), "
                             "(18446744073709551614, 9223372036854775808, 1, '2023-09-01'), "
                             "(18446744073709551613, 9223372036854775807, 1, '2023-09-01'), "
                             "(5, 18446744073709551615, 1, '2023-01-01')",
                         "completions")
                  .ok());
  for (const char* readers : {"1", "2", "3"}) {
    RunResult run = Report("2023-09-23", {"--read-connections", readers});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(*s3_->GetObject(bucket_, "reports/daily-lessons/2023-09-23.csv"),
              "user_id,user_name,completion_date,lessons_completed\n"
              "1,Ann,2023-09-20,1\n"
              "2,Bob,2023-09-21,1\n"
              "3,Cy,2023-09-22,1\n");
    EXPECT_NE(run.err.find("3 of user ids unknown to PostgreSQL"), std::string::npos) << run.err;
  }
  EXPECT_EQ(Scalar("SELECT string_agg(DISTINCT unknown_user_completions::text, ',') FROM "
                   "reports_generated WHERE status = 'succeeded'"),
            "3");
}

// The other side: a users table whose ids (numeric) go beyond 64 bits fails, naming them.
TEST_F(ReportTest, UsersTableIdsBeyondInt64AreNamed) {
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("DROP TABLE mindtickle_users; CREATE TABLE mindtickle_users (user_id "
                        "numeric PRIMARY KEY, user_name text, active_status text); INSERT INTO "
                        "mindtickle_users VALUES (1, 'Ann', 'active'), "
                        "(18446744073709551615, 'Big', 'active')",
                        "users")
                  .ok());
  RunResult run = Report("2024-03-01");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("mindtickle_users.user_id runs from 1 to 18446744073709551615, which "
                         "does not fit a 64-bit integer"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(Scalar("SELECT status FROM reports_generated"), "failed");
}

// A users view (no key) that lists an id twice would list the user twice and count their
// completions twice: the run fails naming the id instead, and records the failure.
TEST_F(ReportTest, AUserIdListedTwiceFailsNamingIt) {
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active'), (2, 'Bob', "
                        "'active'); CREATE VIEW users_twice AS SELECT * FROM mindtickle_users "
                        "UNION ALL SELECT 2, 'Bob again', 'active'",
                        "users")
                  .ok());
  ASSERT_TRUE(completions_->Insert("VALUES (2, 1, '2024-02-01')").ok());
  RunResult run = Report("2024-03-01", {"--users-table", "users_twice"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("users_twice: user_id 2 appears on more than one row"), std::string::npos)
      << run.err;
  EXPECT_EQ(Scalar("SELECT status FROM reports_generated"), "failed");
  EXPECT_FALSE(s3_->GetObject(bucket_, "reports/daily-lessons/2024-03-01.csv").ok());
}

// A user_id that is no integer at all (a VARCHAR column) fails the run, naming its row, found
// by its values since the window's read does not carry completion_id.
TEST_F(ReportTest, AUserIdThatIsNoIntegerNamesItsRow) {
  CreateTables();
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  ASSERT_TRUE(mysql_
                  ->Exec("ALTER TABLE `" + table_ + "` MODIFY user_id VARCHAR(40); INSERT INTO `" +
                             table_ +
                             "` (completion_id, user_id, lesson_id, completion_date) VALUES "
                             "(5, '1', 1, '2024-02-01'), (6, 'x''; DROP', 1, '2024-02-02')",
                         "completions")
                  .ok());
  for (const char* readers : {"1", "2"}) {
    RunResult run = Report("2024-03-01", {"--read-connections", readers});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_NE(run.err.find(table_ + " row completion_id=6: user_id 'x'; DROP' is not an integer"),
              std::string::npos)
        << run.err;
  }
}

TEST_F(ReportTest, NegativeAndNullUserIdsAreUnknownUsers) {
  CreateTables();
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  ASSERT_TRUE(mysql_
                  ->Exec("ALTER TABLE `" + table_ + "` MODIFY user_id BIGINT NULL; INSERT INTO `" +
                             table_ +
                             "` (user_id, lesson_id, completion_date) VALUES (1, 1, '2024-02-01'), "
                             "(-1, 1, '2024-02-01'), (NULL, 1, '2024-02-02'), "
                             "(-9223372036854775808, 1, '2024-02-03')",
                         "completions")
                  .ok());
  RunResult run = Report("2024-03-01");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(*s3_->GetObject(bucket_, "reports/daily-lessons/2024-03-01.csv"),
            "user_id,user_name,completion_date,lessons_completed\n1,Ann,2024-02-01,1\n");
  EXPECT_EQ(Scalar("SELECT unknown_user_completions FROM reports_generated"), "3");
}

// MySQL's default mode stores zero dates (0000-00-00) and zero days (2024-02-00); with
// ALLOW_INVALID_DATES it stores days a month lacks (2024-02-30). A zero date sorts before every
// window and never counts; a date inside the window that no calendar day matches fails the run
// with the row named, rather than guessing a day for it.
TEST_F(ReportTest, ZeroDatesStayOutAndImpossibleDatesInTheWindowAreNamed) {
  CreateTables();
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  ASSERT_TRUE(mysql_
                  ->Exec("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; INSERT INTO `" + table_ +
                             "` (completion_id, user_id, lesson_id, completion_date) VALUES "
                             "(1, 1, 1, '2024-02-01'), (2, 1, 1, '0000-00-00'), "
                             "(3, 1, 1, '2024-05-30')",
                         "completions")
                  .ok());
  RunResult run = Report("2024-03-01");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(*s3_->GetObject(bucket_, "reports/daily-lessons/2024-03-01.csv"),
            "user_id,user_name,completion_date,lessons_completed\n1,Ann,2024-02-01,1\n");

  for (const char* bad : {"2024-02-30", "2024-02-00"}) {
    ASSERT_TRUE(mysql_
                    ->Exec(fmt::format("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; REPLACE "
                                       "INTO `{}` (completion_id, user_id, lesson_id, "
                                       "completion_date) VALUES (77, 1, 1, '{}')",
                                       table_, bad),
                           "completions")
                    .ok());
    RunResult failed = Report("2024-03-01", {"--read-connections", "1"});
    EXPECT_EQ(failed.exit_code, 1);
    const std::string named = fmt::format(
        "{} row completion_id=77: completion_date '{}' is not a calendar day", table_, bad);
    EXPECT_NE(failed.err.find(named), std::string::npos) << failed.err;
    EXPECT_EQ(Scalar("SELECT count(*) FROM reports_generated WHERE status = 'failed' AND "
                     "strpos(error, " +
                     QuoteLiteral(named) + ") > 0"),
              "1");
  }
}

// Case report-table-name-quoting, and every other name the report sends to a service: a name
// that breaks its service's rules is refused before anything is connected to or created.
TEST_F(ReportTest, HostileNamesAreRefusedBeforeAnythingIsConnectedTo) {
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  const std::string injection = table_ + "` WHERE 1=0 UNION ALL SELECT 2, DATE '2024-02-20' -- ";
  for (const Case& c : std::vector<Case>{
           {{"--completions-table", injection}, "--completions-table: is longer than MySQL's 64"},
           {{"--completions-table", "db.t"}, "--completions-table: takes one unqualified"},
           {{"--completions-table", "t; DROP TABLE x "}, "--completions-table: ends in a space"},
           {{"--completions-table", "bad\xe9"}, "--completions-table: is not valid UTF-8"},
           {{"--completions-table", std::string(65, 'c')}, "--completions-table: is longer"},
           {{"--completions-table", ""}, "--completions-table: is empty"},
           {{"--users-table", std::string(64, 'u')}, "--users-table: is longer than PostgreSQL's"},
           {{"--users-table", "tab\there"}, "--users-table: contains a control character"},
           {{"--bucket", "Bad_Bucket"}, "--bucket: character 1 is not allowed"},
           {{"--bucket", "b/../../x"}, "--bucket: character 2 is not allowed"},
           {{"--bucket", "bu`;'cket"}, "--bucket: character 3 is not allowed"},
           {{"--bucket", "127.0.0.1"}, "--bucket: is formatted as an IP address"},
           {{"--prefix", "../"}, "--prefix: holds a '.' or '..' path segment"},
           {{"--prefix", std::string(1000, 'p')}, "--prefix: makes an object key of 1028 bytes"},
           {{"--prefix", "new\nline/"}, "--prefix: contains a control character"},
           {{"--prefix", "latin\xe9/"}, "--prefix: is not valid UTF-8"},
       }) {
    std::vector<std::string> args = {"report", "run", "--as-of", "2024-03-01", "--create-bucket"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    if (c.flags[0] != "--bucket") args.insert(args.end(), {"--bucket", bucket_});
    if (c.flags[0] != "--completions-table")
      args.insert(args.end(), {"--completions-table", table_});
    RunResult run = RunSluice(args, url());
    EXPECT_EQ(run.exit_code, 2) << c.message << ": " << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
  }
  // Nothing was connected to: no table recorded a run, no bucket was made.
  EXPECT_EQ(Scalar("SELECT to_regclass('reports_generated') IS NULL"), "t");
  EXPECT_FALSE(s3_->ListObjects(bucket_, "").ok());
}

// A name MySQL allows, backticks, quotes and semicolons included, is quoted: it can only ever
// name a table, so the injection finds no such table and the real one is untouched.
TEST_F(ReportTest, ALegalNameWithBackticksIsQuotedNotRun) {
  CreateTables();
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  ASSERT_TRUE(completions_->Insert("VALUES (1, 1, '2024-02-10')").ok());
  const std::string evil = "x` UNION SELECT 1, 1, '2024-02-20'; DROP TABLE `" + table_.substr(0, 8);
  auto report_from = [&](const std::string& table, const char* readers) {
    return RunSluice(
        {"report", "run", "--as-of", "2024-03-01", "--bucket", bucket_, "--create-bucket",
         "--completions-table", table, "--read-connections", readers},
        url());
  };
  RunResult run = report_from(evil, "1");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("doesn't exist"), std::string::npos) << run.err;
  EXPECT_EQ(Scalar("SELECT status FROM reports_generated"), "failed");
  // A table with that very name is read as any other.
  ASSERT_TRUE(mysql_
                  ->Exec("CREATE TABLE " + QuoteMysqlIdent(evil) + " LIKE `" + table_ +
                             "`; INSERT INTO " + QuoteMysqlIdent(evil) + " SELECT * FROM `" +
                             table_ + "`",
                         "copy")
                  .ok());
  RunResult quoted = report_from(evil, "2");
  (void)mysql_->Exec("DROP TABLE " + QuoteMysqlIdent(evil), "drop");
  ASSERT_EQ(quoted.exit_code, 0) << quoted.err;
  EXPECT_EQ(*s3_->GetObject(bucket_, "reports/daily-lessons/2024-03-01.csv"),
            "user_id,user_name,completion_date,lessons_completed\n1,Ann,2024-02-10,1\n");
}

// Case report-lost-complete-answer at the report's level: the run, handed an S3 client whose
// answers are lost (the fault behind the HttpTransport interface, in front of the local S3),
// records what the bucket holds. Larger objects (CompleteMultipartUpload) are tested the same
// way in s3_lost_answers_test.cc.
TEST_F(ReportTest, ALostUploadAnswerIsCheckedBeforeTheRunIsRecorded) {
  CreateTables();
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  ASSERT_TRUE(completions_->Insert("VALUES (1, 1, '2024-02-10')").ok());
  ASSERT_TRUE(s3_->CreateBucket(bucket_).ok());
  auto plan = std::make_shared<sluice::testing::FaultPlan>();
  auto config = ResolveAwsConfig("", "s3");
  ASSERT_TRUE(config.ok());
  S3Client faulty(*config,
                  std::make_unique<sluice::testing::FaultyTransport>(plan, MakeCurlTransport()),
                  S3Addressing::kPath, RetryPolicy{2, std::chrono::milliseconds(1)});
  ReportRequest request;
  std::string error;
  ASSERT_TRUE(ParseDate("2024-03-01", &request.as_of_day, &error));
  request.output = S3Output(bucket_);
  request.completions_table = table_;
  const std::string key = "reports/daily-lessons/2024-03-01.csv";

  // The object is stored, every answer lost: the run checks, finds it as sent, succeeds.
  plan->pick = [](const HttpRequest& r) {
    return sluice::testing::IsPutObject(r) ? sluice::testing::Fault::kLoseAnswer
                                           : sluice::testing::Fault::kNone;
  };
  auto done = RunDailyLessons(conn(), *mysql_, MysqlConnector(), &faulty, request);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(plan->answers_lost, 2);
  auto object = s3_->GetObject(bucket_, key);
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(*object, "user_id,user_name,completion_date,lessons_completed\n1,Ann,2024-02-10,1\n");
  EXPECT_EQ(Scalar("SELECT status || ' ' || sha256 FROM reports_generated"),
            "succeeded " + HexLower(Sha256(*object)));

  // The PUT never arrives: the run fails naming PutObject, and no object is there.
  ASSERT_TRUE(s3_->DeleteObject(bucket_, key).ok());
  ASSERT_TRUE(conn().Exec("DELETE FROM reports_generated", "clear").ok());
  plan->pick = [](const HttpRequest& r) {
    return sluice::testing::IsPutObject(r) ? sluice::testing::Fault::kLoseRequest
                                           : sluice::testing::Fault::kNone;
  };
  auto failed = RunDailyLessons(conn(), *mysql_, MysqlConnector(), &faulty, request);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(Scalar("SELECT status || ' ' || (error LIKE 'S3 PutObject s3://%') FROM "
                   "reports_generated"),
            "failed true");
  EXPECT_FALSE(s3_->HeadObject(bucket_, key)->has_value());
}

// The MySQL URL's parameters: an unknown one is bad usage before anything connects; TLS asked
// of a server without it fails the run, recorded, instead of reading in plain text.
TEST_F(ReportTest, MysqlUrlParametersAreHonouredOrRefused) {
  CreateTables();
  const std::string mysql = sluice::testing::MysqlUrl();
  RunResult unknown = Report("2024-03-01", {"--mysql", mysql + "?ssl-mode=REQUIRED&sslmode=on"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("parameter 'sslmode' is not known"), std::string::npos) << unknown.err;
  EXPECT_EQ(Scalar("SELECT to_regclass('reports_generated') IS NULL"), "t");

  auto have_ssl = [&] {
    std::string value;
    EXPECT_TRUE(mysql_
                    ->Stream("SELECT @@have_ssl", "have_ssl",
                             [&](const MysqlRow& row) {
                               value = std::string(row[0].value_or(""));
                               return Status::Ok();
                             })
                    .ok());
    return value;
  }();
  if (have_ssl == "YES") GTEST_SKIP() << "the local server offers TLS";
  RunResult required = Report("2024-03-01", {"--mysql", mysql + "?ssl-mode=REQUIRED"});
  EXPECT_EQ(required.exit_code, 1) << required.err;
  EXPECT_NE(required.err.find("ssl-mode=REQUIRED, but the server does not offer TLS"),
            std::string::npos)
      << required.err;
  EXPECT_EQ(Scalar("SELECT status FROM reports_generated"), "failed");
}

// A reader whose connection is lost before its first row reconnects and reads its part whole.
TEST_F(ReportTest, AConnectionLostBeforeTheFirstRowIsReadAgain) {
  CreateTables();
  ASSERT_TRUE(conn().Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active')", "u").ok());
  ASSERT_TRUE(completions_->Insert("VALUES (1, 1, '2024-02-10'), (1, 2, '2024-02-10')").ok());
  const std::string mysql_url = sluice::testing::MysqlUrl();
  auto victim = MysqlConnection::Connect(mysql_url);
  ASSERT_TRUE(victim.ok());
  std::string id;
  ASSERT_TRUE((*victim)
                  ->Stream("SELECT CONNECTION_ID()", "id",
                           [&](const MysqlRow& row) {
                             id = std::string(*row[0]);
                             return Status::Ok();
                           })
                  .ok());
  ASSERT_TRUE(mysql_->Exec("KILL " + id, "kill").ok());
  ReportRequest request;
  std::string error;
  ASSERT_TRUE(ParseDate("2024-03-01", &request.as_of_day, &error));
  request.output = S3Output(bucket_);
  request.completions_table = table_;
  request.read_connections = 1;
  ASSERT_TRUE(s3_->CreateBucket(bucket_).ok());
  int connects = 0;
  const MysqlConnector reconnect = [&] {
    ++connects;
    return MysqlConnection::Connect(mysql_url);
  };
  auto done = RunDailyLessons(conn(), **victim, reconnect, s3_.get(), request);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(*s3_->GetObject(bucket_, "reports/daily-lessons/2024-03-01.csv"),
            "user_id,user_name,completion_date,lessons_completed\n1,Ann,2024-02-10,2\n");
}

// The window's other readers connect through the MysqlConnector, one connection per part
// beyond the caller's; a connector that cannot connect fails the run, on record, with its error.
TEST_F(ReportTest, TheOtherReadersConnectThroughTheConnector) {
  CreateTables();
  ASSERT_TRUE(conn()
                  .Exec("INSERT INTO mindtickle_users VALUES (1, 'Ann', 'active'), "
                        "(2, 'Bob', 'active')",
                        "u")
                  .ok());
  // completion_id 1 to 6: three parts of two ids each.
  ASSERT_TRUE(completions_
                  ->Insert("VALUES (1, 1, '2024-02-10'), (2, 1, '2024-02-11'), "
                           "(2, 2, '2024-02-11'), (1, 2, '2024-02-12'), (2, 3, '2024-02-11'), "
                           "(1, 3, '2024-02-12')")
                  .ok());
  ReportRequest request;
  std::string error;
  ASSERT_TRUE(ParseDate("2024-03-01", &request.as_of_day, &error));
  request.output = S3Output(bucket_);
  request.completions_table = table_;
  request.read_connections = 3;
  ASSERT_TRUE(s3_->CreateBucket(bucket_).ok());
  std::atomic<int> connects = 0;
  const MysqlConnector connect = [&] {
    ++connects;
    return MysqlConnection::Connect(sluice::testing::MysqlUrl());
  };
  auto done = RunDailyLessons(conn(), *mysql_, connect, s3_.get(), request);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(connects, 2);
  EXPECT_EQ(*s3_->GetObject(bucket_, "reports/daily-lessons/2024-03-01.csv"),
            "user_id,user_name,completion_date,lessons_completed\n1,Ann,2024-02-10,1\n"
            "1,Ann,2024-02-12,2\n2,Bob,2024-02-11,3\n");

  ASSERT_TRUE(conn().Exec("DELETE FROM reports_generated", "clear").ok());
  const MysqlConnector refused = [] {
    return Result<std::unique_ptr<MysqlConnection>>(Unavailable("no connection to spare"));
  };
  auto failed = RunDailyLessons(conn(), *mysql_, refused, s3_.get(), request);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "no connection to spare");
  EXPECT_EQ(Scalar("SELECT status || ' ' || error FROM reports_generated"),
            "failed no connection to spare");
}

// Case logins-reconnect-after-session-loss's kind, in the report: the users' read ends with
// the session before its first row, and is read again whole in a new one.
TEST_F(ReportTest, AUsersReadEndedBeforeItsFirstRowIsReadAgainInANewSession) {
  const std::string err = ReportWithUsersReadCutAt(1);
  EXPECT_NE(err.find("reading from the start in a new session"), std::string::npos) << err;
}

// ... and midway: the new session reads on after the last user taken, neither repeating one
// nor skipping one (ReportFollowingTheRule compares the whole object with the rule).
TEST_F(ReportTest, AUsersReadEndedMidwayReadsOnAfterTheLastUserInANewSession) {
  const std::string err = ReportWithUsersReadCutAt(2000);
  EXPECT_NE(err.find("reading on after user_id "), std::string::npos) << err;
}

}  // namespace
}  // namespace sluice::report
