#include "pipeline/concurrency_tuner.h"

#include <gtest/gtest.h>

#include <functional>

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Clock = ConcurrencyTuner::Clock;

// Drives a tuner against a simulated server: `rate(n, t)` is the messages per second it
// delivers with n calls in flight at second t. Calls of 10 messages each, always full.
// Returns the target after each simulated second.
std::vector<int> Simulate(ConcurrencyTuner& tuner, int seconds,
                          const std::function<double(int, double)>& rate) {
  std::vector<int> targets;
  Clock::time_point now{};
  const Clock::time_point start = now;
  auto next_second = now + 1s;
  while (now - start < std::chrono::seconds(seconds)) {
    const double t = std::chrono::duration<double>(now - start).count();
    const double per_second = rate(tuner.target(), t);
    // One call of 10 messages takes 10 / rate seconds.
    now += std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(10.0 / per_second));
    tuner.Record(10, true, now);
    while (now >= next_second) {
      targets.push_back(tuner.target());
      next_second += 1s;
    }
  }
  return targets;
}

ConcurrencyTuner::Options Fast() {
  ConcurrencyTuner::Options o;
  o.max = 8;
  o.window = 1000ms;
  o.hold = 10000ms;
  return o;
}

TEST(ConcurrencyTuner, ClimbsWhileMoreCallsRaiseTheRate) {
  ConcurrencyTuner tuner(Fast(), Clock::time_point{});
  // A server that scales: every call in flight adds 50 messages a second. The seventh call
  // adds a sixth (17%), the eighth only a seventh (14%), less than the 15% a step must bring.
  auto targets = Simulate(tuner, 40, [](int n, double) { return 50.0 * n; });
  EXPECT_EQ(targets.back(), 7);
}

TEST(ConcurrencyTuner, StaysAtOneWhenMoreCallsDoNotHelp) {
  ConcurrencyTuner tuner(Fast(), Clock::time_point{});
  // A single-threaded server: the same rate however many calls wait on it, and a little
  // worse with more (they contend).
  auto targets = Simulate(tuner, 60, [](int n, double) { return n == 1 ? 80.0 : 72.0; });
  int seconds_above_one = 0;
  for (int t : targets)
    seconds_above_one += t > 1;
  EXPECT_EQ(targets.back(), 1);
  // One trial per hold period, each one window long.
  EXPECT_LE(seconds_above_one, 60 / 10 + 1);
}

TEST(ConcurrencyTuner, ARateRisingOnItsOwnIsNotTakenForAGain) {
  ConcurrencyTuner tuner(Fast(), Clock::time_point{});
  // A server that gets faster as its queue drains (20% a second), whatever the concurrency:
  // comparing the trial with the windows on both sides sees through it.
  auto targets = Simulate(tuner, 30, [](int n, double t) {
    double base = 60.0 * (1.0 + 0.2 * t);
    return n == 1 ? base : base * 0.95;
  });
  for (int t : targets)
    EXPECT_LE(t, 2);
  EXPECT_EQ(targets.back(), 1);
}

TEST(ConcurrencyTuner, NoTrialWithoutABacklog) {
  ConcurrencyTuner tuner(Fast(), Clock::time_point{});
  Clock::time_point now{};
  for (int i = 0; i < 100; ++i) {
    now += 200ms;
    EXPECT_FALSE(tuner.Record(3, false, now));  // partial batches: the queue keeps up
  }
  EXPECT_EQ(tuner.target(), 1);
}

TEST(ConcurrencyTuner, NeverAboveItsMaximum) {
  auto options = Fast();
  options.max = 3;
  ConcurrencyTuner tuner(options, Clock::time_point{});
  auto targets = Simulate(tuner, 40, [](int n, double) { return 100.0 * n; });
  for (int t : targets)
    EXPECT_LE(t, 3);
  EXPECT_EQ(targets.back(), 3);
}

}  // namespace
}  // namespace sluice
