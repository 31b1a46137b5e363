#include "jobs/lake/lake_serve.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <span>

#include "core/log.h"
#include "http/http_metrics.h"
#include "http/http_server.h"
#include "http/router.h"
#include "jobs/lake/lake_output.h"
#include "jobs/lake/lake_service.h"
#include "pipeline/message_source.h"
#include "pipeline/shutdown.h"

namespace sluice::lake {
namespace {

constexpr std::chrono::seconds kMaxRefresh{3600};
// How long a stop waits for a build in progress to end.
constexpr std::chrono::seconds kBuildGrace{10};

// SIGTERM and SIGINT reach a command through a MessageSource (pipeline/shutdown.h); the service
// has none, so this one only carries the stop to the waiting thread.
class StopSignal : public MessageSource {
 public:
  std::vector<InboundMessage> NextBatch(size_t, std::chrono::milliseconds) override { return {}; }
  bool Finished() const override { return true; }
  void Acknowledge(std::vector<InboundMessage>) override {}
  Status Close() override { return Status::Ok(); }
  void Stop() override {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  // Waits up to `timeout`; true once stopped.
  bool WaitFor(std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return stopped_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopped_ = false;
};

BuildSummary SummaryOf(BuildResult result) {
  BuildSummary s;
  s.users = result.users;
  s.added = result.added;
  s.updated = result.updated;
  s.removed = result.removed;
  s.rejects = std::move(result.rejected);
  s.objects_listed = result.objects_listed;
  s.objects_fetched = result.objects_fetched;
  s.bytes_fetched = result.bytes_fetched;
  s.listing_seconds = result.listing_seconds;
  s.fetching_seconds = result.fetching_seconds;
  s.total_seconds = result.total_seconds;
  s.cold = result.cold;
  s.output_written = result.output_written;
  s.snapshot = std::move(result.snapshot);
  return s;
}

// What changed between two snapshots, by user id (both are ordered by it).
void CountChanges(const LakeSnapshot* before, const LakeSnapshot& after, BuildSummary* out) {
  const size_t old_size = before != nullptr ? before->size() : 0;
  const size_t new_size = after.size();
  size_t i = 0, j = 0;
  while (i < old_size || j < new_size) {
    if (j == new_size || (i < old_size && before->user(i).user_id < after.user(j).user_id)) {
      ++out->removed, ++i;
    } else if (i == old_size || after.user(j).user_id < before->user(i).user_id) {
      ++out->added, ++j;
    } else {
      out->updated += !(before->user(i) == after.user(j));
      ++i, ++j;
    }
  }
}

// A replica's "build": reads the published output again when its ETag is not the one served.
// The ETag is read before the bytes, so a publish in between leaves the snapshot tagged with
// the older ETag, and the next check reads the output once more; never the reverse.
class OutputFollower {
 public:
  OutputFollower(ObjectStore* store, std::string key) : store_(store), key_(std::move(key)) {}

  Result<BuildSummary> operator()() {
    const auto start = std::chrono::steady_clock::now();
    BuildSummary s;
    ASSIGN_OR_RETURN(std::optional<ObjectEntry> entry, store_->Stat(key_));
    s.objects_listed = 1;
    if (!entry) {
      return NotFound(fmt::format(
          "{}: not published yet: --follow serves what `lake build` (or a lake serve without "
          "--follow) publishes",
          store_->Url(key_)));
    }
    if (last_ == nullptr || last_->info().output_etag != entry->etag) {
      ASSIGN_OR_RETURN(std::string bytes, store_->Get(key_));
      s.objects_fetched = 1;
      s.bytes_fetched = bytes.size();
      auto users = ParseOutputCsv(bytes);
      if (!users.ok()) return users.status().WithContext(store_->Url(key_));
      SnapshotPtr next = LakeSnapshot::Make(
          std::move(*users),
          {.built_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count(),
           .output_etag = entry->etag});
      CountChanges(last_.get(), *next, &s);
      s.output_written = false;
      last_ = std::move(next);
    }
    s.snapshot = last_;
    s.users = static_cast<int64_t>(last_->size());
    s.total_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
  }

 private:
  ObjectStore* store_;
  std::string key_;
  SnapshotPtr last_;
};

// A thousand idle clients need a thousand descriptors; the soft limit is often 1,024 while the
// hard one allows more, which an unprivileged process may take.
void RaiseOpenFileLimit(size_t wanted) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return;
  rlim_t target = std::min<rlim_t>(files.rlim_max, static_cast<rlim_t>(wanted) + 64);
  if (files.rlim_cur < target) {
    files.rlim_cur = target;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

}  // namespace

ComponentSpec LakeServeComponent() {
  ComponentSpec c{.name = "lake-serve", .kind = ComponentKind::kJob};
  c.summary = "Serves a lake over HTTP: /data, /stats, /health, /metrics, a status page";
  c.description =
      "Builds the lake at start, then every --refresh and on POST /data (concurrent POSTs "
      "share one build), and answers GET /data and GET /stats from the last good snapshot in "
      "memory, so reads never wait on the store or a build. A failed build keeps the previous "
      "snapshot serving and is reported by GET /health. Takes lake-build's and http-server's "
      "options too.";
  OptionSpec refresh =
      TextOption("refresh",
                 "Rebuild this often: 90s, 10m, 1h, or a bare number of seconds (at most 60 "
                 "minutes)",
                 "10m");
  refresh.example = "10m";
  c.options = {
      refresh,
      FlagOption("follow",
                 "Never build: serve the published output, reloading it when its ETag changes "
                 "(checked every --refresh and on POST /data); for replicas beside one builder"),
  };
  return c;
}

Result<std::chrono::seconds> ParseRefresh(std::string_view text) {
  auto bad = [&] {
    return UsageError(
        "--refresh: expected a duration from 1s to 60m, such as 90s, 10m or 1h (the served "
        "data may lag the source by at most an hour)");
  };
  if (text.empty()) return bad();
  int64_t unit = 1;
  switch (text.back()) {
    case 's':
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  int64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || count < 1 ||
      count > kMaxRefresh.count()) {
    return bad();
  }
  std::chrono::seconds refresh(count * unit);
  if (refresh > kMaxRefresh) return bad();
  return refresh;
}

Result<ServeRequest> ServeRequestFrom(const OptionValues& values) {
  ServeRequest request;
  request.build.source_prefix = values.String("source");
  request.build.output_key = values.String("output");
  request.build.parallel = static_cast<int>(values.Int("parallel"));
  RETURN_IF_ERROR(ValidateBuildRequest(request.build));
  ASSIGN_OR_RETURN(request.server, http::ServerOptionsFrom(values));
  ASSIGN_OR_RETURN(request.refresh, ParseRefresh(values.String("refresh")));
  request.follow = values.Flag("follow");
  return request;
}

Status ServeLake(ObjectStore& store, const ServeRequest& request) {
  StopSignal stop;
  StopOnSignals(&stop);
  RaiseOpenFileLimit(request.server.limits.max_connections);

  http::HttpMetrics metrics;
  http::Router router;
  // The server is made before the service and so outlives it: a POST /data still waiting when
  // the service stops is answered into the server's (stopped) event loop, never a freed one.
  http::HttpServer server(request.server, &router, &metrics);
  const BuildRequest build = request.build;
  Builder builder = [&store, build]() -> Result<BuildSummary> {
    ASSIGN_OR_RETURN(BuildResult result, BuildLake(store, build));
    return SummaryOf(std::move(result));
  };
  if (request.follow) {
    builder = [follower = std::make_shared<OutputFollower>(&store, build.output_key)] {
      return (*follower)();
    };
  }
  LakeService service(std::move(builder), &metrics);
  service.AddRoutes(router);
  // Listening first: /health answers while the first build runs.
  RETURN_IF_ERROR(server.Start());
  LogInfo("lake service on {} ({} every {} s; SIGTERM or Ctrl-C stops it)", server.Url(),
          request.follow ? "following " + store.Url(build.output_key) : std::string("rebuilds"),
          request.refresh.count());
  service.RequestBuild("start", [](const BuildRecord&) {});
  while (!stop.WaitFor(request.refresh)) {
    service.RequestBuild("schedule", [](const BuildRecord&) {});
  }
  LogInfo("stopping: finishing the answers in progress");
  server.Stop();
  StopOnSignals(nullptr);
  if (!service.WaitUntilIdle(kBuildGrace)) {
    // A build publishes whole or not at all (lake_build.h), so leaving one unfinished loses
    // nothing; waiting on a store that stopped answering would outlast a service manager's
    // patience and end in SIGKILL anyway.
    LogWarn(
        "a build is still running after {} s; exiting without it: nothing of it is published, "
        "the last output stays",
        kBuildGrace.count());
    std::_Exit(0);
  }
  return Status::Ok();
}

}  // namespace sluice::lake
