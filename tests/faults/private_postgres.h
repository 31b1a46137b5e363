// A PostgreSQL server of a test's own, for the fault scenarios that restart the database for
// real rather than through the proxy (docs/reliability.md): a cluster made by initdb in a new
// temporary directory, started by pg_ctl on a free loopback port (its socket in that directory,
// trust authentication for user `postgres`), stopped and removed by the destructor. It favours
// speed over durability (fsync=off): a test's data must survive a restart, not a power cut.
//
// As root, every command runs as the `postgres` user, which owns the directory (initdb and
// postgres refuse to run as root). The commands run detached from the test process (through
// `setsid -f`), so the test never waits for them. (That kept initdb's 50 MiB bootstrap out of
// getrusage(RUSAGE_CHILDREN) when the scenarios measured peak memory so; they now read each
// Sluice process's VmHWM, scenario.h.)
//
// Not thread-safe: one thread starts, restarts and stops it. Its URL may be used anywhere.
#pragma once

#include <string>
#include <vector>

namespace sluice::faults {

class PrivatePostgres {
 public:
  PrivatePostgres() = default;
  // Stops the server (fast) if it runs, and removes its directory.
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // Finds the server's programs (the newest /usr/lib/postgresql/*/bin, else initdb on PATH),
  // makes the cluster and starts it. False, with `*error` saying why (with the end of the
  // server's or initdb's log), when PostgreSQL is not installed or does not start within 60 s.
  bool Start(std::string* error);

  // `pg_ctl restart -m fast`: the server ends every session (each client's next use of its
  // connection fails: "terminating connection due to administrator command", or the server
  // closed the connection), shuts down cleanly, and starts again on the same port. Returns once
  // it accepts connections again; `last_outage_seconds()` is how long that took.
  bool Restart(std::string* error);

  // `pg_ctl stop -m fast`; true when it stopped (or was not running).
  bool Stop(std::string* error);

  // postgresql://postgres@127.0.0.1:PORT/postgres (no password: trust authentication).
  std::string url() const;
  int port() const { return port_; }
  // The cluster's directory: data/ and the server's log, server.log.
  const std::string& directory() const { return dir_; }
  int restarts() const { return restarts_; }
  double last_outage_seconds() const { return last_outage_seconds_; }

 private:
  // Runs one of the server's programs with `args` as the cluster's owner; its output goes to
  // commands.log in the directory. False (with the log's end in `*error`) unless it exits 0.
  bool Run(const std::string& program, const std::vector<std::string>& args, std::string* error);
  std::string LogTail(const std::string& name) const;

  std::string bin_;  // the directory of initdb, pg_ctl and postgres
  std::string dir_;
  int port_ = 0;
  bool running_ = false;
  int restarts_ = 0;
  double last_outage_seconds_ = 0;
};

}  // namespace sluice::faults
