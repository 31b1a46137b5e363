// The warehouse job under faults (issue #12): a load whose PostgreSQL connection is cut in the
// middle of its COPY (by the proxy), and loads SIGKILLed in the middle (during the COPY, and
// as late as the test can catch one); each is run again. A watcher polls the table all along.
// Oracle: no partial load is ever visible (the table holds none or all of a file's rows, and
// none or all of an update's new values), and the final table equals one clean load: the same
// count and the same content hash, computed in SQL and from the generated file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "aws/crypto.h"
#include "connectors/postgres/pg_connection.h"
#include "faults/fault_proxy.h"
#include "faults/scenario.h"
#include "support/test_env.h"

namespace sluice::faults {
namespace {

using namespace std::chrono_literals;
using sluice::testing::SpawnSluice;
using sluice::testing::WaitProcess;

// Version 2 of a movie adds this to its duration, so the watcher can tell the versions apart.
constexpr int kVersion2 = 1000;

struct Generated {
  std::string path;
  std::string sha256_hex;  // of the rows as the content-hash query renders them
  uint64_t bytes = 0;
};

// `rows` movies in title order; version 2 differs from version 1 in every row's duration.
Generated GenerateMovies(int rows, int version) {
  std::string csv = "title,duration_mins,original_language,size_mb\n";
  std::string canonical;
  char title[32];
  for (int i = 0; i < rows; ++i) {
    std::snprintf(title, sizeof title, "movie-%07d", i);
    const std::string duration = std::to_string(i % 300 + (version == 2 ? kVersion2 : 0));
    const std::string language = i % 3 == 0 ? "en" : (i % 3 == 1 ? "fr" : "pt");
    const std::string size = std::to_string(i % 5000);
    csv += std::string(title) + "," + duration + "," + language + "," + size + "\n";
    canonical += std::string(title) + "|" + duration + "|" + language + "|" + size + "\n";
  }
  Generated g;
  g.path = sluice::testing::WriteTempFile("movies-v" + std::to_string(version) + ".csv", csv);
  g.bytes = csv.size();
  for (uint8_t byte : Sha256(canonical)) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", byte);
    g.sha256_hex += hex;
  }
  return g;
}

const char* kContentHash =
    "SELECT encode(sha256(convert_to(coalesce(string_agg(title || '|' || duration_mins || '|' || "
    "original_language || '|' || size_mb || E'\\n', '' ORDER BY title COLLATE \"C\"), ''), "
    "'UTF8')), 'hex') FROM movies";

// Polls the table on a connection of its own, keeping every (rows, version-2 rows) it sees.
class Watcher {
 public:
  explicit Watcher(const std::string& url) {
    auto conn = PgConnection::Connect(url);
    if (!conn.ok()) return;
    conn_ = std::move(conn).value();
    thread_ = std::thread([this] { Run(); });
  }
  ~Watcher() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool connected() const { return conn_ != nullptr; }
  std::set<std::pair<long, long>> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  uint64_t polls() const { return polls_; }

 private:
  void Run() {
    // One last look after Stop, so the final table is among what was seen.
    for (bool last = false; !last;) {
      last = stop_;
      // The table appears with the first load; it is only counted once it exists.
      auto exists = conn_->Query("SELECT to_regclass('movies') IS NOT NULL", "watching the table");
      if (!exists.ok() || exists->rows() != 1 || exists->Value(0, 0) != "t") {
        std::this_thread::sleep_for(2ms);
        continue;
      }
      auto r = conn_->Query("SELECT count(*) || ' ' || count(*) FILTER (WHERE duration_mins >= " +
                                std::to_string(kVersion2) + ") FROM movies",
                            "watching the table");
      if (r.ok() && r->rows() == 1) {
        long all = 0, v2 = 0;
        std::sscanf(std::string(r->Value(0, 0)).c_str(), "%ld %ld", &all, &v2);
        std::lock_guard lock(mu_);
        seen_.insert({all, v2});
        ++polls_;
      }
      std::this_thread::sleep_for(2ms);
    }
  }

  std::unique_ptr<PgConnection> conn_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> polls_{0};
  std::mutex mu_;
  std::set<std::pair<long, long>> seen_;
};

class WarehouseFaults : public sluice::testing::PgTest {
 protected:
  // Starts a load through the proxy and SIGKILLs it once `bytes` have gone to the server since
  // it started. Returns whether the kill landed (false: the load ended first, with `*exit`).
  bool LoadAndKillAfter(const std::string& proxied, const std::string& file, FaultProxy& proxy,
                        uint64_t bytes, int* exit) {
    const uint64_t start = proxy.counts().bytes_to_server;
    const int pid = SpawnSluice({"warehouse", "load", "--model", "movie", file}, proxied);
    if (pid <= 0) {
      ADD_FAILURE() << "could not start " << SLUICE_BINARY;
      *exit = -1;
      return false;
    }
    sampler_.Watch(pid);
    for (;;) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        *exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
      }
      if (proxy.counts().bytes_to_server - start >= bytes) break;
      std::this_thread::sleep_for(100us);
    }
    sampler_.SampleNow(pid);
    kill(pid, SIGKILL);
    *exit = WaitProcess(pid);
    return *exit == 128 + SIGKILL;
  }

  PeakRssSampler sampler_;  // every load's peak memory
};

TEST_F(WarehouseFaults, CutAndKilledLoadsCommitNothingPartial) {
  const auto started = std::chrono::steady_clock::now();
  const int rows = LongRun() ? 1000000 : 100000;
  const Generated v1 = GenerateMovies(rows, 1);
  const Generated v2 = GenerateMovies(rows, 2);
  std::string host;
  int port = 0;
  ASSERT_TRUE(PgHostPort(url(), &host, &port)) << "the test URL names no TCP host:port";
  FaultProxy proxy(host, port);
  const std::string proxied = WithAddress(url(), proxy.address());
  Watcher watcher(url());
  ASSERT_TRUE(watcher.connected());
  int kills = 0;
  const std::vector<std::string> load_v1 = {"warehouse", "load", "--model", "movie", v1.path};
  const std::vector<std::string> load_v2 = {"warehouse", "load", "--model", "movie", v2.path};

  // 1. The connection is cut halfway through the file's bytes: the load fails, and re-run,
  // loads whole.
  proxy.CutAfter(Direction::kToServer, v1.bytes / 2);
  const auto cut = RunSluiceSampled(load_v1, proxied, &sampler_);
  EXPECT_NE(cut.exit_code, 0) << "a load whose connection was cut mid-COPY reported success";
  EXPECT_EQ(proxy.counts().cut, 1u) << "the cut did not happen (the load sent too little?)";
  const uint64_t before_clean = proxy.counts().bytes_to_server;
  const auto clean = RunSluiceSampled(load_v1, proxied, &sampler_);
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  const uint64_t load_bytes = proxy.counts().bytes_to_server - before_clean;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), std::to_string(rows));
  EXPECT_EQ(Scalar(kContentHash), v1.sha256_hex);

  // 2. An update of every row, killed during its COPY (40% of a load's bytes sent), then
  // killed as late as the test catches it (all but the last 1 KiB sent), then run whole.
  int exit = 0;
  EXPECT_TRUE(LoadAndKillAfter(proxied, v2.path, proxy, load_bytes * 4 / 10, &exit))
      << "the load ended before the kill, exit " << exit;
  kills += exit == 128 + SIGKILL;
  if (LoadAndKillAfter(proxied, v2.path, proxy, load_bytes - std::min<uint64_t>(load_bytes, 1024),
                       &exit)) {
    ++kills;
  } else {
    EXPECT_EQ(exit, 0) << "a load ended on its own with a failure";
  }
  const auto rerun = RunSluiceSampled(load_v2, proxied, &sampler_);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  watcher.Stop();

  // The oracle.
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), std::to_string(rows));
  EXPECT_EQ(Scalar(kContentHash), v2.sha256_hex) << "the table differs from one clean load";
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects"), "0");
  uint64_t partial = 0;
  const std::set<std::pair<long, long>> allowed = {{0, 0}, {rows, 0}, {rows, rows}};
  for (const auto& seen : watcher.seen()) {
    EXPECT_TRUE(allowed.count(seen)) << "a partial load was visible: " << seen.first << " rows, "
                                     << seen.second << " of them updated";
    partial += allowed.count(seen) == 0;
  }
  EXPECT_TRUE(watcher.seen().count({rows, rows})) << "the watcher never saw the final table";

  const FaultCounts c = proxy.counts();
  Figures f;
  f.scenario = "warehouse";
  f.in = static_cast<uint64_t>(rows) * 2;
  f.faults = c.injected();
  f.kills = static_cast<uint64_t>(kills);
  f.lost = 0;  // checked above: the final count and hash equal a clean load's
  f.duplicated = 0;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  f.peak_rss_kib = sampler_.peak_kib();
  f.detail = "rows_per_file=" + std::to_string(rows) + " copies_cut=" + std::to_string(c.cut) +
             " load_bytes=" + std::to_string(load_bytes) +
             " watcher_polls=" + std::to_string(watcher.polls()) +
             " partial_states_seen=" + std::to_string(partial) +
             " final_hash_equal=" + (Scalar(kContentHash) == v2.sha256_hex ? "yes" : "no");
  Report(f);
  std::remove(v1.path.c_str());
  std::remove(v2.path.c_str());
}

}  // namespace
}  // namespace sluice::faults
