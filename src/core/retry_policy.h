// How many times work is tried, and how long to pause between tries, for everything that
// retries: HTTP requests to AWS (aws/http_client.h) and the pipeline runner's commits
// (pipeline/runner.h). Pauses grow exponentially from `first_pause`, doubling up to
// `longest_pause`; with `jitter`, each is a random wait up to that ("full jitter"), so that many
// clients throttled at once do not come back at once. Only failures a retry may cure
// (StatusCode::kUnavailable) are tried again; anything else would fail the same way every time.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

#include "core/status.h"

namespace sluice {

struct RetryPolicy {
  int attempts = 5;
  std::chrono::milliseconds first_pause{200};
  std::chrono::milliseconds longest_pause{5000};
  bool jitter = true;

  // Whether to try again after attempt `attempt` (from 1) failed with `status`.
  bool ShouldRetry(const Status& status, int attempt) const {
    return status.code() == StatusCode::kUnavailable && attempt < attempts;
  }

  // The pause after attempt `attempt` (from 1) failed.
  std::chrono::milliseconds PauseAfter(int attempt) const {
    int64_t pause = first_pause.count();
    for (int i = 1; i < attempt && pause < longest_pause.count(); ++i)
      pause *= 2;
    pause = std::min<int64_t>(pause, longest_pause.count());
    if (!jitter) return std::chrono::milliseconds(pause);
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(pause, 1))(rng));
  }
};

}  // namespace sluice
