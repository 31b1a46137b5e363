// The lake's HTTP service (SPEC §4, issue #10) over the last good snapshot:
//
//   GET  /data     users as a JSON array, streamed; filters and paging in lake_service_query.h;
//                  with `limit`, a Link field (RFC 8288, rel="next") names the next page
//   GET  /stats    {"count", "average_age", "as_of"} for the same filters, O(log n)
//   GET  /health   the last build: time, result, error; 503 until a first build succeeded
//   GET  /metrics  Prometheus text: requests, builds, objects fetched, rejects, last success
//   POST /data     rebuild now and answer what changed; concurrent POSTs share one rebuild
//   GET  /         the status page for people (lake_page.h)
//
// Reads never wait on a build: the snapshot is a std::shared_ptr<const LakeSnapshot> swapped
// under a mutex held only for the copy of the pointer, and a build runs on a thread of its own.
// A failed build leaves the snapshot as it was and is reported by /health and the page.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/http_metrics.h"
#include "http/router.h"
#include "jobs/lake/lake_build.h"
#include "jobs/lake/lake_service_query.h"
#include "jobs/lake/lake_snapshot.h"

namespace sluice::lake {

// What a build reports, as the service shows it (filled from lake_build.h's BuildResult).
struct BuildSummary {
  int64_t users = 0;
  int64_t added = 0, updated = 0, removed = 0;
  std::vector<BuildReject> rejects = {};  // key, reason, new, the user a broken CSV dropped
  int64_t objects_listed = 0;
  int64_t objects_fetched = 0;
  uint64_t bytes_fetched = 0;
  double listing_seconds = 0, fetching_seconds = 0, total_seconds = 0;
  bool cold = false;
  bool output_written = false;
  SnapshotPtr snapshot = nullptr;  // the users now; required when the build succeeded
};

// One build as the service saw it.
struct BuildRecord {
  int64_t number = 0;                       // 1 for the first build of this process
  int64_t started_ms = 0, finished_ms = 0;  // Unix ms
  std::string trigger;                      // "start", "schedule", "POST /data"
  Status status;                            // the error when it failed
  BuildSummary summary;                     // snapshot left out
};

using Builder = std::function<Result<BuildSummary>()>;

class LakeService {
 public:
  // `build` runs on the service's build thread; `metrics` (the server's registry) gains the
  // lake's families; `today` gives the UTC day ages are taken on (tests fix it).
  LakeService(
      Builder build, http::HttpMetrics* metrics,
      std::function<UtcDay()> today = [] { return TodayUtc(); });
  ~LakeService();  // waits for a build in progress
  LakeService(const LakeService&) = delete;
  LakeService& operator=(const LakeService&) = delete;

  void AddRoutes(http::Router& router);

  // Starts a build, or joins the one in progress, and calls `done` with its record on the
  // build thread when it ends.
  void RequestBuild(std::string trigger, std::function<void(const BuildRecord&)> done);
  // RequestBuild, waiting for the record.
  BuildRecord BuildNow(std::string trigger);

  // Waits until no build runs, at most `limit`; false when one still runs then. For a stop
  // that should not wait out a build stuck on a store that stopped answering.
  bool WaitUntilIdle(std::chrono::milliseconds limit) const;

  SnapshotPtr snapshot() const;
  // The most recent builds, oldest first (at most kKeptBuilds).
  std::vector<BuildRecord> recent_builds() const;
  static constexpr size_t kKeptBuilds = 10;

  // The answers, callable without a server (tests, the status page).
  http::HttpResponse Data(const http::HttpRequest& request) const;
  http::HttpResponse Stats(const http::HttpRequest& request) const;
  http::HttpResponse Health() const;
  http::HttpResponse Page() const;

 private:
  struct Metrics;
  // GET /data without parameters is the same bytes for every request on one snapshot: on a
  // small lake (kRenderedUsersAtMost users) it is rendered once per snapshot and copied out,
  // which took 100 users from 27k to 44k answers a second (bench/lake_serve.sh, 2026-12-01).
  // A large lake's listing is streamed as it is written, so it never sits whole in memory.
  static constexpr size_t kRenderedUsersAtMost = 10'000;
  static bool IsWholeListing(const LakeQuery& query);
  std::shared_ptr<const std::string> AllUsersRendered(const SnapshotPtr& snap) const;
  void RunBuilds();
  void Record(BuildRecord record, SnapshotPtr snapshot);

  Builder build_;
  http::HttpMetrics* http_metrics_;
  std::unique_ptr<Metrics> metrics_;
  std::function<UtcDay()> today_;

  mutable std::mutex snapshot_mutex_;
  SnapshotPtr snapshot_;  // null until the first build succeeds

  // AllUsersRendered's cache: the answer and the snapshot it was rendered from (not kept
  // alive by the cache).
  mutable std::mutex rendered_mutex_;
  mutable std::weak_ptr<const LakeSnapshot> rendered_for_;
  mutable std::shared_ptr<const std::string> rendered_;

  // Builds: requests wait in `waiting_` until the build thread takes them all for one build.
  mutable std::mutex build_mutex_;
  std::condition_variable build_wanted_;
  mutable std::condition_variable build_ended_;
  std::vector<std::function<void(const BuildRecord&)>> waiting_;
  std::string waiting_trigger_;
  bool stopping_ = false;
  std::deque<BuildRecord> records_;
  int64_t builds_started_ = 0;
  int64_t last_success_ms_ = 0;
  int64_t build_started_ms_ = 0;  // of the build running now; 0 when none runs
  std::thread builder_;
};

// JSON of a record (POST /data, /health): {"build", "trigger", "started_at", "finished_at",
// "ok", "error" | the summary's counts and times, "rejected": [{"key", "reason"}]}.
std::string BuildRecordJson(const BuildRecord& record);

// "2026-11-30T23:49:51.123Z".
std::string IsoTime(int64_t unix_ms);

}  // namespace sluice::lake
