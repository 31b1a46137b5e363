// The server's Prometheus metrics, in a prometheus-cpp core Registry that a job adds its own
// families to; GET /metrics serves the registry in the text exposition format (version 0.0.4)
// from our own server, not prometheus-cpp's embedded one.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace sluice::http {

class HttpMetrics {
 public:
  HttpMetrics();

  // Counts one answered request: sluice_http_requests_total{route, method, status} and
  // sluice_http_request_duration_seconds{route} (from the end of the request head to the end of
  // the answer). `route` comes from Router::RouteLabel, so its values are few.
  void Observe(std::string_view route, std::string_view method, int status, double seconds);

  // Requests the server answered itself before any route (400, 408, 413, 414, 431), by status.
  void ObserveRefused(int status);

  prometheus::Registry& registry() { return *registry_; }
  // The registry in the text format.
  std::string Text() const;
  // A GET /metrics answer.
  HttpResponse MetricsResponse() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
};

}  // namespace sluice::http
