// What the fault scenarios share: their size (short under ctest, long under `make reliability`),
// a PostgreSQL URL routed through a fault proxy, the peak memory of the Sluice processes they
// start, and the one-line figures each scenario prints for docs/reliability.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/test_env.h"

namespace sluice::faults {

// True when SLUICE_FAULTS_LONG=1 (`make reliability`): the scenarios run at full size.
bool LongRun();

// The host and port of a postgresql://...@HOST:PORT/... URL; false when it names no TCP host
// (a Unix socket, or no port).
bool PgHostPort(const std::string& url, std::string* host, int* port);

// `url` with its HOST:PORT replaced by `address` ("127.0.0.1:PORT" of a proxy).
std::string WithAddress(const std::string& url, const std::string& address);

// Peak memory of a Sluice process is its VmHWM (the high-water mark of its resident set, in
// /proc/PID/status), read while it runs. Not getrusage: posix_spawn starts the child sharing
// this test process's memory until exec, and the kernel charges the child that memory's peak,
// so RUSAGE_CHILDREN (or wait4's usage) reports the test's own peak for even a small child
// (a 200 MiB test reported 207 MiB for one).

// A field of /proc/PID/status in KiB ("VmHWM", "VmRSS"); 0 when the process is gone, is a zombie
// (its memory already freed) or the field is missing.
long ProcStatusKib(int pid, std::string_view field);

// Samples the VmHWM of the processes it is told to watch, every `every` on a thread of its own,
// and keeps the largest seen (KiB). A pid is dropped once its memory is gone (it ended), or once
// it is no child of this process (its pid reused). The last `every` before a process ends is
// not seen: a peak reached only then is missed.
class PeakRssSampler {
 public:
  explicit PeakRssSampler(std::chrono::milliseconds every = std::chrono::milliseconds(50));
  ~PeakRssSampler();
  PeakRssSampler(const PeakRssSampler&) = delete;
  PeakRssSampler& operator=(const PeakRssSampler&) = delete;

  // Samples `pid` now and then every interval until it ends; pid <= 0 is ignored.
  void Watch(int pid);
  // Samples `pid` now (e.g. just before it is killed), if it is watched.
  void SampleNow(int pid);
  // The largest VmHWM seen of any process watched, in KiB (0 before any).
  long peak_kib() const;

 private:
  void Sample(int pid);  // with mu_ held
  void Loop();

  const std::chrono::milliseconds every_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::set<int> pids_;
  long peak_kib_ = 0;
  std::thread thread_;
};

// Runs build/sluice as sluice::testing::RunSluice does, its peak memory watched by `sampler`.
sluice::testing::RunResult RunSluiceSampled(const std::vector<std::string>& args,
                                            const std::string& pg_url, PeakRssSampler* sampler);

// One scenario's outcome, printed as one line ("figures: scenario=... in=... ...") and, when
// SLUICE_FAULTS_FIGURES names a file, appended to it with the date and host.
struct Figures {
  std::string scenario;
  uint64_t in = 0;          // messages or rows put in
  uint64_t faults = 0;      // faults the proxy injected (cuts, drops, HTTP errors, restarts)
  uint64_t kills = 0;       // SIGKILLs of Sluice processes
  uint64_t lost = 0;        // put in, never stored as a row or a reject
  uint64_t duplicated = 0;  // stored more than once
  double seconds = 0;       // wall time of the whole scenario
  long peak_rss_kib = 0;    // of the largest Sluice process: its VmHWM (PeakRssSampler)
  std::string detail;       // the faults by kind, free text
};
void Report(const Figures& figures);

}  // namespace sluice::faults
