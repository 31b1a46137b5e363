#include "pipeline/shutdown.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "core/log.h"
#include "core/thread_name.h"

namespace sluice {
namespace {

std::atomic<MessageSource*> g_signal_target{nullptr};
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
    g_stop_requested = true;
    if (MessageSource* s = g_signal_target.load()) {
      LogInfo("signal received: finishing the work in hand, then exiting");
      s->Stop();
    } else {
      LogInfo("signal received while starting: exiting before the first batch");
    }
  }
}

}  // namespace

bool StopRequested() {
  return g_stop_requested.load();
}

void StopOnSignals(MessageSource* source) {
  g_signal_target = source;
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
  // Both sides store before they load (sequentially consistent), so a signal racing with the
  // attach is seen by at least one of them; Stop() twice is harmless.
  if (source != nullptr && g_stop_requested.load()) source->Stop();
}

}  // namespace sluice
