// The lake service under faults (issue #12): `sluice lake serve` over a bucket on the local S3,
// reached through the HTTP fault proxy. After a first good build the source changes, and
// rebuilds (POST /data) meet S3 errors (500, 503, SlowDown on every request), cut requests and
// lost answers, a failing PutObject of the output, lost answers to the manifest's PutObject, a
// stalled S3 (held silent, then cut and failing), and three in ten requests failing at random
// while the source keeps changing; then the faults stop and a rebuild recovers.
// Oracle: GET /data and /stats keep answering from the last good snapshot (byte for byte the
// answer from before a failed build) and promptly, even while a build hangs; /health says
// "degraded" with the error after a failed build and "ok" after a good one; the next rebuild
// after the faults serves the source as it is; and a watcher listing the bucket directly on the
// local S3 all along never sees an object beside the output and its manifest, nor an output
// that is not the whole output of some state the source was in.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aws/crypto.h"
#include "connectors/s3/s3_client.h"
#include "faults/fault_proxy.h"
#include "faults/scenario.h"
#include "integration/http_test_client.h"
#include "support/test_env.h"

namespace sluice::faults {
namespace {

using namespace std::chrono_literals;
using sluice::testing::ParsedResponse;
using sluice::testing::RunSluice;
using sluice::testing::TestConnection;
using sluice::testing::WaitProcess;

constexpr const char* kLakeOutputKey = "processed_data/output.csv";
constexpr const char* kLakeManifestKey = "processed_data/manifest.json";
constexpr const char* kLakePost = "POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";

struct LakeUser {
  int64_t birthts = 0;
  bool image = false;
};
// A state of the source: user id to what its CSV and image say.
using LakeModel = std::map<int64_t, LakeUser>;

std::string LakeCsv(int64_t id, int64_t birthts) {
  return fmt::format("first_name,last_name,birthts\nFirst{},Last{},{}\n", id, id, birthts);
}

// The output a whole build of `model` publishes (docs/lake.md, "output.csv").
std::string LakeOutput(const LakeModel& model) {
  std::string csv = "user_id,first_name,last_name,birthts,img_path\n";
  for (const auto& [id, user] : model) {
    csv += fmt::format("{},First{},Last{},{},{}\n", id, id, id, user.birthts,
                       user.image ? fmt::format("source_data/{}.png", id) : "");
  }
  return csv;
}

// Lists the bucket's processed_data/ and reads the output, directly on the local S3, every few
// milliseconds on a thread of its own; keeps every other key seen and every distinct output.
class LakeBucketWatcher {
 public:
  LakeBucketWatcher(const AwsConfig& config, std::string bucket)
      : s3_(config, MakeCurlTransport()), bucket_(std::move(bucket)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~LakeBucketWatcher() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::set<std::string> other_keys() {
    std::lock_guard lock(mu_);
    return other_keys_;
  }
  std::map<std::string, std::string> outputs() {
    std::lock_guard lock(mu_);
    return outputs_;
  }
  uint64_t polls() const { return polls_; }

 private:
  void Run() {
    for (bool last = false; !last;) {
      last = stop_;
      auto listed = s3_.ListObjects(bucket_, "processed_data/");
      if (listed.ok()) {
        std::lock_guard lock(mu_);
        for (const S3Object& object : *listed) {
          if (object.key != kLakeOutputKey && object.key != kLakeManifestKey) {
            other_keys_.insert(object.key);
          }
        }
      }
      auto output = s3_.GetObject(bucket_, kLakeOutputKey);
      if (output.ok()) {
        std::lock_guard lock(mu_);
        outputs_.emplace(HexLower(Sha256(*output)), *output);
        ++polls_;
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  S3Client s3_;
  const std::string bucket_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> polls_{0};
  std::mutex mu_;
  std::set<std::string> other_keys_;
  std::map<std::string, std::string> outputs_;  // by SHA-256
};

class LakeFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_AWS();
    auto config = ResolveAwsConfig("", "s3");
    ASSERT_TRUE(config.ok()) << config.status().message();
    config_ = std::make_unique<AwsConfig>(*config);
    s3_ = std::make_unique<S3Client>(*config, MakeCurlTransport());
    bucket_ = sluice::testing::UniqueName("lake-faults");
    for (char& c : bucket_)
      c = c == '_' ? '-' : c;
    const char* endpoint = std::getenv("AWS_ENDPOINT_URL_S3");
    if (!endpoint || !*endpoint) endpoint = std::getenv("AWS_ENDPOINT_URL");
    ASSERT_TRUE(endpoint && PgHostPort(endpoint, &s3_host_, &s3_port_))
        << "the S3 endpoint names no host:port";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      EXPECT_EQ(WaitProcess(pid_), 0) << "SIGTERM is a clean stop";
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // `users` users from id 1000, six in seven with an image, written to a folder and seeded
  // into the bucket by `lake seed` (straight to the local S3).
  void Seed(int users) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice_lake_faults_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    for (int64_t id = 1000; id < 1000 + users; ++id) {
      LakeUser user{.birthts = 315532800000 + (id * 104729 % 900000) * 1000000,
                    .image = id % 7 != 0};
      std::ofstream(dir_ + "/" + std::to_string(id) + ".csv") << LakeCsv(id, user.birthts);
      if (user.image) std::ofstream(dir_ + "/" + std::to_string(id) + ".png") << "png " << id;
      model_[id] = user;
    }
    const auto seeded = RunSluice(
        {"lake", "seed", dir_, "s3://" + bucket_ + "/source_data/", "--create-bucket"}, "");
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  }

  // Changes the source directly on the local S3: `updates` users get a new birth time, one
  // user and their image go, two new users come (one with an image). Returns the new state.
  const LakeModel& ChangeSource(int updates) {
    ++generation_;
    auto it = model_.begin();
    for (int i = 0; i < updates && it != model_.end(); ++i, ++it) {
      it->second.birthts += 86400000 * generation_;
      EXPECT_TRUE(s3_->PutObject(bucket_, fmt::format("source_data/{}.csv", it->first),
                                 LakeCsv(it->first, it->second.birthts), "text/csv")
                      .ok());
    }
    const auto gone = std::prev(model_.end());
    EXPECT_TRUE(s3_->DeleteObject(bucket_, fmt::format("source_data/{}.csv", gone->first)).ok());
    if (gone->second.image) {
      EXPECT_TRUE(s3_->DeleteObject(bucket_, fmt::format("source_data/{}.png", gone->first)).ok());
    }
    model_.erase(gone);
    const int64_t next = 900000 + 2 * generation_;
    for (int64_t id : {next, next + 1}) {
      LakeUser user{.birthts = 631152000000 + id * 1000, .image = id % 2 == 0};
      EXPECT_TRUE(s3_->PutObject(bucket_, fmt::format("source_data/{}.csv", id),
                                 LakeCsv(id, user.birthts), "text/csv")
                      .ok());
      if (user.image) {
        EXPECT_TRUE(
            s3_->PutObject(bucket_, fmt::format("source_data/{}.png", id), "png", "image/png")
                .ok());
      }
      model_[id] = user;
    }
    states_.push_back(model_);
    return model_;
  }

  // Starts `lake serve` with S3 behind the proxy, and waits for its first good build.
  void Serve() {
    port_ = testing::FreeLoopbackPort();
    pid_ = sluice::testing::SpawnSluice(
        {"lake", "serve", "s3://" + bucket_ + "/", "--listen", fmt::format("127.0.0.1:{}", port_),
         "--refresh", "60m", "--s3-endpoint", "http://" + proxy_->address()},
        "", &serve_output_);
    ASSERT_GT(pid_, 0);
    const auto end = std::chrono::steady_clock::now() + 60s;
    while (Get("/health").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), end) << "lake serve did not become healthy";
      std::this_thread::sleep_for(50ms);
    }
  }

  ParsedResponse Get(const std::string& target) {
    TestConnection c(port_);
    if (!c.connected()) return {};
    return c.Request(sluice::testing::GetRequest(target));
  }

  // POST /data: a rebuild, and its answer (a hung build may take minutes).
  ParsedResponse Rebuild() {
    TestConnection c(port_);
    if (!c.connected() || !c.Send(kLakePost)) return {};
    return c.ReadResponse(300s);
  }

  // Compares GET /data with `model`; counts users missing (lost) and listed twice.
  void ExpectServed(const LakeModel& model, const std::string& when) {
    const ParsedResponse r = Get("/data");
    ASSERT_EQ(r.status, 200) << when << ": " << r.body;
    simdjson::dom::parser parser;
    simdjson::dom::array users;
    ASSERT_EQ(parser.parse(r.body).get(users), simdjson::SUCCESS) << when;
    LakeModel served;
    for (simdjson::dom::element user : users) {
      const int64_t id = user["user_id"].get_int64().value();
      const std::string_view img = user["img_path"].get_string().value();
      if (!served.emplace(id, LakeUser{user["birthts"].get_int64().value(), !img.empty()}).second) {
        ++duplicated_;
      }
    }
    for (const auto& [id, user] : model) {
      if (!served.count(id)) ++lost_;
    }
    EXPECT_TRUE(served.size() == model.size() &&
                std::equal(served.begin(), served.end(), model.begin(),
                           [](auto& a, auto& b) {
                             return a.first == b.first && a.second.birthts == b.second.birthts &&
                                    a.second.image == b.second.image;
                           }))
        << when << ": /data serves " << served.size() << " users, the expected state "
        << model.size();
  }

  // After a failed rebuild: the answer was a failure, /data and /stats answer byte for byte as
  // before it, and /health says degraded, with the error.
  void ExpectFailedAndStillServing(const ParsedResponse& post, const std::string& when) {
    EXPECT_EQ(post.status, 500) << when << ": " << post.body;
    EXPECT_NE(post.body.find("\"ok\":false"), std::string::npos) << when << ": " << post.body;
    EXPECT_EQ(Get("/data").body, served_data_) << when << ": /data changed after a failed build";
    EXPECT_EQ(Get("/stats").body, served_stats_) << when << ": /stats changed";
    const ParsedResponse health = Get("/health");
    EXPECT_EQ(health.status, 200) << when << ": a service with a snapshot is up";
    EXPECT_NE(health.body.find("\"status\":\"degraded\""), std::string::npos)
        << when << ": " << health.body;
    const size_t error = health.body.find("\"ok\":false,\"error\":\"");
    EXPECT_TRUE(error != std::string::npos && health.body.find("S3 ", error) != std::string::npos)
        << when << ": /health does not name the failure: " << health.body;
    std::cout << Elapsed() << " s, " << when << ": failed as it should, /health " << health.body
              << std::endl;
    ++failed_builds_;
  }

  // After a good rebuild: /data serves `model`, /health says ok; remembers the answers.
  void ExpectRebuilt(const ParsedResponse& post, const LakeModel& model, const std::string& when) {
    EXPECT_EQ(post.status, 200) << when << ": " << post.body;
    EXPECT_NE(post.body.find("\"ok\":true"), std::string::npos) << when << ": " << post.body;
    ExpectServed(model, when);
    EXPECT_NE(Get("/health").body.find("\"status\":\"ok\""), std::string::npos) << when;
    Remember();
    std::cout << Elapsed() << " s, " << when << ": rebuilt" << std::endl;
    ++good_builds_;
  }

  std::string Elapsed() const {
    return fmt::format(
        "{:.1f}",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  }

  void Remember() {
    served_data_ = Get("/data").body;
    served_stats_ = Get("/stats").body;
  }

  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<AwsConfig> config_;
  std::unique_ptr<S3Client> s3_;  // straight to the local S3, never through the proxy
  std::unique_ptr<FaultProxy> proxy_;
  std::string bucket_;
  std::string s3_host_;
  int s3_port_ = 0;
  std::string dir_;
  std::string serve_output_;
  uint16_t port_ = 0;
  int pid_ = -1;
  int generation_ = 0;
  LakeModel model_;                // the source as it is now
  std::vector<LakeModel> states_;  // every state the source was in
  std::string served_data_;        // GET /data and /stats of the last good build
  std::string served_stats_;
  uint64_t lost_ = 0;
  uint64_t duplicated_ = 0;
  int failed_builds_ = 0;
  int good_builds_ = 0;
};

TEST_F(LakeFaults, FailedRebuildsKeepServingTheLastGoodSnapshotAndPublishNothingPartial) {
  const auto started = std::chrono::steady_clock::now();
  const int users = LongRun() ? 5000 : 300;
  Seed(users);
  if (HasFatalFailure()) return;
  std::cout << Elapsed() << " s: " << users << " users seeded" << std::endl;
  states_.push_back(model_);
  proxy_ = std::make_unique<FaultProxy>(s3_host_, s3_port_, ProxyMode::kHttp);
  LakeBucketWatcher watcher(*config_, bucket_);
  Serve();
  if (HasFatalFailure()) return;
  ExpectServed(model_, "the first build");
  Remember();
  std::cout << Elapsed() << " s: the first build serves " << model_.size() << " users" << std::endl;
  const LakeModel first = model_;
  const std::vector<HttpFault> all_kinds = {HttpFault::kInternalError, HttpFault::kUnavailable,
                                            HttpFault::kThrottled, HttpFault::kCut,
                                            HttpFault::kLostAnswer};
  const int updates = std::max(3, users / 20);
  ChangeSource(updates);
  HttpSchedule schedule;
  schedule.service = AwsService::kS3;
  schedule.every_nth = 1;

  // 1. Every S3 request answered 500, 503 or SlowDown.
  schedule.faults = {HttpFault::kInternalError, HttpFault::kUnavailable, HttpFault::kThrottled};
  proxy_->SetHttpSchedule(schedule);
  ExpectFailedAndStillServing(Rebuild(), "S3 errors");

  // 2. Every S3 request cut unanswered, or its answer lost.
  schedule.faults = {HttpFault::kCut, HttpFault::kLostAnswer};
  proxy_->SetHttpSchedule(schedule);
  ExpectFailedAndStillServing(Rebuild(), "S3 cuts and lost answers");

  // 3. The output's PutObject fails every time: nothing is published.
  schedule.faults = {HttpFault::kInternalError, HttpFault::kUnavailable, HttpFault::kThrottled,
                     HttpFault::kCut};
  schedule.only_if_contains = "PUT /" + bucket_ + "/" + kLakeOutputKey;
  proxy_->SetHttpSchedule(schedule);
  ExpectFailedAndStillServing(Rebuild(), "the output's PutObject failing");
  auto output = s3_->GetObject(bucket_, kLakeOutputKey);
  ASSERT_TRUE(output.ok()) << output.status().message();
  EXPECT_TRUE(*output == LakeOutput(first)) << "a failed publish changed the output";

  // 4. The manifest's PutObject reaches S3 but every answer is lost: the output is published,
  // the build fails, and the service goes on serving the last good build.
  schedule.faults = {HttpFault::kLostAnswer};
  schedule.only_if_contains = std::string("PUT /") + bucket_ + "/" + kLakeManifestKey;
  proxy_->SetHttpSchedule(schedule);
  ExpectFailedAndStillServing(Rebuild(), "the manifest's answers lost");
  schedule.only_if_contains.clear();

  // 5. S3 stalls (connections open, nothing moves) during a rebuild: reads are answered from
  // the snapshot, promptly, and /health shows the build hanging; then the stalled requests are
  // cut and every retry fails.
  proxy_->ClearHttpSchedule();
  proxy_->SetStalled(true);
  ParsedResponse stalled_post;
  std::thread poster([&] { stalled_post = Rebuild(); });
  const auto stall_started = std::chrono::steady_clock::now();
  while (Get("/health").body.find("\"building_since\":null") != std::string::npos &&
         std::chrono::steady_clock::now() - stall_started < 10s) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(Get("/health").body.find("\"building_since\":null"), std::string::npos)
      << "/health does not show the hanging build";
  const auto stall_for = LongRun() ? 35s : 2s;
  double slowest_read = 0;
  int reads_during_stall = 0;
  while (std::chrono::steady_clock::now() - stall_started < stall_for) {
    const auto asked = std::chrono::steady_clock::now();
    EXPECT_EQ(Get("/data").body, served_data_) << "/data changed while a build hung";
    EXPECT_EQ(Get("/stats").body, served_stats_) << "/stats changed while a build hung";
    slowest_read = std::max(
        slowest_read,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count() / 2);
    ++reads_during_stall;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_LT(slowest_read, 1.0) << "a read waited on the hanging build";
  schedule.faults = {HttpFault::kInternalError, HttpFault::kUnavailable, HttpFault::kThrottled};
  proxy_->SetHttpSchedule(schedule);
  proxy_->CutAll();
  proxy_->SetStalled(false);
  poster.join();
  ExpectFailedAndStillServing(stalled_post, "S3 stalled, then cut and failing");

  // 6. Three in ten S3 requests fail at random, each kind in turn, while the source keeps
  // changing: a build either serves the source as it was, or changes nothing served.
  const int random_builds = LongRun() ? 15 : 3;
  LakeModel served = first;
  for (int i = 0; i < random_builds; ++i) {
    const LakeModel& now = ChangeSource(std::max(1, updates / 4));
    HttpSchedule random;
    random.service = AwsService::kS3;
    random.faults = all_kinds;
    random.fraction = 0.3;
    random.seed = 4400 + static_cast<uint64_t>(i);
    proxy_->SetHttpSchedule(random);
    const ParsedResponse post = Rebuild();
    const std::string when = "random faults, build " + std::to_string(i + 1);
    if (post.status == 200) {
      ExpectRebuilt(post, now, when);
      served = now;
    } else {
      ExpectFailedAndStillServing(post, when);
      ExpectServed(served, when);
    }
  }

  // 7. The faults stop: the next rebuild serves the source as it is, and publishes it.
  proxy_->ClearHttpSchedule();
  ExpectRebuilt(Rebuild(), model_, "recovery");
  output = s3_->GetObject(bucket_, kLakeOutputKey);
  ASSERT_TRUE(output.ok()) << output.status().message();
  EXPECT_TRUE(*output == LakeOutput(model_)) << "the recovered build's output is not the source";
  std::this_thread::sleep_for(50ms);
  watcher.Stop();

  // Nothing half-written, ever: no other object under processed_data/, and every output the
  // watcher read is the whole output of a state the source was in.
  EXPECT_TRUE(watcher.other_keys().empty())
      << "an object beside the output: " << *watcher.other_keys().begin();
  std::set<std::string> whole;
  for (const LakeModel& state : states_)
    whole.insert(HexLower(Sha256(LakeOutput(state))));
  uint64_t partial = 0;
  for (const auto& [sha, text] : watcher.outputs()) {
    if (!whole.count(sha)) {
      ++partial;
      ADD_FAILURE() << "the watcher read an output that no state of the source gives ("
                    << text.size() << " bytes)";
    }
  }
  EXPECT_GE(watcher.outputs().size(), 2u) << "the watcher did not see the output change";
  // The service's peak resident memory: its VmHWM while it still runs (scenario.h says why not
  // getrusage).
  const long serve_hwm_kib = ProcStatusKib(pid_, "VmHWM");
  kill(pid_, SIGTERM);
  EXPECT_EQ(WaitProcess(pid_), 0) << "SIGTERM is a clean stop";
  pid_ = -1;

  const FaultCounts c = proxy_->counts();
  Figures f;
  f.scenario = "lake";
  f.in = static_cast<uint64_t>(users);
  f.faults = c.injected();
  f.lost = lost_;
  f.duplicated = duplicated_;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  f.peak_rss_kib = serve_hwm_kib;
  f.detail = fmt::format(
      "builds_failed={} builds_good={} source_states={} s3_requests={} s3_500={} s3_503={} "
      "s3_throttled={} s3_cut={} s3_lost_answers={} connections_cut={} stall_s={} "
      "reads_during_stall={} slowest_read_during_stall_s={:.3f} watcher_polls={} "
      "outputs_seen={} partial_outputs_seen={} other_keys_seen={}",
      failed_builds_, good_builds_ + 1, states_.size(), c.http_requests, c.http_500, c.http_503,
      c.http_throttled, c.http_cut, c.http_lost_answers, c.cut,
      std::chrono::duration_cast<std::chrono::seconds>(stall_for).count(), reads_during_stall,
      slowest_read, watcher.polls(), watcher.outputs().size(), partial,
      watcher.other_keys().size());
  Report(f);
}

}  // namespace
}  // namespace sluice::faults
