// The report job under faults (issue #12): `sluice report run` with its S3 endpoint behind the
// HTTP fault proxy and its MariaDB behind the TCP one. S3 fails during the multipart upload
// (every try of one UploadPart, or of CompleteMultipartUpload, answered 500, 503, SlowDown, cut
// or lost), then at random over every request; the MariaDB connection is cut once part of the
// window's rows have come. Each failed run is then run again without faults.
// Oracle, after every run, looked at directly on the local S3 and PostgreSQL (not through the
// proxy): a run that exits 0 has a `succeeded` row and its object at the key holds exactly the
// report computed here from the seeded data; one that exits 1 has a `failed` row naming the
// cause, with no secret in it, and no object anywhere under its prefix. No multipart upload is
// ever left behind.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "aws/crypto.h"
#include "connectors/s3/s3_client.h"
#include "faults/fault_proxy.h"
#include "faults/scenario.h"
#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice::faults {
namespace {

using sluice::testing::RunResult;

// The report date; the seeded completions fall on the days just before it.
constexpr const char* kReportAsOf = "2024-07-01";
// The AWS secret key the test's Sluice runs sign with (the local S3 takes any): distinctive,
// so that its absence from errors and rows means something.
constexpr const char* kReportSecret = "rf-Secret-7Qx2Lm9Vt4Kp";
// Every user_id divisible by this is inactive: left out of the report, its completions counted.
constexpr int kReportInactiveEvery = 97;

// The size of the scenario: users, days with completions per user, and the padding of each
// user's name (so that the CSV is several 5 MiB parts without millions of rows).
struct ReportSize {
  int users = 0;
  int days = 0;
  int name_padding = 0;
};

ReportSize ReportScenarioSize() {
  if (LongRun()) return {60000, 16, 40};
  return {6000, 8, 120};
}

int ReportLessons(int user, int day_back) {
  return (user + day_back) % 3 + 1;
}

std::string ReportUserName(int user, int padding) {
  return "Learner " + std::to_string(user) + " " + std::string(static_cast<size_t>(padding), 'x');
}

// The report the seeded data must give, written here from the same rule as the seed (SPEC
// section 2): active users by id, their days ascending, a count per day.
std::string ReportExpectedCsv(const ReportSize& size) {
  std::string csv = "user_id,user_name,completion_date,lessons_completed\n";
  // as_of - 1 - day_back, for day_back from size.days - 1 down to 0 (2024-07-01 minus 1..16
  // days stays in June 2024).
  for (int user = 1; user <= size.users; ++user) {
    if (user % kReportInactiveEvery == 0) continue;
    const std::string prefix =
        std::to_string(user) + "," + ReportUserName(user, size.name_padding) + ",";
    for (int back = size.days - 1; back >= 0; --back) {
      char date[32];
      std::snprintf(date, sizeof date, "2024-06-%02d", 30 - back);
      csv += prefix + date + "," + std::to_string(ReportLessons(user, back)) + "\n";
    }
  }
  return csv;
}

uint64_t ReportCompletions(const ReportSize& size) {
  uint64_t n = 0;
  for (int user = 1; user <= size.users; ++user)
    for (int back = 0; back < size.days; ++back)
      n += static_cast<uint64_t>(ReportLessons(user, back));
  return n;
}

// Lines of `got` missing from `want` (lost) and beyond it (duplicated or extra), as multisets.
void ReportLineDiff(const std::string& want, const std::string& got, uint64_t* lost,
                    uint64_t* extra) {
  std::map<std::string_view, int64_t> count;
  auto each_line = [](const std::string& text, auto&& fn) {
    size_t begin = 0;
    while (begin < text.size()) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      fn(std::string_view(text).substr(begin, end - begin));
      begin = end + 1;
    }
  };
  each_line(want, [&](std::string_view line) { ++count[line]; });
  each_line(got, [&](std::string_view line) { --count[line]; });
  for (const auto& [line, n] : count) {
    if (n > 0) *lost += static_cast<uint64_t>(n);
    if (n < 0) *extra += static_cast<uint64_t>(-n);
  }
}

class ReportFaults : public sluice::testing::PgTest {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    SLUICE_REQUIRE_MYSQL();
    PgTest::SetUp();
    if (HasFailure()) return;
    mysql_url_ = sluice::testing::MysqlUrl();
    auto completions = sluice::testing::CompletionsTable::Open("report_faults");
    ASSERT_TRUE(completions.ok()) << completions.status().message();
    completions_ = std::move(completions).value();
    // The runs sign with a secret of the test's own; the proxied MariaDB URL reaches them
    // through the environment, as a password should, not the command line.
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    saved_secret_ = secret ? secret : "";
    setenv("AWS_SECRET_ACCESS_KEY", kReportSecret, 1);
    auto config = ResolveAwsConfig("", "s3");
    ASSERT_TRUE(config.ok()) << config.status().message();
    s3_ = std::make_unique<S3Client>(*config, MakeCurlTransport());
    bucket_ = sluice::testing::UniqueBucketName("report-faults");
    ASSERT_TRUE(s3_->CreateBucket(bucket_).ok());
    const char* endpoint = std::getenv("AWS_ENDPOINT_URL_S3");
    if (!endpoint || !*endpoint) endpoint = std::getenv("AWS_ENDPOINT_URL");
    ASSERT_TRUE(endpoint && PgHostPort(endpoint, &s3_host_, &s3_port_))
        << "the S3 endpoint names no host:port";
  }
  void TearDown() override {
    if (!saved_secret_.empty()) setenv("AWS_SECRET_ACCESS_KEY", saved_secret_.c_str(), 1);
    if (!mysql_url_.empty()) setenv("SLUICE_MYSQL_URL", mysql_url_.c_str(), 1);
    completions_.reset();
    PgTest::TearDown();
  }

  // Users in PostgreSQL and their completions in MariaDB, as ReportExpectedCsv describes.
  void Seed(const ReportSize& size) {
    ASSERT_TRUE(sluice::testing::CreateUsersTable(conn()).ok());
    ASSERT_TRUE(conn()
                    .Exec("INSERT INTO mindtickle_users SELECT g, 'Learner ' || g || ' ' || "
                          "repeat('x', " +
                              std::to_string(size.name_padding) + "), CASE WHEN g % " +
                              std::to_string(kReportInactiveEvery) +
                              " = 0 THEN 'inactive' ELSE 'active' END FROM generate_series(1, " +
                              std::to_string(size.users) + ") g",
                          "users")
                    .ok());
    ASSERT_TRUE(completions_->Create().ok());
    // One completion per (user, day back, lesson); MariaDB's sequence engine makes the rows.
    const Status st = completions_->Insert(
        "SELECT u.seq, c.seq, DATE_SUB('" + std::string(kReportAsOf) +
        "', INTERVAL d.seq + 1 DAY) FROM seq_1_to_" + std::to_string(size.users) + " u, seq_0_to_" +
        std::to_string(size.days - 1) + " d, seq_1_to_3 c WHERE c.seq <= (u.seq + d.seq) % 3 + 1");
    ASSERT_TRUE(st.ok()) << st.message();
  }

  std::string Key(const std::string& prefix) const {
    return prefix + "daily-lessons/" + kReportAsOf + ".csv";
  }

  // One report run to `prefix`, through both proxies.
  RunResult Run(const std::string& prefix) {
    // A sampler of its own, for this run's peak alone.
    PeakRssSampler sampler;
    RunResult run =
        RunSluiceSampled({"report", "run", "--as-of", kReportAsOf, "--completions-table",
                          completions_->name(), "--bucket", bucket_, "--prefix", prefix,
                          "--part-size-mb", "5", "--s3-endpoint", "http://" + s3_proxy_->address()},
                         url(), &sampler);
    const long hwm_kib = sampler.peak_kib();
    peak_kib_ = std::max(peak_kib_, hwm_kib);
    std::cout << prefix << ": exit " << run.exit_code << ", peak RSS " << hwm_kib / 1024 << " MiB"
              << std::endl;
    return run;
  }

  // The last row recorded for `prefix`'s key: status and error.
  std::pair<std::string, std::string> LastRow(const std::string& prefix) {
    auto r = conn().Query(
        "SELECT status, coalesce(error, '') FROM reports_generated WHERE location = 's3://" +
            bucket_ + "/" + Key(prefix) + "' ORDER BY started_at DESC LIMIT 1",
        "the last run");
    if (!r.ok() || r->rows() != 1) return {"(none)", ""};
    return {std::string(r->Value(0, 0)), std::string(r->Value(0, 1))};
  }

  size_t UploadsLeft(const std::string& prefix) {
    auto uploads = s3_->ListMultipartUploads(bucket_, prefix);
    EXPECT_TRUE(uploads.ok()) << uploads.status().message();
    return uploads.ok() ? uploads->size() : 99;
  }

  // What a secret must never be in: the MariaDB password (as the URL's userinfo holds it) and
  // the AWS secret key.
  void ExpectNoSecret(const std::string& text, const std::string& where) {
    EXPECT_EQ(text.find(kReportSecret), std::string::npos) << where << " holds the AWS secret";
    const size_t at = mysql_url_.find('@');
    const size_t scheme = mysql_url_.find("://");
    if (at != std::string::npos && scheme != std::string::npos) {
      const std::string userinfo = mysql_url_.substr(scheme + 3, at - scheme - 3);
      if (userinfo.find(':') != std::string::npos) {
        EXPECT_EQ(text.find(userinfo + "@"), std::string::npos)
            << where << " holds the MariaDB password";
      }
    }
  }

  // The oracle of a failed run: exit 1, a `failed` row naming `cause`, no object under the
  // prefix, no upload left.
  void ExpectFailedCleanly(const RunResult& run, const std::string& prefix,
                           const std::string& cause) {
    EXPECT_EQ(run.exit_code, 1) << prefix << ": " << run.err;
    auto objects = s3_->ListObjects(bucket_, prefix);
    ASSERT_TRUE(objects.ok()) << objects.status().message();
    EXPECT_TRUE(objects->empty()) << prefix << ": a failed run left " << objects->size()
                                  << " object(s), the first " << objects->front().key;
    EXPECT_EQ(UploadsLeft(prefix), 0u) << prefix << ": a failed run left an upload";
    const auto [status, error] = LastRow(prefix);
    EXPECT_EQ(status, "failed") << prefix;
    EXPECT_NE(error.find(cause), std::string::npos)
        << prefix << ": the error does not name " << cause << ": " << error;
    ExpectNoSecret(error, prefix + "'s reports_generated.error");
    std::cout << prefix << " failed as it should: " << error << std::endl;
    ExpectNoSecret(run.err, prefix + "'s standard error");
    ++failed_runs_;
  }

  // The oracle of a run that succeeded: exit 0, a `succeeded` row, the object is the report.
  void ExpectSucceeded(const RunResult& run, const std::string& prefix) {
    EXPECT_EQ(run.exit_code, 0) << prefix << ": " << run.err;
    EXPECT_EQ(LastRow(prefix).first, "succeeded") << prefix;
    auto object = s3_->GetObject(bucket_, Key(prefix));
    ASSERT_TRUE(object.ok()) << prefix << ": " << object.status().message();
    EXPECT_TRUE(*object == expected_)
        << prefix << ": the object is not the report (" << object->size() << " bytes, "
        << expected_.size() << " expected)";
    if (*object != expected_) ReportLineDiff(expected_, *object, &lost_, &duplicated_);
    EXPECT_EQ(UploadsLeft(prefix), 0u) << prefix << ": an upload was left";
    ExpectNoSecret(run.err, prefix + "'s standard error");
    ++succeeded_runs_;
  }

  // Either oracle, as the run's exit status says.
  void ExpectOneOrTheOther(const RunResult& run, const std::string& prefix) {
    if (run.exit_code == 0) {
      ExpectSucceeded(run, prefix);
    } else {
      ExpectFailedCleanly(run, prefix, "S3 ");
    }
  }

  std::unique_ptr<sluice::testing::CompletionsTable> completions_;
  std::unique_ptr<S3Client> s3_;  // straight to the local S3, never through the proxy
  std::unique_ptr<FaultProxy> s3_proxy_;
  std::string bucket_;
  std::string mysql_url_;
  std::string saved_secret_;
  std::string s3_host_;
  int s3_port_ = 0;
  std::string expected_;
  uint64_t lost_ = 0;
  uint64_t duplicated_ = 0;
  int failed_runs_ = 0;
  int succeeded_runs_ = 0;
  long peak_kib_ = 0;  // the largest VmHWM of a run
};

TEST_F(ReportFaults, FailedUploadsAndCutReadsLeaveNoObjectAndRecordTheCause) {
  const auto started = std::chrono::steady_clock::now();
  const ReportSize size = ReportScenarioSize();
  Seed(size);
  if (HasFatalFailure()) return;
  expected_ = ReportExpectedCsv(size);
  ASSERT_GT(expected_.size(), 5u << 20) << "the report must take at least two 5 MiB parts";

  s3_proxy_ = std::make_unique<FaultProxy>(s3_host_, s3_port_, ProxyMode::kHttp);
  std::string mysql_host;
  int mysql_port = 0;
  ASSERT_TRUE(PgHostPort(mysql_url_, &mysql_host, &mysql_port)) << "the MariaDB URL's host:port";
  FaultProxy mysql_proxy(mysql_host, mysql_port);
  setenv("SLUICE_MYSQL_URL", WithAddress(mysql_url_, mysql_proxy.address()).c_str(), 1);
  int runs = 0;
  const std::vector<HttpFault> all_kinds = {HttpFault::kInternalError, HttpFault::kUnavailable,
                                            HttpFault::kThrottled, HttpFault::kCut,
                                            HttpFault::kLostAnswer};

  // 0. A clean run through both proxies: the report, and how many bytes MariaDB sends.
  const uint64_t mysql_before = mysql_proxy.counts().bytes_to_client;
  ExpectSucceeded(Run("clean/"), "clean/");
  ++runs;
  const uint64_t mysql_bytes = mysql_proxy.counts().bytes_to_client - mysql_before;

  // 1. Every try of UploadPart 2 fails, each kind in turn: the run fails and aborts the upload.
  HttpSchedule part;
  part.service = AwsService::kS3;
  part.faults = all_kinds;
  part.every_nth = 1;
  part.only_if_contains = "?partNumber=2&";
  s3_proxy_->SetHttpSchedule(part);
  ExpectFailedCleanly(Run("part/"), "part/",
                      "S3 UploadPart 2 s3://" + bucket_ + "/" + Key("part/"));
  s3_proxy_->ClearHttpSchedule();
  ExpectSucceeded(Run("part/"), "part/");
  runs += 2;

  // 2. Every try of CompleteMultipartUpload fails without reaching S3: after asking what the key
  // holds, the run aborts the upload and fails.
  HttpSchedule complete;
  complete.service = AwsService::kS3;
  complete.faults = {HttpFault::kInternalError, HttpFault::kUnavailable, HttpFault::kThrottled,
                     HttpFault::kCut};
  complete.every_nth = 1;
  complete.only_if_contains = "POST /" + bucket_ + "/" + Key("complete/") + "?uploadId=";
  s3_proxy_->SetHttpSchedule(complete);
  ExpectFailedCleanly(Run("complete/"), "complete/",
                      "S3 CompleteMultipartUpload s3://" + bucket_ + "/" + Key("complete/"));
  s3_proxy_->ClearHttpSchedule();
  ExpectSucceeded(Run("complete/"), "complete/");
  runs += 2;

  // 3. Every answer to CompleteMultipartUpload is lost after S3 completed the upload: the run
  // finds its own object at the key and succeeds.
  complete.faults = {HttpFault::kLostAnswer};
  complete.only_if_contains = "POST /" + bucket_ + "/" + Key("lost/") + "?uploadId=";
  s3_proxy_->SetHttpSchedule(complete);
  ExpectSucceeded(Run("lost/"), "lost/");
  s3_proxy_->ClearHttpSchedule();
  ++runs;

  // 4. Three in ten S3 requests fail at random, each kind in turn: whichever way each run
  // ends, its oracle holds; a failed one is run again without faults.
  const int random_runs = LongRun() ? 12 : 2;
  for (int i = 0; i < random_runs; ++i) {
    const std::string prefix = "random-" + std::to_string(i) + "/";
    HttpSchedule random;
    random.service = AwsService::kS3;
    random.faults = all_kinds;
    random.fraction = 0.3;
    random.seed = 1200 + static_cast<uint64_t>(i);
    s3_proxy_->SetHttpSchedule(random);
    const RunResult run = Run(prefix);
    s3_proxy_->ClearHttpSchedule();
    ExpectOneOrTheOther(run, prefix);
    ++runs;
    if (run.exit_code != 0) {
      ExpectSucceeded(Run(prefix), prefix);
      ++runs;
    }
  }

  // 5. The MariaDB connection is cut once a share of the window's rows have come: the run fails
  // saying after how many rows, before any upload began.
  const std::vector<double> cut_at =
      LongRun() ? std::vector<double>{0.25, 0.5, 0.75} : std::vector<double>{0.5};
  uint64_t mysql_cuts = 0;
  for (size_t i = 0; i < cut_at.size(); ++i) {
    const std::string prefix = "mysql-cut-" + std::to_string(i) + "/";
    const uint64_t cuts_before = mysql_proxy.counts().cut;
    mysql_proxy.CutAfter(Direction::kToClient, static_cast<uint64_t>(mysql_bytes * cut_at[i]));
    ExpectFailedCleanly(Run(prefix), prefix, "rows of the window");
    EXPECT_EQ(mysql_proxy.counts().cut, cuts_before + 1) << "the cut did not happen";
    mysql_cuts += mysql_proxy.counts().cut - cuts_before;
    ExpectSucceeded(Run(prefix), prefix);
    runs += 2;
  }

  const FaultCounts s3 = s3_proxy_->counts();
  Figures f;
  f.scenario = "report";
  f.in = ReportCompletions(size);
  f.faults = s3.injected() + mysql_cuts;
  f.lost = lost_;
  f.duplicated = duplicated_;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  f.peak_rss_kib = peak_kib_;
  f.detail = "runs=" + std::to_string(runs) + " succeeded=" + std::to_string(succeeded_runs_) +
             " failed=" + std::to_string(failed_runs_) + " csv_rows=" +
             std::to_string(std::count(expected_.begin(), expected_.end(), '\n') - 1) +
             " csv_bytes=" + std::to_string(expected_.size()) +
             " s3_requests=" + std::to_string(s3.http_requests) +
             " s3_500=" + std::to_string(s3.http_500) + " s3_503=" + std::to_string(s3.http_503) +
             " s3_throttled=" + std::to_string(s3.http_throttled) +
             " s3_cut=" + std::to_string(s3.http_cut) +
             " s3_lost_answers=" + std::to_string(s3.http_lost_answers) +
             " mysql_cuts=" + std::to_string(mysql_cuts) +
             " mysql_bytes_per_run=" + std::to_string(mysql_bytes);
  Report(f);
}

}  // namespace
}  // namespace sluice::faults
