// Chooses how many calls to keep in flight against a server whose capacity is unknown: a queue
// service that scales wants many concurrent receives, a small or single-threaded one is only
// slowed down by them. It starts at one and tries one more whenever every call comes back full
// (there is a backlog), keeping the extra one only if it clearly raised the rate.
//
// A trial is measured A/B/A: the window before it, the trial window, and the window after it at
// the old level. Comparing the trial with the mean of its neighbours cancels a rate that drifts
// on its own, as it does on servers whose cost per call grows with the queue's depth.
#pragma once

#include <chrono>
#include <cstddef>

namespace sluice {

class ConcurrencyTuner {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int max = 8;                             // never more calls in flight than this
    std::chrono::milliseconds window{1000};  // one measurement
    std::chrono::milliseconds hold{30000};   // after a failed trial, wait this long
    double gain = 1.15;                      // a trial must raise the rate this much
    double full_share = 0.8;                 // share of full calls that means a backlog
    int min_calls = 4;                       // a window with fewer calls is extended
  };

  ConcurrencyTuner(Options options, Clock::time_point now);

  // How many calls should be in flight now.
  int target() const { return target_; }

  // Records a finished call that returned `items` (`full` if it returned as many as it may).
  // Returns true when target() changed.
  bool Record(size_t items, bool full, Clock::time_point now);

 private:
  enum class Phase { kSteady, kTrial, kAfterTrial };

  Options options_;
  int target_ = 1;
  Phase phase_ = Phase::kSteady;
  Clock::time_point window_start_;
  Clock::time_point hold_until_;
  size_t items_ = 0;
  int calls_ = 0;
  int full_calls_ = 0;
  double before_rate_ = 0;  // the window before the trial
  double trial_rate_ = 0;
};

}  // namespace sluice
