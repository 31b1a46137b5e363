// A one-line progress display for long loads, redrawn in place on a terminal and silent
// otherwise (pipes, CI logs and JSON logging get the summary line only).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sluice {

class Progress {
 public:
  // `label` names the work ("streams.csv"); `total_bytes` may be 0 when unknown.
  Progress(std::string label, uint64_t total_bytes);
  ~Progress();

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Cheap to call per record: it redraws at most ten times a second.
  void Update(uint64_t bytes_done, uint64_t records_done);
  // Clears the line.
  void Finish();

  static void SetEnabled(bool enabled);
  // Draws even when stderr is not a terminal (a pipeline's `progress: always`), for a log that
  // is watched live; SetEnabled(false) still wins.
  static void SetAlways(bool always);

 private:
  void Draw();

  std::string label_;
  uint64_t total_bytes_;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace sluice
