#include "jobs/lake/lake_service.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <chrono>
#include <ctime>
#include <future>
#include <iterator>

#include "core/json_escape.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/text_check.h"
#include "core/thread_name.h"
#include "http/http_error.h"
#include "jobs/lake/lake_page.h"
#include "jobs/lake/lake_service_query.h"

namespace sluice::lake {

using http::HttpRequest;
using http::HttpResponse;

struct LakeService::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : builds(prometheus::BuildCounter()
                   .Name("sluice_lake_builds_total")
                   .Help("Lake builds run by this process, by result")
                   .Register(registry)),
        builds_ok(builds.Add({{"result", "ok"}})),
        builds_failed(builds.Add({{"result", "failed"}})),
        fetched(prometheus::BuildCounter()
                    .Name("sluice_lake_objects_fetched_total")
                    .Help("Source objects downloaded by this process's builds")
                    .Register(registry)
                    .Add({})),
        bytes(prometheus::BuildCounter()
                  .Name("sluice_lake_bytes_fetched_total")
                  .Help("Bytes of source objects downloaded by this process's builds")
                  .Register(registry)
                  .Add({})),
        rejected(prometheus::BuildGauge()
                     .Name("sluice_lake_rejected_objects")
                     .Help("Source objects the last successful build rejected")
                     .Register(registry)
                     .Add({})),
        users(prometheus::BuildGauge()
                  .Name("sluice_lake_users")
                  .Help("Users in the snapshot being served")
                  .Register(registry)
                  .Add({})),
        last_success(prometheus::BuildGauge()
                         .Name("sluice_lake_last_success_timestamp_seconds")
                         .Help("When the last successful build finished, Unix seconds")
                         .Register(registry)
                         .Add({})),
        build_seconds(prometheus::BuildGauge()
                          .Name("sluice_lake_last_build_duration_seconds")
                          .Help("How long the last build took, successful or not")
                          .Register(registry)
                          .Add({})) {}

  prometheus::Family<prometheus::Counter>& builds;
  prometheus::Counter& builds_ok;
  prometheus::Counter& builds_failed;
  prometheus::Counter& fetched;
  prometheus::Counter& bytes;
  prometheus::Gauge& rejected;
  prometheus::Gauge& users;
  prometheus::Gauge& last_success;
  prometheus::Gauge& build_seconds;
};

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// JSON must be UTF-8; names that are not (a build keeps them only escaped) are escaped here too.
std::string_view Utf8(std::string_view text, std::string* scratch) {
  if (!FindUnstorableByte(text)) return text;
  *scratch = EscapeUnstorable(text);
  return *scratch;
}

// One user as a JSON object, appended to `out` directly: GET /data writes one per user, so no
// writer or string of its own per user. A snapshot's strings are valid UTF-8 already
// (LakeSnapshot::Make), so they are escaped without being checked again.
void AppendUser(std::string& out, const UserView& user) {
  out += "{\"user_id\":";
  fmt::format_to(std::back_inserter(out), "{}", user.user_id);
  out += ",\"first_name\":";
  AppendJsonString(out, user.first_name);
  out += ",\"last_name\":";
  AppendJsonString(out, user.last_name);
  out += ",\"birthts\":";
  fmt::format_to(std::back_inserter(out), "{}", user.birth_ms);
  out += ",\"img_path\":";
  AppendJsonString(out, user.img_path);
  out += '}';
}

// Every user of `snapshot` as the JSON array GET /data answers without parameters.
std::string AllUsersJson(const LakeSnapshot& snapshot) {
  std::string out = "[";
  for (size_t i = 0; i < snapshot.size(); ++i) {
    if (i > 0) out += ',';
    AppendUser(out, snapshot.user(i));
  }
  out += ']';
  return out;
}

std::string DayText(UtcDay day) {
  std::time_t t = static_cast<std::time_t>(day) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

HttpResponse Json(std::string body, int status = 200) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse NotReady() {
  return http::ErrorResponse(
      {503, "no build has succeeded yet; GET /health says how the last one went"});
}

// Users per chunk of a streamed /data answer: large enough that a chunk's framing is noise,
// small enough that a page is never held whole.
constexpr size_t kUsersPerChunk = 512;

}  // namespace

std::string IsoTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unix_ms % 1000);
}

std::string BuildRecordJson(const BuildRecord& record) {
  JsonWriter json;
  const BuildSummary& s = record.summary;
  json.BeginObject();
  json.Key("build").Int(record.number);
  json.Key("trigger").String(record.trigger);
  json.Key("started_at").String(IsoTime(record.started_ms));
  json.Key("finished_at").String(IsoTime(record.finished_ms));
  json.Key("ok").Bool(record.status.ok());
  if (!record.status.ok()) {
    std::string scratch;
    json.Key("error").String(Utf8(record.status.message(), &scratch));
  } else {
    json.Key("users").Int(s.users);
    json.Key("added").Int(s.added);
    json.Key("updated").Int(s.updated);
    json.Key("removed").Int(s.removed);
    json.Key("objects_listed").Int(s.objects_listed);
    json.Key("objects_fetched").Int(s.objects_fetched);
    json.Key("bytes_fetched").Int(static_cast<int64_t>(s.bytes_fetched));
    json.Key("listing_seconds").Double(s.listing_seconds);
    json.Key("fetching_seconds").Double(s.fetching_seconds);
    json.Key("total_seconds").Double(s.total_seconds);
    json.Key("cold").Bool(s.cold);
    json.Key("output_written").Bool(s.output_written);
    json.Key("rejected").BeginArray();
    // The same fields as `lake build --format json`.
    for (const BuildReject& reject : s.rejects) {
      json.BeginObject().Key("key").String(reject.key).Key("reason").String(reject.reason);
      json.Key("new").Bool(reject.fresh);
      if (reject.dropped_user) json.Key("dropped_user").Int(*reject.dropped_user);
      json.EndObject();
    }
    json.EndArray();
  }
  json.EndObject();
  return json.Take();
}

LakeService::LakeService(Builder build, http::HttpMetrics* metrics, std::function<UtcDay()> today)
    : build_(std::move(build)),
      http_metrics_(metrics),
      metrics_(metrics ? std::make_unique<Metrics>(metrics->registry()) : nullptr),
      today_(std::move(today)) {
  builder_ = std::thread([this] { RunBuilds(); });
}

LakeService::~LakeService() {
  {
    std::lock_guard lock(build_mutex_);
    stopping_ = true;
  }
  build_wanted_.notify_all();
  builder_.join();
}

SnapshotPtr LakeService::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

std::vector<BuildRecord> LakeService::recent_builds() const {
  std::lock_guard lock(build_mutex_);
  return {records_.begin(), records_.end()};
}

void LakeService::RequestBuild(std::string trigger, std::function<void(const BuildRecord&)> done) {
  {
    std::lock_guard lock(build_mutex_);
    if (waiting_.empty()) waiting_trigger_ = std::move(trigger);
    waiting_.push_back(std::move(done));
  }
  build_wanted_.notify_one();
}

BuildRecord LakeService::BuildNow(std::string trigger) {
  auto promise = std::make_shared<std::promise<BuildRecord>>();
  auto future = promise->get_future();
  RequestBuild(std::move(trigger), [promise](const BuildRecord& r) { promise->set_value(r); });
  return future.get();
}

// Every request waiting when a build starts shares it; requests made during it share the next,
// which sees whatever changed meanwhile.
void LakeService::RunBuilds() {
  NameThisThread("lake-build");
  for (;;) {
    std::vector<std::function<void(const BuildRecord&)>> waiters;
    BuildRecord record;
    {
      std::unique_lock lock(build_mutex_);
      build_wanted_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (stopping_) break;
      waiters.swap(waiting_);
      record.trigger = waiting_trigger_;
      record.number = ++builds_started_;
      record.started_ms = NowMs();
      build_started_ms_ = record.started_ms;
    }
    Result<BuildSummary> result = build_();
    record.finished_ms = NowMs();
    SnapshotPtr snapshot;
    if (result.ok()) {
      snapshot = result->snapshot;
      record.summary = std::move(*result);
      record.summary.snapshot = nullptr;
      if (snapshot == nullptr) record.status = Internal("the build returned no snapshot");
    } else {
      record.status = result.status();
    }
    Record(record, std::move(snapshot));
    for (auto& done : waiters)
      done(record);
    // The build's listing, manifests and the snapshot it replaced are freed by now: without
    // this, the service would stay at the size of its largest build (bench/lake_scale.sh).
    ReleaseFreedMemory();
  }
  // Whoever still waits hears that no build will come.
  BuildRecord cancelled;
  cancelled.status = Status(StatusCode::kCancelled, "the service is stopping");
  std::vector<std::function<void(const BuildRecord&)>> waiters;
  {
    std::lock_guard lock(build_mutex_);
    waiters.swap(waiting_);
  }
  for (auto& done : waiters)
    done(cancelled);
}

void LakeService::Record(BuildRecord record, SnapshotPtr snapshot) {
  const double seconds = static_cast<double>(record.finished_ms - record.started_ms) / 1000;
  if (record.status.ok()) {
    LogInfo(
        "lake build {} ({}): {} users, {} added, {} updated, {} removed, {} rejected; {} of {} "
        "objects fetched ({} bytes); listing {:.3f} s, fetching {:.3f} s",
        record.number, record.trigger, record.summary.users, record.summary.added,
        record.summary.updated, record.summary.removed, record.summary.rejects.size(),
        record.summary.objects_fetched, record.summary.objects_listed, record.summary.bytes_fetched,
        record.summary.listing_seconds, record.summary.fetching_seconds);
    {
      std::lock_guard lock(snapshot_mutex_);
      snapshot_ = snapshot;
    }
  } else {
    const bool serving = this->snapshot() != nullptr;
    LogError("lake build {} ({}) failed, {}: {}", record.number, record.trigger,
             serving ? "still serving the last good snapshot" : "nothing to serve yet",
             record.status.message());
  }
  if (metrics_) {
    metrics_->build_seconds.Set(seconds);
    if (record.status.ok()) {
      metrics_->builds_ok.Increment();
      metrics_->fetched.Increment(static_cast<double>(record.summary.objects_fetched));
      metrics_->bytes.Increment(static_cast<double>(record.summary.bytes_fetched));
      metrics_->rejected.Set(static_cast<double>(record.summary.rejects.size()));
      metrics_->users.Set(static_cast<double>(snapshot->size()));
      metrics_->last_success.Set(static_cast<double>(record.finished_ms) / 1000);
    } else {
      metrics_->builds_failed.Increment();
    }
  }
  std::lock_guard lock(build_mutex_);
  build_started_ms_ = 0;
  build_ended_.notify_all();
  if (record.status.ok()) last_success_ms_ = record.finished_ms;
  records_.push_back(std::move(record));
  while (records_.size() > kKeptBuilds)
    records_.pop_front();
}

void LakeService::AddRoutes(http::Router& router) {
  router.Add("GET", "/data", [this](const HttpRequest& r) { return Data(r); });
  router.Add("GET", "/stats", [this](const HttpRequest& r) { return Stats(r); });
  router.Add("GET", "/health", [this](const HttpRequest&) { return Health(); });
  router.Add("GET", "/", [this](const HttpRequest&) { return Page(); });
  if (http_metrics_ != nullptr) {
    router.Add("GET", "/metrics",
               [this](const HttpRequest&) { return http_metrics_->MetricsResponse(); });
  }
  router.Add("POST", "/data", http::Handler([this](const HttpRequest& request, http::Reply reply) {
               http::QueryParams params;
               if (auto error = http::QueryParams::Parse(request.query, &params)) {
                 return reply(http::ErrorResponse(*error));
               }
               if (auto error = params.RejectUnknown({})) return reply(http::ErrorResponse(*error));
               // The reply is written from the build thread once the shared build ends; the
               // server's threads are free meanwhile.
               RequestBuild("POST /data", [reply](const BuildRecord& record) {
                 int status = record.status.ok()                               ? 200
                              : record.status.code() == StatusCode::kCancelled ? 503
                                                                               : 500;
                 reply(Json(BuildRecordJson(record), status));
               });
             }));
}

HttpResponse LakeService::Data(const HttpRequest& request) const {
  LakeQuery query;
  if (auto error = ParseLakeQuery(request.query, QueryKind::kData, &query)) {
    return http::ErrorResponse(*error);
  }
  SnapshotPtr snap = snapshot();
  if (snap == nullptr) return NotReady();
  const UtcDay today = today_();
  HttpResponse response;
  if (IsWholeListing(query) && snap->size() <= kRenderedUsersAtMost) {
    return Json(*AllUsersRendered(snap));
  }
  if (query.limit > 0) {
    // The cursor goes in the head, before the body: found by walking the page once unseen.
    std::optional<int64_t> next = snap->ForEachMatching(
        query.filter, today, query.after, query.limit, [](const UserView&) { return true; });
    if (next) {
      response.headers.emplace_back(
          "Link", fmt::format("</data?{}>; rel=\"next\"", NextPageQuery(query, *next)));
    }
  }
  struct Walk {
    SnapshotPtr snapshot;
    LakeQuery query;
    UtcDay today;
    std::optional<int64_t> cursor;
    size_t left;  // users still to send; SIZE_MAX without a limit
    size_t sent = 0;
    bool closed = false;
  };
  auto walk = std::make_shared<Walk>(
      Walk{snap, query, today, query.after, query.limit > 0 ? query.limit : SIZE_MAX});
  response.stream = [walk](std::string* out) {
    if (walk->closed) return false;
    if (walk->sent == 0) *out += '[';
    std::optional<int64_t> next;
    if (walk->left > 0) {
      size_t before = walk->sent;
      next = walk->snapshot->ForEachMatching(walk->query.filter, walk->today, walk->cursor,
                                             std::min(walk->left, kUsersPerChunk),
                                             [&](const UserView& user) {
                                               if (walk->sent++ > 0) *out += ',';
                                               AppendUser(*out, user);
                                               return true;
                                             });
      walk->left -= walk->sent - before;
      walk->cursor = next;
    }
    if (!next || walk->left == 0) {
      *out += ']';
      walk->closed = true;
    }
    return true;
  };
  return response;
}

bool LakeService::IsWholeListing(const LakeQuery& query) {
  return !query.filter.has_image && !query.filter.min_age && !query.filter.max_age &&
         !query.after && query.limit == 0;
}

std::shared_ptr<const std::string> LakeService::AllUsersRendered(const SnapshotPtr& snap) const {
  std::lock_guard lock(rendered_mutex_);
  if (rendered_for_.lock() != snap) {
    rendered_ = std::make_shared<const std::string>(AllUsersJson(*snap));
    rendered_for_ = snap;
  }
  return rendered_;
}

HttpResponse LakeService::Stats(const HttpRequest& request) const {
  LakeQuery query;
  if (auto error = ParseLakeQuery(request.query, QueryKind::kStats, &query)) {
    return http::ErrorResponse(*error);
  }
  SnapshotPtr snap = snapshot();
  if (snap == nullptr) return NotReady();
  const UtcDay today = today_();
  AgeStats stats = snap->Stats(query.filter, today);
  JsonWriter json;
  json.BeginObject();
  json.Key("count").Int(stats.count);
  json.Key("average_age");
  if (stats.average_age) {
    json.Double(*stats.average_age);
  } else {
    json.Null();
  }
  json.Key("as_of").String(DayText(today));
  json.EndObject();
  return Json(json.Take());
}

bool LakeService::WaitUntilIdle(std::chrono::milliseconds limit) const {
  std::unique_lock lock(build_mutex_);
  return build_ended_.wait_for(lock, limit, [&] { return build_started_ms_ == 0; });
}

HttpResponse LakeService::Health() const {
  SnapshotPtr snap = snapshot();
  std::vector<BuildRecord> builds = recent_builds();
  int64_t last_success_ms, build_started_ms;
  {
    std::lock_guard lock(build_mutex_);
    last_success_ms = last_success_ms_;
    build_started_ms = build_started_ms_;
  }
  JsonWriter json;
  json.BeginObject();
  const bool failing = !builds.empty() && !builds.back().status.ok();
  json.Key("status").String(snap == nullptr ? "starting" : failing ? "degraded" : "ok");
  json.Key("users").Int(snap ? static_cast<int64_t>(snap->size()) : 0);
  json.Key("last_success_at");
  if (last_success_ms > 0) {
    json.String(IsoTime(last_success_ms));
  } else {
    json.Null();
  }
  // A build that hangs (a store that stopped answering) shows here long before it fails.
  json.Key("building_since");
  if (build_started_ms > 0) {
    json.String(IsoTime(build_started_ms));
  } else {
    json.Null();
  }
  std::string body = json.Take();
  body += ",\"last_build\":";
  body += builds.empty() ? "null" : BuildRecordJson(builds.back());
  body += "}";
  // Serving a snapshot, even a stale one, is healthy for a load balancer; the body says more.
  return Json(std::move(body), snap == nullptr ? 503 : 200);
}

HttpResponse LakeService::Page() const {
  PageData data;
  data.snapshot = snapshot();
  data.builds = recent_builds();
  data.today = today_();
  data.today_text = DayText(data.today);
  data.now_ms = NowMs();
  HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  response.body = RenderStatusPage(data);
  return response;
}

}  // namespace sluice::lake
