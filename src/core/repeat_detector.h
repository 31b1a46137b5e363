// Tells whether any key was seen twice in a stream of keys, in one pass and at most 32 bytes of
// memory per key: each key is kept as a 64-bit fingerprint in an open-addressing set. Two
// different keys share a fingerprint with odds of about n^2 / 2^65 (1e-8 at a million keys), so
// "seen twice" may rarely be wrong, "never" never is: a caller that de-duplicates exactly when
// told "maybe" is exact. Past `max_keys` (default 2^21, 32 MB) it stops tracking, frees its
// memory and answers "maybe".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice {

class RepeatDetector {
 public:
  explicit RepeatDetector(size_t max_keys = size_t{1} << 21) : max_keys_(max_keys) {}

  // A key made of `parts` (each part hashed on its own bytes, so ("ab","c") != ("a","bc")).
  void Add(const std::vector<std::string_view>& parts);
  void AddFingerprint(uint64_t fingerprint);

  // False only if no key was added twice.
  bool MaybeRepeated() const { return maybe_repeated_; }

 private:
  void Grow();

  size_t max_keys_;
  bool maybe_repeated_ = false;
  size_t count_ = 0;
  std::vector<uint64_t> slots_;  // 0 is an empty slot
};

}  // namespace sluice
