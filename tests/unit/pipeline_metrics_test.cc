// A stream's metrics and /health (pipeline/pipeline_metrics.h), without sockets: the counters
// follow the runner's reports, /health says running until a failure (then 503), and an error's
// password never reaches it.
#include "pipeline/pipeline_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "http/router.h"

namespace sluice {
namespace {

TEST(PipelineMetrics, CountersAndHealthFollowTheRun) {
  auto registry = std::make_shared<prometheus::Registry>();
  PipelineMetrics metrics(*registry);
  http::HttpResponse before = metrics.Health();
  EXPECT_EQ(before.status, 200);
  EXPECT_NE(before.body.find("\"running\":false"), std::string::npos) << before.body;
  EXPECT_NE(before.body.find("\"last_commit_at\":null"), std::string::npos) << before.body;

  metrics.Started();
  metrics.Received(10);
  metrics.CommitRetried(Unavailable("server closed the connection"));
  metrics.Committed(10, SinkOutcome{7, 2}, 0.25);
  metrics.SourceErrors(3);
  http::HttpResponse running = metrics.Health();
  EXPECT_EQ(running.status, 200);
  for (const char* part :
       {"\"running\":true", "\"received\":10", "\"stored\":7", "\"rejected\":2", "\"duplicates\":1",
        "\"batches\":1", "\"commit_retries\":1", "\"source_errors\":3",
        "\"last_error\":\"server closed the connection\""}) {
    EXPECT_NE(running.body.find(part), std::string::npos) << part << " in " << running.body;
  }
  EXPECT_EQ(running.body.find("\"last_commit_at\":null"), std::string::npos) << running.body;
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  for (const char* sample :
       {"sluice_pipeline_messages_received_total 10", "sluice_pipeline_messages_stored_total 7",
        "sluice_pipeline_messages_rejected_total 2", "sluice_pipeline_messages_duplicate_total 1",
        "sluice_pipeline_batches_committed_total 1", "sluice_pipeline_commit_retries_total 1",
        "sluice_pipeline_source_errors_total 3", "sluice_pipeline_running 1",
        "sluice_pipeline_commit_duration_seconds_count 1",
        "sluice_pipeline_commit_duration_seconds_bucket{le=\"0.25\"} 1",
        "sluice_pipeline_commit_duration_seconds_bucket{le=\"0.1\"} 0"}) {
    EXPECT_NE(text.find(std::string(sample) + "\n"), std::string::npos) << sample << "\n" << text;
  }

  metrics.Failed(Unavailable("cannot connect to postgresql://app:hunter22@db/app"));
  http::HttpResponse failed = metrics.Health();
  EXPECT_EQ(failed.status, 503);
  EXPECT_NE(failed.body.find("\"running\":false"), std::string::npos) << failed.body;
  EXPECT_EQ(failed.body.find("hunter22"), std::string::npos) << failed.body;
}

TEST(PipelineMetrics, AnEndpointRefusesABadAddressAsUsage) {
  for (const char* address : {"", "nonsense", "127.0.0.1:65536", "::1:80", "[::1:80"}) {
    auto endpoint = MetricsEndpoint::Start(address, "--metrics-listen");
    ASSERT_FALSE(endpoint.ok()) << address;
    EXPECT_EQ(endpoint.status().code(), StatusCode::kUsage) << address;
    EXPECT_EQ(endpoint.status().message().rfind("--metrics-listen", 0), 0u)
        << endpoint.status().message();
  }
}

// The metrics server has no page at "/": its 404 lists the paths it serves instead of pointing
// there; a service with a page (the lake's) still points to it.
TEST(PipelineMetrics, AnUnknownPathIsAnsweredWithThePathsServed) {
  auto answer = [](const http::Router& router) {
    http::HttpResponse got;
    router.Dispatch(http::HttpRequest{.method = "GET", .path = "/nope", .query = "", .body = ""},
                    [&](http::HttpResponse r) { got = std::move(r); });
    return got;
  };
  auto ok = [](const http::HttpRequest&) { return http::HttpResponse{}; };
  http::Router metrics;
  metrics.Add("GET", "/metrics", ok);
  metrics.Add("GET", "/health", ok);
  const http::HttpResponse lost = answer(metrics);
  EXPECT_EQ(lost.status, 404);
  EXPECT_NE(lost.body.find("no such path; this service serves /health, /metrics"),
            std::string::npos)
      << lost.body;
  EXPECT_EQ(lost.body.find("GET /"), std::string::npos) << lost.body;
  http::Router lake = metrics;
  lake.Add("GET", "/", ok);
  EXPECT_NE(answer(lake).body.find("see GET / for what this service offers"), std::string::npos);
}

}  // namespace
}  // namespace sluice
