// The logins job's file source under kills and a real database restart (issue #12): an NDJSON
// file of login messages, every 40th one invalid, is loaded by `sluice logins run --file` into a
// PostgreSQL of the test's own (private_postgres.h). The run is SIGKILLed at five random
// moments and started again each time; it resumes after the checkpoint it committed with its
// last batch. Once, under a running load, the server is restarted for real (`pg_ctl restart -m
// fast`): the run must ride it out with its commit retries. Oracle, by SQL: every message is
// exactly one row (valid ones, by user_id) or one reject (invalid ones, by their message id,
// which names the line), none twice, none missing, the checkpoint at the last line; and a
// final re-run adds nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "faults/private_postgres.h"
#include "faults/scenario.h"
#include "support/test_env.h"

namespace sluice::faults {
namespace logins_file_faults {
namespace {

constexpr int kInvalidEvery = 40;  // message i with i % 40 == 0 must become a reject
constexpr int kKills = 5;

// Message i (from 0) is line i + 1. The invalid ones are, in turn, a bad app_version, a missing
// user_id and a line that is not JSON, so each kind of reject is made under the kills.
std::string MessageLine(int i) {
  const std::string n = std::to_string(i);
  const std::string ip = "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) +
                         "." + std::to_string(i & 255);
  if (i % kInvalidEvery != 0) {
    return "{\"user_id\": \"user-" + n + "\", \"app_version\": \"2.3.0\", \"ip\": \"" + ip +
           "\", \"device_id\": \"dev-" + n + "\", \"locale\": \"en_US\"}\n";
  }
  switch ((i / kInvalidEvery) % 3) {
    case 0:
      return "{\"user_id\": \"user-" + n + "\", \"app_version\": \"v2\", \"ip\": \"" + ip + "\"}\n";
    case 1:
      return "{\"app_version\": \"2.3.0\", \"ip\": \"" + ip + "\", \"device_id\": \"dev-" + n +
             "\"}\n";
    default:
      return "{\"user_id\": \"user-" + n + "\", not json\n";
  }
}

// A process's end: its exit code (or 128 + the signal that ended it).
struct Ending {
  int code = -1;
};

// Reaps `pid` (blocking, or not when `block` is false); false when it has not ended yet.
// Not wait4's usage for its peak memory: scenario.h says why.
bool Reap(int pid, bool block, Ending* ending) {
  int status = 0;
  if (waitpid(pid, &status, block ? 0 : WNOHANG) != pid) return false;
  ending->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

// The file's checkpoint as committed, read on a session of the test's own; 0 before the first
// run has made the table. A read that fails for any reason drops the session, so the next one
// opens a new session: a session kept after a failure it did not see as the session's end (the
// restart seen half-way) would answer nothing again, and the watch would stand still while the
// runs go on to the end of the file.
class CheckpointWatch {
 public:
  explicit CheckpointWatch(std::string url) : url_(std::move(url)) {}
  uint64_t Position() {
    if (!conn_) {
      auto conn = PgConnection::Connect(url_);
      if (!conn.ok()) {
        last_error_ = conn.status().message();
        return last_;
      }
      conn_ = std::move(conn).value();
    }
    auto r = conn_->QueryIdempotent("SELECT coalesce(max(position), 0) FROM sluice_checkpoints", {},
                                    "reading the checkpoint");
    if (r.ok()) {
      last_ = r->Count(0, 0);
    } else {
      last_error_ = r.status().message();
      conn_.reset();
    }
    return last_;
  }
  // Why the last read failed, for a failure message; empty when none has.
  const std::string& last_error() const { return last_error_; }

 private:
  std::string url_;
  std::unique_ptr<PgConnection> conn_;
  uint64_t last_ = 0;
  std::string last_error_;
};

// The lines of a file that hold `needle`.
int CountLines(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.find(needle) != std::string::npos;
  return n;
}

// Restarts `pg` (pg_ctl restart -m fast) in the middle of the run `pid`, however long pg_ctl
// takes to get going: on a loaded machine it once took over a second, in which the run read the
// rest of the file and the restart met no run at all. The run is stopped (SIGSTOP) until the
// server has ended its sessions and refuses new ones, then let go, so that it meets the outage
// as it is; it goes on at once if the restart ends before the outage is seen.
bool RestartUnderRun(PrivatePostgres& pg, int pid, std::string* error) {
  kill(pid, SIGSTOP);
  std::atomic<bool> restart_done{false};
  bool restarted = false;
  std::thread restarter([&] {
    restarted = pg.Restart(error);
    restart_done = true;
  });
  while (!restart_done && PgConnection::Connect(pg.url()).ok())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGCONT);
  restarter.join();
  return restarted;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > 1500 ? "..." + text.substr(text.size() - 1500) : text;
}

TEST(LoginsFileFaults, KilledRunsAndARealDatabaseRestartLoseAndRepeatNothing) {
  const auto started = std::chrono::steady_clock::now();
  const int messages = LongRun() ? 1000000 : 50000;

  PrivatePostgres pg;
  std::string error;
  if (!pg.Start(&error)) {
    if (sluice::testing::ServicesRequired()) FAIL() << error;
    GTEST_SKIP() << error;
  }
  const std::string base = ::testing::TempDir() + sluice::testing::UniqueName("logins-file");
  const std::string path = base + ".ndjson";
  const std::string key = base + ".key";
  int invalid = 0;
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < messages; ++i) {
      invalid += i % kInvalidEvery == 0;
      out << MessageLine(i);
    }
    ASSERT_TRUE(out.good()) << "writing " << path;
  }
  const int valid = messages - invalid;
  PeakRssSampler sampler;  // every Sluice process the test starts
  ASSERT_EQ(RunSluiceSampled({"logins", "keygen", key}, "", &sampler).exit_code, 0);

  // Small batches in the short version: 50,000 messages in batches of 1,000 are 50 commits, a
  // few tenths of a second, which a watcher starved of CPU on a busy machine can miss whole.
  const std::string batch = LongRun() ? "1000" : "100";
  const std::vector<std::string> run = {"logins",     "run", "--file",       path,
                                        "--key-file", key,   "--batch-size", batch};
  std::mt19937 rng(20261201);
  // The kills fall in five slots over 5%..70% of the file, anywhere in the middle 80% of each
  // slot, so they are at least 2.6% of the file apart. The last leaves at least 30% of the file
  // to read: a run the watcher sees late (starved of CPU on a busy machine) must not reach the
  // end of the file before its kill lands.
  std::vector<uint64_t> kill_at;
  const double slot = 0.13 * messages;
  for (int k = 0; k < kKills; ++k) {
    std::uniform_real_distribution<double> within(0.1, 0.9);
    kill_at.push_back(static_cast<uint64_t>(0.05 * messages + (k + within(rng)) * slot));
  }
  // The database restarts during the third run, once it has committed past the midpoint of the
  // second and third kills (and at least one batch of its own).
  const int restart_run = 2;
  const uint64_t restart_at = (kill_at[1] + kill_at[2]) / 2;

  CheckpointWatch watch(pg.url());
  int kills = 0, runs = 0, exits_on_their_own = 0, commit_retries = 0;
  std::vector<uint64_t> killed_at, resumed_from;
  std::string restart_run_err;
  auto spawn = [&](std::string* output_base) {
    ++runs;
    resumed_from.push_back(watch.Position());
    const int pid = sluice::testing::SpawnSluice(run, pg.url(), output_base);
    // The runs yield the CPU to the test (nice 10): a test starved on a loaded machine once saw
    // a run so late that it had read the rest of the file before its kill. Now the run is
    // starved first.
    if (pid > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(pid), 10);
    sampler.Watch(pid);
    return pid;
  };
  bool file_done = false;
  for (int k = 0; k < kKills && !file_done; ++k) {
    std::string output_base;
    int pid = spawn(&output_base);
    ASSERT_GT(pid, 0);
    const uint64_t from = resumed_from.back();
    bool restarted = k != restart_run;
    uint64_t after_restart = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
    for (;;) {
      Ending ending;
      if (Reap(pid, false, &ending)) {
        // It was to be killed still running: an exit of its own is news (a restart it did not
        // ride out?). It is started again, so the oracle still runs, and the test fails.
        ++exits_on_their_own;
        ADD_FAILURE() << "run " << runs << " exited " << ending.code
                      << " on its own before its kill (the watch last read line "
                      << watch.Position() << "; its last failed read: "
                      << (watch.last_error().empty() ? "none" : watch.last_error())
                      << "); stderr: " << Tail(output_base + ".err");
        // A run that exits 0 has read the file to its end, and with the whole file committed
        // there is nothing left to kill: on to the oracle (which finds anything missing).
        if (ending.code == 0 || watch.Position() >= static_cast<uint64_t>(messages)) {
          file_done = true;
          break;
        }
        pid = spawn(&output_base);
        ASSERT_GT(pid, 0);
        continue;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "run " << runs << " made no progress to " << kill_at[k] << " in 300 s";
      const uint64_t position = watch.Position();
      if (!restarted && position >= std::max(restart_at, from + 1)) {
        std::cout << "the database restarts at line " << position << std::endl;
        ASSERT_TRUE(RestartUnderRun(pg, pid, &error)) << error;
        restarted = true;
        restart_run_err = output_base + ".err";
        after_restart = watch.Position();
        std::cout << "  it accepts connections again after " << pg.last_outage_seconds() << " s"
                  << std::endl;
        continue;
      }
      // After the restart, the run is killed only once it has committed again.
      if (restarted && position >= std::max(kill_at[k], after_restart + 1)) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (file_done) break;
    // A random moment within the next few batches: transforming, copying or committing.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 8000));
    sampler.SampleNow(pid);
    kill(pid, SIGKILL);
    Ending ending;
    ASSERT_TRUE(Reap(pid, true, &ending));
    if (ending.code == 128 + SIGKILL) {
      ++kills;
      killed_at.push_back(watch.Position());
      // A run the watcher saw late may have gone past the next kill points: they move on, so
      // each later run is still killed after committing batches of its own.
      for (int j = k + 1; j < kKills; ++j)
        kill_at[j] = std::max(kill_at[j], killed_at.back() + messages / 100);
    } else {
      ADD_FAILURE() << "run " << runs << " ended " << ending.code << " before its kill landed";
    }
  }
  // The last run goes to the end of the file.
  {
    std::string output_base;
    const int pid = spawn(&output_base);
    ASSERT_GT(pid, 0);
    Ending ending;
    ASSERT_TRUE(Reap(pid, true, &ending));
    EXPECT_EQ(ending.code, 0) << Tail(output_base + ".err");
  }
  if (!restart_run_err.empty())
    commit_retries = CountLines(restart_run_err, "writing a batch failed (attempt");
  EXPECT_EQ(pg.restarts(), 1);
  EXPECT_EQ(kills, kKills);
  EXPECT_EQ(exits_on_their_own, 0);

  // The oracle, on a session of its own.
  auto conn = PgConnection::Connect(pg.url());
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  auto scalar = [&](const std::string& sql,
                    const std::vector<std::optional<std::string>>& params = {}) -> int64_t {
    auto r = (*conn)->Query(sql, params, "the oracle");
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
    return r.ok() && r->rows() > 0 && !r->IsNull(0, 0) ? std::stoll(std::string(r->Value(0, 0)))
                                                       : -1;
  };
  const std::string n = std::to_string(messages);
  const std::string every = std::to_string(kInvalidEvery);
  // Rows that were sent as valid messages; rejects named by the line of an invalid one.
  const std::string valid_row = "user_id ~ '^user-[0-9]+$' AND substr(user_id, 6)::bigint < " + n +
                                " AND substr(user_id, 6)::bigint % " + every + " <> 0";
  const std::string line = "substr(message_id, length($1) + 1)";
  const std::string invalid_reject = "starts_with(message_id, $1) AND " + line +
                                     " ~ '^[0-9]+$' AND " + line + "::bigint BETWEEN 1 AND " + n +
                                     " AND (" + line + "::bigint - 1) % " + every + " = 0";
  const std::string prefix = "file:" + path + ":";
  auto tally = [&] {
    return std::vector<int64_t>{
        scalar("SELECT count(*) FROM user_logins"),
        scalar("SELECT count(DISTINCT user_id) FROM user_logins WHERE " + valid_row),
        scalar("SELECT count(*) FROM user_logins_rejects"),
        scalar("SELECT count(DISTINCT message_id) FROM user_logins_rejects WHERE " + invalid_reject,
               {prefix})};
  };
  const std::vector<int64_t> counts = tally();
  const int64_t rows = counts[0], distinct_rows = counts[1];
  const int64_t rejects = counts[2], distinct_rejects = counts[3];
  EXPECT_EQ(distinct_rows, valid) << "valid messages missing from user_logins";
  EXPECT_EQ(rows, distinct_rows) << "a row stored twice, or one never sent as a valid message";
  EXPECT_EQ(distinct_rejects, invalid) << "invalid messages missing from the rejects";
  EXPECT_EQ(rejects, distinct_rejects) << "a reject stored twice, or one of a valid message";
  EXPECT_EQ(scalar("SELECT count(*) FROM user_logins WHERE app_version <> 2003000 OR "
                   "masked_ip IS NULL OR masked_device_id IS NULL OR locale <> 'en_US'"),
            0)
      << "a row not as its message says";
  EXPECT_EQ(scalar("SELECT max(position) FROM sluice_checkpoints"), messages);
  // Each kind of invalid message is rejected for its own reason.
  EXPECT_GT(scalar("SELECT count(*) FROM user_logins_rejects WHERE reason LIKE 'app_version%'"), 0);

  // A re-run finds the checkpoint at the end and adds nothing.
  {
    std::string output_base;
    const int pid = spawn(&output_base);
    ASSERT_GT(pid, 0);
    Ending ending;
    ASSERT_TRUE(Reap(pid, true, &ending));
    EXPECT_EQ(ending.code, 0) << Tail(output_base + ".err");
    std::ifstream out(output_base + ".out");
    std::string summary;
    std::getline(out, summary);
    EXPECT_EQ(summary.rfind("0 messages", 0), 0u) << summary;
  }
  EXPECT_EQ(tally(), counts) << "the re-run added or removed something";

  std::remove(path.c_str());
  std::remove(key.c_str());
  Figures f;
  f.scenario = "logins-file";
  f.in = static_cast<uint64_t>(messages);
  f.faults = static_cast<uint64_t>(pg.restarts());
  f.kills = static_cast<uint64_t>(kills);
  f.lost = static_cast<uint64_t>(std::max<int64_t>(0, valid - distinct_rows) +
                                 std::max<int64_t>(0, invalid - distinct_rejects));
  f.duplicated = static_cast<uint64_t>(std::max<int64_t>(0, rows - distinct_rows) +
                                       std::max<int64_t>(0, rejects - distinct_rejects));
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  f.peak_rss_kib = sampler.peak_kib();
  auto list = [](const std::vector<uint64_t>& v) {
    std::string s;
    for (uint64_t x : v)
      s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
  };
  char outage[32];
  std::snprintf(outage, sizeof outage, "%.2f", pg.last_outage_seconds());
  f.detail = "invalid=" + std::to_string(invalid) + " runs=" + std::to_string(runs) +
             " killed_at_checkpoint=" + list(killed_at) +
             " pg_restarts=" + std::to_string(pg.restarts()) + " pg_outage_s=" + outage +
             " commit_retries=" + std::to_string(commit_retries) +
             " exits_on_their_own=" + std::to_string(exits_on_their_own);
  Report(f);
}

}  // namespace
}  // namespace logins_file_faults
}  // namespace sluice::faults
