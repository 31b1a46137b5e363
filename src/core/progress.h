// A one-line progress display for long loads, redrawn in place on a terminal and silent
// otherwise (pipes, CI logs and JSON logging get the summary line only).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

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
  // For callers that report per batch rather than per record (logins run, once per commit):
  // the clock is read on every call, still at most ten redraws a second. Without bytes the
  // line shows records a second.
  void UpdateBatch(uint64_t bytes_done, uint64_t records_done);
  // Clears the line.
  void Finish();

  static void SetEnabled(bool enabled);
  // Draws even when stderr is not a terminal (a pipeline's `progress: always`), for a log that
  // is watched live; SetEnabled(false) still wins.
  static void SetAlways(bool always);

 private:
  void Draw();
  void MaybeDraw();

  std::string label_;
  uint64_t total_bytes_;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// A phase of the work the server does while Sluice waits (a warehouse load's merge and key
// rebuild): its label is drawn on the progress line for as long as the object lives, where the
// line would otherwise be blank. Drawn under the same conditions as Progress.
class ProgressPhase {
 public:
  explicit ProgressPhase(std::string_view label);
  ~ProgressPhase();
  ProgressPhase(const ProgressPhase&) = delete;
  ProgressPhase& operator=(const ProgressPhase&) = delete;

 private:
  bool drawn_ = false;
};

// Clears a progress line drawn on the terminal, if any, so that a log line starts at the left
// margin; the progress line reappears at its next update. Called by the log (core/log.h).
void ClearDrawnProgressLine();

}  // namespace sluice
