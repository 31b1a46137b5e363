#include "core/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace sluice {
namespace {
std::atomic<bool> g_enabled{true};
std::atomic<bool> g_always{false};
// Whether some line is drawn in place now (a Progress or a ProgressPhase).
std::atomic<bool> g_progress_line_drawn{false};

bool ProgressDrawable() {
  return g_enabled && (g_always || isatty(STDERR_FILENO) == 1);
}
}  // namespace

void ClearDrawnProgressLine() {
  if (g_progress_line_drawn.exchange(false)) std::fputs("\r\033[K", stderr);
}

void Progress::SetEnabled(bool enabled) {
  g_enabled = enabled;
}

void Progress::SetAlways(bool always) {
  g_always = always;
}

Progress::Progress(std::string label, uint64_t total_bytes)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      active_(ProgressDrawable()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  Finish();
}

void Progress::Update(uint64_t bytes_done, uint64_t records_done) {
  bytes_ = bytes_done;
  records_ = records_done;
  if (!active_) return;
  // Checking the clock on every record would cost more than the record; every 4096th is enough.
  if ((records_done & 4095) != 0) return;
  MaybeDraw();
}

void Progress::UpdateBatch(uint64_t bytes_done, uint64_t records_done) {
  bytes_ = bytes_done;
  records_ = records_done;
  if (active_) MaybeDraw();
}

void Progress::MaybeDraw() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void Progress::Draw() {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double mb = static_cast<double>(bytes_) / 1e6;
  std::string line;
  if (total_bytes_ > 0) {
    line = fmt::format("\r{}: {:5.1f}%  {} records  {:.1f} MB/s ", label_,
                       100.0 * static_cast<double>(bytes_) / static_cast<double>(total_bytes_),
                       records_, secs > 0 ? mb / secs : 0.0);
  } else if (bytes_ > 0) {
    line =
        fmt::format("\r{}: {} records  {:.1f} MB/s ", label_, records_, secs > 0 ? mb / secs : 0.0);
  } else {
    line = fmt::format("\r{}: {} records  {:.0f}/s ", label_, records_,
                       secs > 0 ? static_cast<double>(records_) / secs : 0.0);
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  g_progress_line_drawn = true;
}

void Progress::Finish() {
  if (drawn_) {
    ClearDrawnProgressLine();
    std::fflush(stderr);
    drawn_ = false;
  }
  active_ = false;
}

ProgressPhase::ProgressPhase(std::string_view label) {
  if (!ProgressDrawable()) return;
  std::fputs(fmt::format("\r\033[K{} ...", label).c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  g_progress_line_drawn = true;
}

ProgressPhase::~ProgressPhase() {
  if (!drawn_) return;
  ClearDrawnProgressLine();
  std::fflush(stderr);
}

}  // namespace sluice
