// `sluice lake serve` end to end: the binary on a free port over a local-directory lake seeded
// from ../shared/fixtures/provectus/data (SPEC §4's reference data), asked over real sockets.
// Ages are computed here, independently of Sluice, for today's UTC date.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "integration/http_test_client.h"
#include "support/shared_dir.h"
#include "support/test_env.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct FixtureUser {
  int64_t id;
  int64_t birth_ms;
  bool has_image;
};

// Whole years from the UTC birth date to today's UTC date, the way a person counts them.
int AgeToday(int64_t birth_ms) {
  std::time_t birth = static_cast<std::time_t>(birth_ms / 1000 - (birth_ms % 1000 < 0 ? 1 : 0));
  std::time_t now = std::time(nullptr);
  std::tm b{}, t{};
  gmtime_r(&birth, &b);
  gmtime_r(&now, &t);
  int age = t.tm_year - b.tm_year;
  if (t.tm_mon < b.tm_mon || (t.tm_mon == b.tm_mon && t.tm_mday < b.tm_mday)) --age;
  return age;
}

// The fixture's users, read here with no Sluice code: "first_name, last_name, birthts" then
// one row.
std::vector<FixtureUser> ReadFixture(const fs::path& dir) {
  std::vector<FixtureUser> users;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    std::ifstream in(entry.path());
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    FixtureUser u;
    u.id = std::stoll(entry.path().stem().string());
    u.birth_ms = std::stoll(row.substr(row.rfind(',') + 1));
    u.has_image = fs::exists(dir / (entry.path().stem().string() + ".png"));
    users.push_back(u);
  }
  return users;
}

// Seeds a lake from the reference data and runs `lake serve` on it: `store` is "file" (a local
// directory) or "s3" (a fresh bucket on the local S3).
class LakeServeBase : public ::testing::Test {
 protected:
  void Start(const std::string& store) {
    if (SharedDir().empty()) GTEST_SKIP() << kNoSharedDirMessage;
    fixture_ = fs::path(SharedDir()) / "fixtures/provectus/data";
    if (!fs::exists(fixture_)) GTEST_SKIP() << "no fixtures/provectus/data in " << SharedDir();
    std::string lake;
    std::vector<std::string> seed = {"lake", "seed", fixture_.string()};
    if (store == "s3") {
      SLUICE_REQUIRE_AWS();
      std::string bucket = UniqueName("lake-serve");
      for (char& c : bucket)
        c = c == '_' ? '-' : c;
      lake = "s3://" + bucket + "/";
      seed.push_back(lake + "source_data/");
      seed.push_back("--create-bucket");
    } else {
      std::string dir_template = (fs::temp_directory_path() / "sluice_lake_serve_XXXXXX").string();
      ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
      dir_ = dir_template;
      lake = "file://" + dir_ + "/";
      seed.push_back(lake + "source_data/");
    }
    RunResult seeded = RunSluice(seed, "");
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
    port_ = testing::FreeLoopbackPort();
    pid_ = SpawnSluice(
        {"lake", "serve", lake, "--listen", fmt::format("127.0.0.1:{}", port_), "--refresh", "60m"},
        "");
    ASSERT_GT(pid_, 0);
    // Ready once /health says a build succeeded.
    auto end = std::chrono::steady_clock::now() + kHangGuard;
    for (;;) {
      TestConnection c(port_);
      if (c.connected() && c.Request(GetRequest("/health")).status == 200) break;
      ASSERT_LT(std::chrono::steady_clock::now(), end) << "lake serve did not become healthy";
      std::this_thread::sleep_for(50ms);
    }
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      EXPECT_EQ(WaitProcess(pid_), 0) << "SIGTERM is a clean stop";
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ParsedResponse Ask(const std::string& request) {
    TestConnection c(port_);
    return c.Request(request);
  }
  ParsedResponse Get(const std::string& target) { return Ask(GetRequest(target)); }

  // The user ids of a GET /data answer.
  std::vector<int64_t> Ids(const std::string& target) {
    ParsedResponse r = Get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    simdjson::dom::parser parser;
    simdjson::dom::array users;
    EXPECT_EQ(parser.parse(r.body).get(users), simdjson::SUCCESS) << r.body;
    std::vector<int64_t> ids;
    for (simdjson::dom::element user : users)
      ids.push_back(user["user_id"].get_int64().value());
    return ids;
  }

  fs::path fixture_;
  std::string dir_;  // the local lake's directory, when the store is "file"
  uint16_t port_ = 0;
  int pid_ = -1;
};

// Runs against both stores.
class LakeServeTest : public LakeServeBase, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override { Start(GetParam()); }
};
INSTANTIATE_TEST_SUITE_P(Stores, LakeServeTest, ::testing::Values("file", "s3"),
                         [](const auto& store) { return store.param; });

// Changes the source under the service, which is simplest in a local directory.
class LakeServeLocalTest : public LakeServeBase {
 protected:
  void SetUp() override { Start("file"); }
};

TEST_P(LakeServeTest, ServesTheReferenceDataAsSpecified) {
  std::vector<int64_t> all = Ids("/data");
  EXPECT_EQ(all.size(), 100u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), 100u);
  std::vector<int64_t> expected_without = {1005, 1010, 1017, 1024, 1033, 1099};
  for (const char* value : {"false", "FALSE", "fAlSe"}) {
    EXPECT_EQ(Ids(std::string("/data?is_image_exists=") + value), expected_without) << value;
  }
  EXPECT_EQ(Ids("/data?is_image_exists=True").size(), 94u);
  // Paging walks the same users.
  std::vector<int64_t> paged;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto part = Ids("/data?limit=30" + cursor);
    paged.insert(paged.end(), part.begin(), part.end());
    if (part.size() < 30) break;
    cursor = fmt::format("&after={}", part.back());
  }
  EXPECT_EQ(paged, all);
}

TEST_P(LakeServeTest, AgeFiltersAndStatsMatchAgesComputedHere) {
  std::vector<FixtureUser> users = ReadFixture(fixture_);
  ASSERT_EQ(users.size(), 100u);
  struct Filter {
    std::optional<bool> image;
    std::optional<int> min, max;
  };
  std::vector<Filter> filters = {{},           {true, 20, 60}, {false, {}, {}}, {{}, 30, {}},
                                 {{}, {}, 25}, {{}, 40, 40},   {true, 0, 200},  {false, 50, 120}};
  for (const Filter& f : filters) {
    std::string query;
    auto add = [&](const std::string& p) { query += (query.empty() ? "?" : "&") + p; };
    if (f.image) add(fmt::format("is_image_exists={}", *f.image));
    if (f.min) add(fmt::format("min_age={}", *f.min));
    if (f.max) add(fmt::format("max_age={}", *f.max));
    int64_t count = 0, sum = 0;
    std::vector<int64_t> ids;
    for (const FixtureUser& u : users) {
      int age = AgeToday(u.birth_ms);
      if (f.image && *f.image != u.has_image) continue;
      if (f.min && age < *f.min) continue;
      if (f.max && age > *f.max) continue;
      ++count;
      sum += age;
      ids.push_back(u.id);
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(Ids("/data" + query), ids) << query;
    ParsedResponse stats = Get("/stats" + query);
    ASSERT_EQ(stats.status, 200) << query;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(stats.body).get(doc), simdjson::SUCCESS) << stats.body;
    EXPECT_EQ(doc["count"].get_int64().value(), count) << query;
    if (count > 0) {
      EXPECT_NEAR(doc["average_age"].get_double().value(),
                  static_cast<double>(sum) / static_cast<double>(count), 1e-9)
          << query;
    } else {
      EXPECT_TRUE(doc["average_age"].is_null()) << query;
    }
  }
}

TEST_P(LakeServeTest, RefusesBadParametersNamingThemAndStaysUp) {
  struct Case {
    std::string target;
    std::string parameter;
  };
  std::vector<Case> cases = {
      {"/data?min_age=abc", "min_age"},
      {"/data?max_age=-1", "max_age"},
      {"/stats?min_age=50&max_age=20", "min_age"},
      {"/stats?is_image_exists=maybe", "is_image_exists"},
      {"/data?colour=blue", "colour"},
      {"/stats?max_age=30&max_age=40", "max_age"},
      {"/data?min_age=%E0%A4%A", "min_age"},
      {"/data?min_age=%00", "min_age"},
      {"/stats?min_age=20&pad=" + std::string(100 * 1024, 'x'), "pad"},
  };
  for (const Case& c : cases) {
    ParsedResponse r = Get(c.target);
    EXPECT_EQ(r.status, 400) << c.target.substr(0, 60);
    EXPECT_NE(r.body.find("\"parameter\":\"" + c.parameter + "\""), std::string::npos)
        << c.target.substr(0, 60) << " -> " << r.body;
  }
  EXPECT_EQ(Get("/stats?pad=" + std::string(200 * 1024, 'x')).status, 414);
  EXPECT_EQ(Ask("this is not HTTP\r\n\r\n").status, 400);
  EXPECT_EQ(Get("/nowhere").status, 404);
  ParsedResponse put = Ask("PUT /data HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers["allow"], "GET, HEAD, POST");
  EXPECT_EQ(Get("/health").status, 200);
  EXPECT_EQ(Ids("/data").size(), 100u);
}

TEST_F(LakeServeLocalTest, PostRebuildsFetchingOnlyWhatChanged) {
  fs::path source = fs::path(dir_) / "source_data";
  auto write = [&](const std::string& name, const std::string& text) {
    fs::path tmp = source / (name + ".tmp");
    std::ofstream(tmp, std::ios::binary) << text;
    fs::rename(tmp, source / name);  // a new file: a new ETag
  };
  write("1001.csv", "first_name, last_name, birthts\nRenamed, Person, 612302400000\n");
  fs::remove(source / "1002.csv");
  write("2000.csv", "first_name, last_name, birthts\nNew, Comer, 946684800000\n");
  write("2001.csv", "first_name, last_name\nBroken, File\n");
  ParsedResponse post = Ask("POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(post.status, 200) << post.body;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(post.body).get(doc), simdjson::SUCCESS) << post.body;
  EXPECT_EQ(doc["added"].get_int64().value(), 1) << post.body;
  EXPECT_EQ(doc["updated"].get_int64().value(), 1) << post.body;
  EXPECT_EQ(doc["removed"].get_int64().value(), 1) << post.body;
  EXPECT_EQ(doc["objects_fetched"].get_int64().value(), 3) << post.body;
  EXPECT_NE(post.body.find("\"key\":\"source_data/2001.csv\""), std::string::npos) << post.body;

  std::vector<int64_t> ids = Ids("/data");
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 1002), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 2000), 1);
  EXPECT_NE(Get("/data").body.find("\"first_name\":\"Renamed\""), std::string::npos);
  std::string metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("sluice_lake_objects_fetched_total 103"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sluice_lake_rejected_objects 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("route=\"/data\",status=\"200\""), std::string::npos) << metrics;
  std::string page = Get("/").body;
  EXPECT_NE(page.find("source_data/2001.csv"), std::string::npos);
}

TEST_P(LakeServeTest, ConcurrentPostsAllGetAnAnswer) {
  std::vector<std::thread> threads;
  std::vector<int> statuses(6, 0);
  for (size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = Ask("POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status;
    });
  }
  for (auto& t : threads)
    t.join();
  for (int status : statuses)
    EXPECT_EQ(status, 200);
  std::string metrics = Get("/metrics").body;
  // The start's build plus at least one for the six requests, and never more than one a
  // request. How many share a build depends on when each arrives over real sockets (a build of
  // this lake takes milliseconds, so on a loaded machine each may find the last one finished);
  // that a burst waiting together shares one build is asserted without sockets, with a build
  // the test holds open (http_lake_service_test.cc, ConcurrentRequestsShareBuilds).
  size_t at = metrics.find("sluice_lake_builds_total{result=\"ok\"} ");
  ASSERT_NE(at, std::string::npos);
  int builds = std::stoi(metrics.substr(at + 38));
  EXPECT_GE(builds, 2);
  EXPECT_LE(builds, 7);
}

TEST_P(LakeServeTest, StatusPageShowsTheLake) {
  ParsedResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<dd id=\"user-count\">100</dd>"), std::string::npos);
  EXPECT_NE(r.body.find("<svg id=\"age-histogram\""), std::string::npos);
  EXPECT_NE(r.body.find("class=\"bar\""), std::string::npos);
}

TEST_F(LakeServeLocalTest, AFailedBuildKeepsServingAndTheNextRecovers) {
  const std::string post = "POST /data HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  fs::path away = dir_ + ".away";
  fs::rename(dir_, away);  // the lake's root disappears: the build cannot list it
  ParsedResponse failed = Ask(post);
  fs::rename(away, dir_);
  EXPECT_EQ(failed.status, 500) << failed.body;
  EXPECT_NE(failed.body.find("\"ok\":false"), std::string::npos) << failed.body;
  EXPECT_NE(failed.body.find("\"error\":\""), std::string::npos) << failed.body;
  EXPECT_EQ(Ids("/data").size(), 100u) << "the last good snapshot still serves";
  ParsedResponse health = Get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"degraded\""), std::string::npos) << health.body;
  EXPECT_NE(Get("/metrics").body.find("sluice_lake_builds_total{result=\"failed\"} 1"),
            std::string::npos);
  EXPECT_NE(Get("/").body.find("class=\"failed\""), std::string::npos);

  ParsedResponse recovered = Ask(post);
  EXPECT_EQ(recovered.status, 200) << recovered.body;
  health = Get("/health");
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos) << health.body;
}

// GET `target` on 127.0.0.1:`port`, on a fresh connection.
ParsedResponse GetFrom(uint16_t port, const std::string& target) {
  TestConnection c(port);
  return c.Request(GetRequest(target));
}

// Polls until `done` holds, within the hang guard.
template <typename Done>
bool Eventually(Done done) {
  auto end = std::chrono::steady_clock::now() + kHangGuard;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// Two serving replicas (--follow) and one builder over one bucket (docs/lake.md): the replicas
// never build, and pick up each output the builder publishes.
TEST(LakeServeReplicas, FollowersServeWhatTheBuilderPublishes) {
  SLUICE_REQUIRE_AWS();
  if (SharedDir().empty()) GTEST_SKIP() << kNoSharedDirMessage;
  fs::path fixture = fs::path(SharedDir()) / "fixtures/provectus/data";
  if (!fs::exists(fixture)) GTEST_SKIP() << "no fixtures/provectus/data in " << SharedDir();
  std::string dir_template = (fs::temp_directory_path() / "sluice_lake_replicas_XXXXXX").string();
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
  fs::path source = fs::path(dir_template) / "source";
  fs::copy(fixture, source);
  std::string bucket = UniqueName("lake-replicas");
  for (char& c : bucket)
    c = c == '_' ? '-' : c;
  const std::string lake = "s3://" + bucket + "/";
  RunResult seeded =
      RunSluice({"lake", "seed", source.string(), lake + "source_data/", "--create-bucket"}, "");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;

  std::vector<uint16_t> ports;
  std::vector<int> pids;
  auto start_follower = [&] {
    ports.push_back(testing::FreeLoopbackPort());
    pids.push_back(SpawnSluice({"lake", "serve", lake, "--follow", "--refresh", "1s", "--listen",
                                fmt::format("127.0.0.1:{}", ports.back())},
                               ""));
    ASSERT_GT(pids.back(), 0);
  };
  auto count_is = [&](uint16_t port, int64_t n) {
    ParsedResponse r = GetFrom(port, "/stats");
    return r.status == 200 && r.body.find(fmt::format("\"count\":{},", n)) != std::string::npos;
  };

  // Before anything is published a replica is up, unhealthy, and says why.
  start_follower();
  ASSERT_TRUE(Eventually([&] {
    ParsedResponse r = GetFrom(ports[0], "/health");
    return r.status == 503 && r.body.find("not published yet") != std::string::npos;
  }));

  RunResult built = RunSluice({"lake", "build", lake}, "");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  start_follower();
  for (uint16_t port : ports)
    EXPECT_TRUE(Eventually([&] { return count_is(port, 100); })) << port;

  // The source changes; only the builder builds.
  {
    std::ofstream(source / "1001.csv", std::ios::trunc)
        << "first_name, last_name, birthts\nRenamed, Person, 612302400000\n";
    std::ofstream(source / "2000.csv")
        << "first_name, last_name, birthts\nNew, Comer, 946684800000\n";
  }
  seeded = RunSluice({"lake", "seed", source.string(), lake + "source_data/"}, "");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  for (uint16_t port : ports) {
    EXPECT_TRUE(Eventually([&] { return count_is(port, 100); })) << "replicas do not build";
  }
  built = RunSluice({"lake", "build", lake}, "");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  for (uint16_t port : ports) {
    EXPECT_TRUE(Eventually([&] { return count_is(port, 101); })) << port;
    EXPECT_NE(GetFrom(port, "/data?limit=5").body.find("\"first_name\":\"Renamed\""),
              std::string::npos);
  }
  for (int pid : pids) {
    kill(pid, SIGTERM);
    EXPECT_EQ(WaitProcess(pid), 0);
  }
  fs::remove_all(dir_template);
}

// A store that accepts connections and never answers: the first build hangs on it, /health says
// a build is running, and SIGTERM still ends the service within its grace period, without the
// build (which publishes nothing unfinished). The silent store is a socket of the test's own:
// no real server can be made to stop answering on demand.
TEST(LakeServeCli, AStopDoesNotWaitOutABuildStuckOnASilentStore) {
  SLUICE_REQUIRE_AWS();  // credentials to sign with; the local S3 itself is not asked
  int silent_port = 0;
  const int silent = ListenOnLoopback(&silent_port);
  ASSERT_GE(silent, 0) << "cannot listen on loopback";
  const std::string endpoint = fmt::format("http://127.0.0.1:{}", silent_port);
  const uint16_t port = testing::FreeLoopbackPort();
  const int pid = SpawnSluice({"lake", "serve", "s3://silent-lake/", "--s3-endpoint", endpoint,
                               "--listen", fmt::format("127.0.0.1:{}", port)},
                              "");
  ASSERT_GT(pid, 0);
  std::string health;
  for (int i = 0; i < 200 && health.find("\"building_since\":\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(50ms);
    TestConnection c(port);
    if (c.connected()) health = c.Request(GetRequest("/health")).body;
  }
  EXPECT_NE(health.find("\"building_since\":\""), std::string::npos) << health;
  const auto stop = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitProcess(pid), 0) << "a stop is clean even with a build unfinished";
  // The mechanism, not a speed: without the grace period the stop would wait for the store's
  // 30-second stall timeout on every retry.
  EXPECT_LT(std::chrono::steady_clock::now() - stop, 25s);
  close(silent);
}

TEST(LakeServeCli, RefusesARefreshOverAnHour) {
  for (const char* refresh : {"61m", "2h", "3601", "0", "10x", ""}) {
    RunResult r = RunSluice(
        {"lake", "serve", "file:///nonexistent/", "--refresh", refresh, "--listen", "127.0.0.1:0"},
        "");
    EXPECT_EQ(r.exit_code, 2) << refresh << ": " << r.err;
    EXPECT_NE(r.err.find("--refresh"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sluice::testing
