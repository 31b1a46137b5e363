#include "faults/scenario.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sluice::faults {

bool LongRun() {
  const char* value = std::getenv("SLUICE_FAULTS_LONG");
  return value && std::string(value) == "1";
}

bool PgHostPort(const std::string& url, std::string* host, int* port) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  size_t begin = scheme + 3;
  const size_t end = url.find_first_of("/?", begin);
  const size_t at = url.rfind('@', end);
  if (at != std::string::npos && at >= begin) begin = at + 1;
  const std::string authority = url.substr(begin, end - begin);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = authority.substr(0, colon);
  *port = std::atoi(authority.c_str() + colon + 1);
  return *port > 0;
}

std::string WithAddress(const std::string& url, const std::string& address) {
  std::string host;
  int port = 0;
  if (!PgHostPort(url, &host, &port)) return url;
  const std::string old = host + ":" + std::to_string(port);
  std::string out = url;
  out.replace(out.find(old, url.find("://")), old.size(), address);
  return out;
}

long PeakChildRssKib() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

void Report(const Figures& f) {
  std::ostringstream line;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", f.seconds);
  line << "figures: scenario=" << f.scenario << (LongRun() ? " size=long" : " size=short")
       << " in=" << f.in << " faults=" << f.faults << " kills=" << f.kills << " lost=" << f.lost
       << " duplicated=" << f.duplicated << " seconds=" << seconds
       << " peak_rss_mib=" << f.peak_rss_kib / 1024 << " (" << f.detail << ")";
  std::cout << line.str() << std::endl;
  if (const char* path = std::getenv("SLUICE_FAULTS_FIGURES"); path && *path) {
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    std::ofstream(path, std::ios::app)
        << date << " " << host << " nproc=" << sysconf(_SC_NPROCESSORS_ONLN) << " " << line.str()
        << "\n";
  }
}

}  // namespace sluice::faults
