#include "pipeline/pipeline_metrics.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <chrono>

#include "core/json_writer.h"
#include "core/log.h"
#include "core/secrets.h"
#include "core/time_parse.h"
#include "http/server_options.h"

namespace sluice {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

prometheus::Counter& Counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& Gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

// Seconds; a commit of a batch takes milliseconds, and up to the retry policy's ~21 s while the
// database restarts.
const prometheus::Histogram::BucketBoundaries& CommitBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return buckets;
}

uint64_t Whole(const prometheus::Counter& counter) {
  return static_cast<uint64_t>(counter.Value());
}

}  // namespace

PipelineMetrics::PipelineMetrics(prometheus::Registry& registry)
    : received_(Counter(registry, "sluice_pipeline_messages_received_total",
                        "Messages received from the source")),
      stored_(
          Counter(registry, "sluice_pipeline_messages_stored_total", "Messages committed as rows")),
      rejected_(Counter(registry, "sluice_pipeline_messages_rejected_total",
                        "Messages committed as rejects")),
      duplicates_(Counter(registry, "sluice_pipeline_messages_duplicate_total",
                          "Messages committed by an earlier delivery, skipped")),
      batches_(Counter(registry, "sluice_pipeline_batches_committed_total",
                       "Batches committed (one transaction each)")),
      retries_(Counter(registry, "sluice_pipeline_commit_retries_total",
                       "Commits that failed and were tried again")),
      source_errors_(Counter(registry, "sluice_pipeline_source_errors_total",
                             "Failures of the source's own work (receives, deletes)")),
      commit_seconds_(prometheus::BuildHistogram()
                          .Name("sluice_pipeline_commit_duration_seconds")
                          .Help("Time to commit a batch, retries and their pauses included")
                          .Register(registry)
                          .Add({}, CommitBuckets())),
      running_(Gauge(registry, "sluice_pipeline_running", "1 while the pipeline runs")),
      last_commit_(Gauge(registry, "sluice_pipeline_last_commit_timestamp_seconds",
                         "Unix time of the last commit; 0 before the first")) {}

void PipelineMetrics::Started() {
  std::lock_guard lock(mutex_);
  started_micros_ = NowMicros();
  running_now_ = true;
  running_.Set(1);
}

void PipelineMetrics::Received(size_t messages) {
  received_.Increment(static_cast<double>(messages));
}

void PipelineMetrics::SourceErrors(uint64_t errors) {
  source_errors_.Increment(static_cast<double>(errors));
}

void PipelineMetrics::CommitRetried(const Status& error) {
  retries_.Increment();
  std::lock_guard lock(mutex_);
  last_error_ = Redact(error.message());
}

void PipelineMetrics::Committed(size_t messages, const SinkOutcome& outcome, double seconds) {
  const int64_t now = NowMicros();
  // Counted before the time moves, so a reader that sees the commit's time sees its counts.
  stored_.Increment(static_cast<double>(outcome.stored));
  rejected_.Increment(static_cast<double>(outcome.rejected));
  duplicates_.Increment(static_cast<double>(messages - outcome.stored - outcome.rejected));
  batches_.Increment();
  commit_seconds_.Observe(seconds);
  last_commit_.Set(static_cast<double>(now) / 1e6);
  std::lock_guard lock(mutex_);
  last_commit_micros_ = now;
}

void PipelineMetrics::Failed(const Status& error) {
  std::lock_guard lock(mutex_);
  failed_ = true;
  running_now_ = false;
  running_.Set(0);
  last_error_ = Redact(error.message());
}

void PipelineMetrics::Stopped() {
  std::lock_guard lock(mutex_);
  running_now_ = false;
  running_.Set(0);
}

http::HttpResponse PipelineMetrics::Health() const {
  std::lock_guard lock(mutex_);
  JsonWriter w;
  w.BeginObject();
  w.Key("running").Bool(running_now_);
  w.Key("started_at");
  if (started_micros_ > 0) {
    w.String(FormatTimestampUtc(started_micros_));
  } else {
    w.Null();
  }
  w.Key("messages").BeginObject();
  w.Key("received").Int(static_cast<int64_t>(Whole(received_)));
  w.Key("stored").Int(static_cast<int64_t>(Whole(stored_)));
  w.Key("rejected").Int(static_cast<int64_t>(Whole(rejected_)));
  w.Key("duplicates").Int(static_cast<int64_t>(Whole(duplicates_)));
  w.EndObject();
  w.Key("batches").Int(static_cast<int64_t>(Whole(batches_)));
  w.Key("commit_retries").Int(static_cast<int64_t>(Whole(retries_)));
  w.Key("source_errors").Int(static_cast<int64_t>(Whole(source_errors_)));
  w.Key("last_commit_at");
  if (last_commit_micros_ > 0) {
    w.String(FormatTimestampUtc(last_commit_micros_));
  } else {
    w.Null();
  }
  w.Key("last_error");
  if (last_error_.empty()) {
    w.Null();
  } else {
    w.String(last_error_);
  }
  w.EndObject();
  return http::HttpResponse{.status = failed_ ? 503 : 200, .body = w.Take()};
}

MetricsEndpoint::MetricsEndpoint() : metrics_(http_metrics_.registry()) {}

MetricsEndpoint::~MetricsEndpoint() {
  metrics_.Stopped();
  if (server_) server_->Stop(std::chrono::seconds(2));
}

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(const std::string& address,
                                                                std::string_view flag) {
  http::ServerOptions options;
  RETURN_IF_ERROR(http::ParseListenAddress(address, &options, flag));
  options.flag = std::string(flag);
  // A scraper and a health check or two: one thread, and few connections.
  options.limits.threads = 1;
  options.limits.max_connections = 64;
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  MetricsEndpoint* e = endpoint.get();
  e->router_.Add("GET", "/metrics",
                 [e](const http::HttpRequest&) { return e->http_metrics_.MetricsResponse(); });
  e->router_.Add("GET", "/health", [e](const http::HttpRequest&) { return e->metrics_.Health(); });
  e->server_ = std::make_unique<http::HttpServer>(options, &e->router_, &e->http_metrics_);
  // The address is the caller's choice: one that cannot be bound (in use, not this host's) is
  // theirs to change, like a malformed one.
  if (Status st = e->server_->Start(); !st.ok()) {
    return st.code() == StatusCode::kIo ? UsageError(fmt::format("{}: {}", flag, st.message()))
                                        : st;
  }
  LogInfo("metrics on {}/metrics and {}/health", e->server_->Url(), e->server_->Url());
  return endpoint;
}

}  // namespace sluice
