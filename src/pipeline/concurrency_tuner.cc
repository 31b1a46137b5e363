#include "pipeline/concurrency_tuner.h"

#include <algorithm>

namespace sluice {

ConcurrencyTuner::ConcurrencyTuner(Options options, Clock::time_point now)
    : options_(options), window_start_(now), hold_until_(now) {
  options_.max = std::max(1, options_.max);
}

bool ConcurrencyTuner::Record(size_t items, bool full, Clock::time_point now) {
  items_ += items;
  ++calls_;
  if (full) ++full_calls_;
  const auto elapsed = now - window_start_;
  if (elapsed < options_.window || calls_ < options_.min_calls) return false;

  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = static_cast<double>(items_) / seconds;
  const bool backlog = full_calls_ >= options_.full_share * calls_;
  const int before = target_;
  switch (phase_) {
    case Phase::kSteady:
      if (backlog && target_ < options_.max && now >= hold_until_) {
        before_rate_ = rate;
        ++target_;
        phase_ = Phase::kTrial;
      }
      break;
    case Phase::kTrial:
      trial_rate_ = rate;
      --target_;
      phase_ = Phase::kAfterTrial;
      break;
    case Phase::kAfterTrial:
      if (trial_rate_ >= options_.gain * (before_rate_ + rate) / 2) {
        ++target_;  // and try the next step from the next window on
      } else {
        hold_until_ = now + options_.hold;
      }
      phase_ = Phase::kSteady;
      break;
  }
  window_start_ = now;
  items_ = 0;
  calls_ = 0;
  full_calls_ = 0;
  return target_ != before;
}

}  // namespace sluice
