#include "pipeline/shutdown.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/thread_name.h"

namespace sluice {
namespace {

// Held while the watcher calls the target's Stop() and while StopOnSignals changes the target:
// once StopOnSignals(nullptr) returns, no Stop() is running on the old source, so its owner may
// destroy it. (Without it a SIGTERM's Stop() could still be inside a source's condition
// variable while the source was being destroyed: ThreadSanitizer saw it in `lake serve` and
// `logins run`.)
std::mutex g_target_mutex;
MessageSource* g_signal_target = nullptr;  // guarded by g_target_mutex
// Set by the first signal; a source attached after it is stopped at once.
std::atomic<bool> g_stop_requested{false};
// The handler only writes a byte here (write is async-signal-safe); a thread blocked on the
// other end does the rest. It sleeps until a signal comes, so an idle consumer costs nothing.
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  const int saved_errno = errno;
  const char byte = 1;
  (void)!write(g_signal_pipe[1], &byte, 1);
  errno = saved_errno;
}

void WatchSignals() {
  NameThisThread("signals");
  char byte;
  for (;;) {
    ssize_t n = read(g_signal_pipe[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    std::lock_guard lock(g_target_mutex);
    g_stop_requested = true;
    if (MessageSource* s = g_signal_target) {
      LogInfo("signal received: finishing the work in hand, then exiting");
      s->Stop();
    } else {
      // Still starting up, or a command that sends rather than consumes: it checks between
      // its steps (StopRequested), so the step in hand is finished first.
      LogInfo("signal received: stopping once the step in hand is done");
    }
  }
}

}  // namespace

bool StopRequested() {
  return g_stop_requested.load();
}

void StopOnSignals(MessageSource* source) {
  static bool installed = [] {
    if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
      LogWarn("cannot watch for SIGTERM/SIGINT: {}", std::strerror(errno));
      return false;
    }
    // A burst of signals must never block the handler on a full pipe.
    fcntl(g_signal_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = &OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::thread(WatchSignals).detach();
    return true;
  }();
  (void)installed;
  // Under the watcher's lock, a signal racing with the attach is seen by exactly one side.
  std::lock_guard lock(g_target_mutex);
  g_signal_target = source;
  if (source != nullptr && g_stop_requested.load()) source->Stop();
}

}  // namespace sluice
