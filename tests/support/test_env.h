// What integration and conformance tests need from their surroundings: a PostgreSQL schema of
// their own, the reference data in ../shared, and a way to run the sluice binary.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "support/shared_dir.h"

namespace sluice::testing {

// The PostgreSQL URL from SLUICE_PG_URL, or empty when the services are not running.
std::string BasePgUrl();

// Gives each test a fresh schema, dropped afterwards. Skips the test when no PostgreSQL is
// configured, unless SLUICE_REQUIRE_SERVICES=1 (as `make test` sets), where that fails it.
class PgTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A URL whose search_path is the test's schema.
  const std::string& url() const { return url_; }
  PgConnection& conn() { return *conn_; }
  // The first column of the first row of a query, as text ("" for null).
  std::string Scalar(const std::string& sql);

 private:
  std::string schema_;
  std::string url_;
  std::unique_ptr<PgConnection> conn_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs build/sluice with `args` (no shell involved in quoting) and SLUICE_PG_URL set to `pg_url`.
RunResult RunSluice(const std::vector<std::string>& args, const std::string& pg_url);

// Starts build/sluice with `args` in the background, its output discarded into files of the
// scratch folder; returns its pid (or -1).
int SpawnSluice(const std::vector<std::string>& args, const std::string& pg_url);
// The same, keeping its standard output and error in `*output_base` + ".out" and ".err".
int SpawnSluice(const std::vector<std::string>& args, const std::string& pg_url,
                std::string* output_base);
// Waits for a spawned process; returns its exit code, or 128 + the signal that ended it.
int WaitProcess(int pid);
// A socket listening on 127.0.0.1 at a port the kernel picked, written to `*port`; -1 (and
// `*port` 0) when it cannot be made. The kernel accepts connections into its backlog whether or
// not anyone calls accept(): with nobody reading, it is a server that never answers.
int ListenOnLoopback(int* port);
// Reads from the socket `fd` until it has the whole head of an HTTP message, the blank line
// that ends its header fields included (RFC 9112 §2.1), and returns what it read: the head, and
// any body bytes that came with it. Returns early, with what it has, at end of stream or on an
// error; for loopback servers of tests' own, whose peers send small heads.
std::string ReadHttpHead(int fd);
// Sends all of `data` on the socket `fd`, without SIGPIPE; false if the peer went away first.
bool SendAll(int fd, std::string_view data);
// A loopback port nothing listens on now (the kernel's pick, the socket closed again), for a
// server a test starts; 0 when none could be had. Another process may take it before the
// server binds it: a test that cannot tolerate that listens itself (ListenOnLoopback).
int FreeLoopbackPort();
// Waits until a spawned process has a handler for `signal` (its SigCgt in /proc/PID/status),
// so that the signal tests its handling rather than racing its start-up. False if it did not
// within `timeout`, or ended first.
bool WaitUntilCatching(int pid, int signal, std::chrono::milliseconds timeout);

// Whether the S3/SQS endpoint is configured; otherwise the test is skipped, or failed under
// SLUICE_REQUIRE_SERVICES=1, by the caller through RequireAws().
bool HaveAws();
#define SLUICE_REQUIRE_AWS()                                                              \
  do {                                                                                    \
    if (!::sluice::testing::HaveAws()) {                                                  \
      if (::sluice::testing::ServicesRequired()) FAIL() << "AWS_ENDPOINT_URL is not set"; \
      GTEST_SKIP() << "no S3/SQS endpoint: set AWS_ENDPOINT_URL (scripts/services up)";   \
    }                                                                                     \
  } while (0)
bool ServicesRequired();

// A name no other test or test process uses: prefix plus pid and a counter.
std::string UniqueName(const std::string& prefix);

// Writes `text` to a new file in the test's temporary directory and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

// The project's examples/ folder, ending in '/'.
std::string ExamplesDir();

}  // namespace sluice::testing
