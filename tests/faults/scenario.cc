#include "faults/scenario.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
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

long ProcStatusKib(int pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':')
      return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

PeakRssSampler::PeakRssSampler(std::chrono::milliseconds every)
    : every_(every), thread_([this] { Loop(); }) {}

PeakRssSampler::~PeakRssSampler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeakRssSampler::Watch(int pid) {
  if (pid <= 0) return;
  std::lock_guard lock(mu_);
  pids_.insert(pid);
  Sample(pid);
}

void PeakRssSampler::SampleNow(int pid) {
  std::lock_guard lock(mu_);
  if (pids_.count(pid)) Sample(pid);
}

long PeakRssSampler::peak_kib() const {
  std::lock_guard lock(mu_);
  return peak_kib_;
}

void PeakRssSampler::Sample(int pid) {
  // PPid and VmHWM from one read, so a pid reused by another process is never counted.
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  long hwm_kib = 0, ppid = -1;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("PPid:", 0) == 0) ppid = std::atol(line.c_str() + 5);
    if (line.rfind("VmHWM:", 0) == 0) hwm_kib = std::atol(line.c_str() + 6);
  }
  if (ppid != getpid() || hwm_kib == 0) {
    pids_.erase(pid);
    return;
  }
  peak_kib_ = std::max(peak_kib_, hwm_kib);
}

void PeakRssSampler::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, every_, [this] { return stop_; });
    const std::vector<int> pids(pids_.begin(), pids_.end());
    for (int pid : pids)
      Sample(pid);
  }
}

sluice::testing::RunResult RunSluiceSampled(const std::vector<std::string>& args,
                                            const std::string& pg_url, PeakRssSampler* sampler) {
  std::string base;
  const int pid = sluice::testing::SpawnSluice(args, pg_url, &base);
  sluice::testing::RunResult run;
  if (pid <= 0) return run;
  sampler->Watch(pid);
  run.exit_code = sluice::testing::WaitProcess(pid);
  for (auto [suffix, text] : {std::pair{".out", &run.out}, std::pair{".err", &run.err}}) {
    std::ifstream in(base + suffix);
    *text = std::string(std::istreambuf_iterator<char>(in), {});
    std::remove((base + suffix).c_str());
  }
  return run;
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
