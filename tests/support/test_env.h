// What integration and conformance tests need from their surroundings: a PostgreSQL schema of
// their own, the reference data in ../shared, and a way to run the sluice binary.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
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

// Writes `text` to a new file in the test's temporary directory and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

}  // namespace sluice::testing
