#include "http/http_metrics.h"

#include <prometheus/text_serializer.h>

namespace sluice::http {
namespace {

// Seconds; fine below a millisecond, where the lake's reads are expected to land.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return buckets;
}

std::string MethodLabel(std::string_view method) {
  // Only the methods a route can take are labels; anything else is "other" (bounded labels).
  for (std::string_view known : {"GET", "POST", "HEAD", "PUT", "DELETE"}) {
    if (method == known) return std::string(method);
  }
  return "other";
}

}  // namespace

HttpMetrics::HttpMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("sluice_http_requests_total")
                   .Help("HTTP requests answered, by route, method and status")
                   .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("sluice_http_request_duration_seconds")
                  .Help("Time from a request's head to the end of its answer, by route")
                  .Register(*registry_);
}

void HttpMetrics::Observe(std::string_view route, std::string_view method, int status,
                          double seconds) {
  requests_
      ->Add({{"route", std::string(route)},
             {"method", MethodLabel(method)},
             {"status", std::to_string(status)}})
      .Increment();
  latency_->Add({{"route", std::string(route)}}, LatencyBuckets()).Observe(seconds);
}

void HttpMetrics::ObserveRefused(int status) {
  requests_->Add({{"route", "none"}, {"method", "other"}, {"status", std::to_string(status)}})
      .Increment();
}

std::string HttpMetrics::Text() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

HttpResponse HttpMetrics::MetricsResponse() const {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = Text();
  return response;
}

}  // namespace sluice::http
