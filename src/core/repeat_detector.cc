#include "core/repeat_detector.h"

#include <functional>

namespace sluice {

void RepeatDetector::Add(const std::vector<std::string_view>& parts) {
  if (maybe_repeated_) return;
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (std::string_view p : parts) {
    // Combined as boost::hash_combine does, with the 64-bit golden ratio.
    h ^= std::hash<std::string_view>{}(p) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  }
  AddFingerprint(h);
}

void RepeatDetector::AddFingerprint(uint64_t fingerprint) {
  if (maybe_repeated_) return;
  if (count_ >= max_keys_) {
    // Too many to track: from here on the answer is "maybe", and the memory goes.
    maybe_repeated_ = true;
    slots_ = {};
    return;
  }
  if (fingerprint == 0) fingerprint = 1;
  if ((count_ + 1) * 2 > slots_.size()) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(fingerprint) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == fingerprint) {
      maybe_repeated_ = true;
      slots_ = {};
      return;
    }
    if (slots_[i] == 0) {
      slots_[i] = fingerprint;
      ++count_;
      return;
    }
  }
}

void RepeatDetector::Grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  const size_t mask = slots_.size() - 1;
  for (uint64_t f : old) {
    if (f == 0) continue;
    size_t i = static_cast<size_t>(f) & mask;
    while (slots_[i] != 0)
      i = (i + 1) & mask;
    slots_[i] = f;
  }
}

}  // namespace sluice
