// A long-running pipeline's metrics and health, served while it runs (`--metrics-listen ADDR`,
// or `metrics-listen` in a pipeline file's settings) on the HTTP server the lake job brings
// (http/http_server.h):
//   GET /metrics  Prometheus text (exposition format 0.0.4): the counters below and the
//                 server's own request metrics
//   GET /health   JSON: {"running", "started_at", "messages": {"received", "stored",
//                 "rejected", "duplicates"}, "batches", "commit_retries", "source_errors",
//                 "last_commit_at", "last_error"}; 200, or 503 once the run failed
// The counters (all sluice_pipeline_*): messages_received_total, messages_stored_total,
// messages_rejected_total, messages_duplicate_total (stored by an earlier delivery),
// batches_committed_total, commit_retries_total, source_errors_total, the
// commit_duration_seconds histogram (a batch's commit, retries included), and the gauges
// running and last_commit_timestamp_seconds.
// Nothing listens unless an address is given; a bad one is a usage error naming the flag.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "http/http_metrics.h"
#include "http/http_server.h"
#include "http/router.h"
#include "pipeline/runner.h"

namespace sluice {

class PipelineMetrics : public RunnerObserver {
 public:
  // Registers the families in `registry`, which must outlive this.
  explicit PipelineMetrics(prometheus::Registry& registry);

  void Started() override;
  void Received(size_t messages) override;
  void SourceErrors(uint64_t errors) override;
  void CommitRetried(const Status& error) override;
  void Committed(size_t messages, const SinkOutcome& outcome, double seconds) override;
  void Failed(const Status& error) override;
  // The run is over (finished or stopped): /health says running false.
  void Stopped();

  // The GET /health answer.
  http::HttpResponse Health() const;

 private:
  prometheus::Counter& received_;
  prometheus::Counter& stored_;
  prometheus::Counter& rejected_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& batches_;
  prometheus::Counter& retries_;
  prometheus::Counter& source_errors_;
  prometheus::Histogram& commit_seconds_;
  prometheus::Gauge& running_;
  prometheus::Gauge& last_commit_;

  mutable std::mutex mutex_;  // guards what /health reads beside the counters
  int64_t started_micros_ = 0;
  int64_t last_commit_micros_ = 0;
  bool running_now_ = false;
  bool failed_ = false;
  std::string last_error_;  // redacted
};

// The server of one run's /metrics and /health: started before the run, stopped after it.
class MetricsEndpoint {
 public:
  // Parses `address` ("host:port"; port 0 picks a free one), binds and starts serving; the
  // bound address is logged. A malformed address is a usage error naming `flag`; one that
  // cannot be bound is kIo naming it.
  static Result<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address,
                                                        std::string_view flag);
  ~MetricsEndpoint();

  PipelineMetrics& metrics() { return metrics_; }
  std::string Url() const { return server_->Url(); }

 private:
  MetricsEndpoint();

  http::HttpMetrics http_metrics_;
  PipelineMetrics metrics_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace sluice
