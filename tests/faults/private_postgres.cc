#include "faults/private_postgres.h"

#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/test_env.h"

extern char** environ;

namespace sluice::faults {
namespace private_postgres {
namespace {

namespace fs = std::filesystem;

// The newest /usr/lib/postgresql/N/bin holding initdb (Debian's layout), else the directory of
// an initdb on PATH; empty when neither exists.
std::string FindServerPrograms() {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(entry.path() / "bin" / "initdb")) found.push_back(entry.path() / "bin");
  }
  // Versions compare as numbers: 9 is older than 15.
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::atoi(a.parent_path().filename().c_str()) <
           std::atoi(b.parent_path().filename().c_str());
  });
  if (!found.empty()) return found.back().string();
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
  }
  return "";
}

std::string ReadTail(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

}  // namespace
}  // namespace private_postgres

PrivatePostgres::~PrivatePostgres() {
  std::string ignored;
  Stop(&ignored);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PrivatePostgres::url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PrivatePostgres::LogTail(const std::string& name) const {
  return private_postgres::ReadTail(dir_ + "/" + name, 2000);
}

bool PrivatePostgres::Run(const std::string& program, const std::vector<std::string>& args,
                          std::string* error) {
  static int counter = 0;
  const std::string status_path = dir_ + "/status-" + std::to_string(++counter);
  // `setsid -f` forks and its first process exits at once: the one the test waits for is
  // tiny, and the command itself is never this process's child (see the header).
  std::vector<std::string> argv = {
      "setsid",
      "-f",
      "sh",
      "-c",
      "log=$1 status=$2; shift 2; \"$@\" >> \"$log\" 2>&1; echo $? > \"$status.tmp\"; "
      "mv \"$status.tmp\" \"$status\"",
      "sh",
      dir_ + "/commands.log",
      status_path};
  if (geteuid() == 0) argv.insert(argv.end(), {"runuser", "-u", "postgres", "--"});
  argv.push_back(bin_ + "/" + program);
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  for (std::string& a : argv)
    pointers.push_back(a.data());
  pointers.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, "setsid", nullptr, nullptr, pointers.data(), environ) != 0) {
    *error = "could not start setsid (util-linux) to run " + program;
    return false;
  }
  int wait_status = 0;
  waitpid(pid, &wait_status, 0);
  // pg_ctl's own waits are at most 60 s (-t 60); initdb takes a few seconds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (!std::filesystem::exists(status_path)) {
    if (std::chrono::steady_clock::now() > deadline) {
      *error = program + " did not finish within 90 s; its output: " + LogTail("commands.log");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::ifstream in(status_path);
  int exit_code = -1;
  in >> exit_code;
  std::remove(status_path.c_str());
  if (exit_code == 0) return true;
  *error = program + " exited " + std::to_string(exit_code) +
           "; its output: " + LogTail("commands.log") + "; server log: " + LogTail("server.log");
  return false;
}

bool PrivatePostgres::Start(std::string* error) {
  bin_ = private_postgres::FindServerPrograms();
  if (bin_.empty()) {
    *error = "PostgreSQL's server programs (initdb, pg_ctl) are not installed (scripts/deps)";
    return false;
  }
  std::string templ =
      (std::filesystem::temp_directory_path() / "sluice-private-pg-XXXXXX").string();
  if (!mkdtemp(templ.data())) {
    *error = "could not make a directory for the private PostgreSQL";
    return false;
  }
  dir_ = templ;
  if (geteuid() == 0) {
    const passwd* owner = getpwnam("postgres");
    if (!owner || chown(dir_.c_str(), owner->pw_uid, owner->pw_gid) != 0) {
      *error = "running as root, but there is no postgres user to own " + dir_;
      return false;
    }
  }
  // The port is free when picked; nothing else on this machine picks ports from the same
  // kernel range and binds them this quickly, so the window is harmless.
  const int fd = sluice::testing::ListenOnLoopback(&port_);
  if (fd >= 0) close(fd);
  if (port_ == 0) {
    *error = "no free loopback port";
    return false;
  }
  if (!Run("initdb",
           {"-D", dir_ + "/data", "--auth=trust", "-U", "postgres", "--encoding=UTF8",
            "--locale=C.UTF-8", "--no-sync"},
           error)) {
    return false;
  }
  const std::string options = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
                              " -c unix_socket_directories=" + dir_ + " -c fsync=off";
  if (!Run("pg_ctl",
           {"-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "-o", options,
            "start"},
           error)) {
    return false;
  }
  running_ = true;
  return true;
}

bool PrivatePostgres::Restart(std::string* error) {
  const auto began = std::chrono::steady_clock::now();
  // pg_ctl restart starts the server with the options it was last started with
  // (data/postmaster.opts): the same port and socket directory.
  const bool ok = Run(
      "pg_ctl",
      {"-D", dir_ + "/data", "-l", dir_ + "/server.log", "-m", "fast", "-w", "-t", "60", "restart"},
      error);
  last_outage_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  // Even a failed restart may have left a server running: the destructor still stops it.
  if (ok) ++restarts_;
  return ok;
}

bool PrivatePostgres::Stop(std::string* error) {
  if (!running_) return true;
  running_ = false;
  return Run("pg_ctl", {"-D", dir_ + "/data", "-m", "fast", "-w", "-t", "60", "stop"}, error);
}

}  // namespace sluice::faults
