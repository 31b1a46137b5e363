// What the fault scenarios share: their size (short under ctest, long under `make reliability`),
// a PostgreSQL URL routed through a fault proxy, and the one-line figures each scenario prints
// for docs/reliability.md.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::faults {

// True when SLUICE_FAULTS_LONG=1 (`make reliability`): the scenarios run at full size.
bool LongRun();

// The host and port of a postgresql://...@HOST:PORT/... URL; false when it names no TCP host
// (a Unix socket, or no port).
bool PgHostPort(const std::string& url, std::string* host, int* port);

// `url` with its HOST:PORT replaced by `address` ("127.0.0.1:PORT" of a proxy).
std::string WithAddress(const std::string& url, const std::string& address);

// The largest resident set of any child process waited for so far, in KiB (getrusage).
long PeakChildRssKib();

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
  long peak_rss_kib = 0;    // of the largest Sluice process
  std::string detail;       // the faults by kind, free text
};
void Report(const Figures& figures);

}  // namespace sluice::faults
