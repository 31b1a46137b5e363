// `sluice lake serve` (SPEC §4, issue #10): builds the lake at start, then every --refresh (at
// most 60 minutes, so the served data never lags a source change by more than an hour) and on
// POST /data, and serves the last good snapshot over HTTP (lake_service.h) until SIGTERM or
// SIGINT. A failed build is logged and shown on /health; the previous snapshot keeps serving.
// With --follow it never builds: it serves the output another process publishes (replicas
// behind a load balancer beside one builder, docs/lake.md).
#pragma once

#include <chrono>
#include <string_view>

#include "connectors/objstore/object_store.h"
#include "core/status.h"
#include "http/server_options.h"
#include "jobs/lake/lake_build.h"
#include "pipeline/component_registry.h"

namespace sluice::lake {

// The `lake-serve` job's own option (--refresh); the command adds lake-build's and
// http-server's.
ComponentSpec LakeServeComponent();

// "10m", "90s", "1h" or plain seconds ("600"), from 1 second to 60 minutes; a usage error
// naming --refresh otherwise.
Result<std::chrono::seconds> ParseRefresh(std::string_view text);

struct ServeRequest {
  BuildRequest build;
  http::ServerOptions server;
  std::chrono::seconds refresh{600};
  // A replica: never builds, serves the published output and reloads it when its ETag changes.
  bool follow = false;
};

// The request from a command's values (lake-serve, lake-build and http-server options); usage
// errors name the flag.
Result<ServeRequest> ServeRequestFrom(const OptionValues& values);

// Serves the lake at `store` until a signal; `store` is only used by builds, one at a time.
// Fails only when the server cannot start (the address in use): kIo, or kUsage for a host that
// does not resolve.
Status ServeLake(ObjectStore& store, const ServeRequest& request);

}  // namespace sluice::lake
