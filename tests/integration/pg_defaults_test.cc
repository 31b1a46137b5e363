// PostgreSQL reached with no --pg and no SLUICE_PG_URL: libpq's own defaults, as psql takes them
// (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ~/.pgpass, PGSERVICE with a service file).
// Each test runs a real `sluice warehouse load` and counts the rows that arrived. The password
// tests use a private server that asks for passwords (scram-sha-256 over TCP), so a connection
// only succeeds when libpq really found and sent the password; none of them may print it.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "faults/private_postgres.h"
#include "support/scoped_environment.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

// Sets (or, for nullopt, unsets) environment variables for one test; the spawned sluice inherits
// them. Restores what was there before, so other tests in the process see the same environment.
// Every libpq variable a developer's shell may hold: cleared first, so only the test's count.
constexpr const char* kPgDefaultsVariables[] = {
    "PGHOST",     "PGHOSTADDR", "PGPORT",        "PGUSER",    "PGDATABASE", "PGPASSWORD",
    "PGPASSFILE", "PGSERVICE",  "PGSERVICEFILE", "PGOPTIONS", "PGSSLMODE",  "SLUICE_PG_URL"};

class PgDefaultsEnv {
 public:
  explicit PgDefaultsEnv(const std::map<std::string, std::optional<std::string>>& values) {
    env_.Clear(kPgDefaultsVariables);
    for (const auto& [name, value] : values) {
      if (value) {
        env_.Set(name, *value);
      } else {
        env_.Unset(name);
      }
    }
  }

 private:
  testing::ScopedEnvironment env_;
};

// A fresh empty directory to serve as HOME, so no ~/.pgpass or ~/.pg_service.conf of the
// developer's is read.
std::string PgDefaultsHome() {
  const std::string dir = WriteTempFile("home", "") + ".d";
  std::filesystem::create_directories(dir);
  return dir;
}

std::string PgDefaultsMoviesCsv() {
  return WriteTempFile("movies.csv",
                       "title,duration_mins,original_language,size_mb\n"
                       "Heat,170,English,9\nRan,162,Japanese,12\n");
}

// libpq's reading of a URL: keyword -> value, for the keywords that have one.
std::map<std::string, std::string> PgDefaultsParse(const std::string& url) {
  std::map<std::string, std::string> out;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (error) PQfreemem(error);
  for (PQconninfoOption* o = options; o && o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

// The shared local server, reached through PG* variables alone (what `scripts/services env`
// gives as SLUICE_PG_URL, taken apart), into this test's schema through PGOPTIONS.
class PgDefaultsShared : public testing::PgTest {};

TEST_F(PgDefaultsShared, PgVariablesAloneReachTheServer) {
  std::map<std::string, std::string> base = PgDefaultsParse(testing::BasePgUrl());
  ASSERT_TRUE(base.count("host") && base.count("port")) << "SLUICE_PG_URL names no host:port";
  const std::string schema = Scalar("SELECT current_schema()");
  const std::string csv = PgDefaultsMoviesCsv();
  PgDefaultsEnv env({{"HOME", PgDefaultsHome()},
                     {"PGHOST", base["host"]},
                     {"PGPORT", base["port"]},
                     {"PGUSER", base["user"]},
                     {"PGDATABASE", base["dbname"]},
                     {"PGOPTIONS", "-c search_path=" + schema}});
  if (base.count("password")) ::setenv("PGPASSWORD", base["password"].c_str(), 1);
  RunResult load = RunSluice({"warehouse", "load", "--model", "movie", csv}, "");
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "2");
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM movies"), "Heat,Ran");

  // The check says where libpq went, from its defaults.
  RunResult check = RunSluice({"check", "warehouse"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("libpq defaults: host=" + base["host"] + " port=" + base["port"]),
            std::string::npos)
      << check.out;
}

TEST_F(PgDefaultsShared, APipelineFileWithoutPgUsesThemToo) {
  std::map<std::string, std::string> base = PgDefaultsParse(testing::BasePgUrl());
  const std::string pipeline =
      WriteTempFile("no_pg.yaml", "job:\n  warehouse-load: {model: movie, files: [\"" +
                                      PgDefaultsMoviesCsv() + "\"]}\n");
  PgDefaultsEnv env({{"HOME", PgDefaultsHome()},
                     {"PGHOST", base["host"]},
                     {"PGPORT", base["port"]},
                     {"PGUSER", base["user"]},
                     {"PGDATABASE", base["dbname"]},
                     {"PGOPTIONS", "-c search_path=" + Scalar("SELECT current_schema()")}});
  if (base.count("password")) ::setenv("PGPASSWORD", base["password"].c_str(), 1);
  RunResult validate = RunSluice({"validate", pipeline}, "");
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
  RunResult run = RunSluice({"run", pipeline}, "");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "2");
}

TEST_F(PgDefaultsShared, AnExplicitUrlStillWins) {
  // PG* variables pointing nowhere change nothing when a URL is given.
  PgDefaultsEnv env({{"HOME", PgDefaultsHome()},
                     {"PGHOST", "127.0.0.1"},
                     {"PGPORT", std::to_string(testing::FreeLoopbackPort())}});
  RunResult load =
      RunSluice({"warehouse", "load", "--model", "movie", PgDefaultsMoviesCsv()}, url());
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "2");
}

TEST(PgDefaultsNowhere, TheErrorNamesWhatLibpqTried) {
  const std::string port = std::to_string(testing::FreeLoopbackPort());
  PgDefaultsEnv env({{"HOME", PgDefaultsHome()},
                     {"PGHOST", "127.0.0.1"},
                     {"PGPORT", port},
                     {"PGUSER", "nobody_here"},
                     {"PGDATABASE", "no_such_db"},
                     {"PGPASSWORD", "Env-Secret-Pw-4411"}});
  RunResult r = RunSluice({"warehouse", "init"}, "");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot connect to PostgreSQL with libpq's defaults (host=127.0.0.1 port=" +
                       port + " user=nobody_here dbname=no_such_db; no --pg or SLUICE_PG_URL"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("Env-Secret-Pw-4411"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Env-Secret-Pw-4411"), std::string::npos) << r.out;
}

// A private server whose TCP connections must give their password (scram-sha-256), with a role
// `loader` owning database `loads`.
class PgDefaultsPassword : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "Pg-Defaults-Secret-7781";

  static void SetUpTestSuite() {
    server_ = new faults::PrivatePostgres();
    std::string error;
    if (!server_->Start(&error)) {
      setup_error_ = error;
      return;
    }
    auto admin = PgConnection::Connect(server_->url());
    if (!admin.ok()) {
      setup_error_ = admin.status().message();
      return;
    }
    for (const std::string& sql :
         {std::string("CREATE ROLE loader LOGIN PASSWORD '") + kPassword + "'",
          std::string("CREATE DATABASE loads OWNER loader")}) {
      Status st = (*admin)->Exec(sql, "setting up the private server");
      if (!st.ok()) {
        setup_error_ = st.message();
        return;
      }
    }
    // From now on a TCP connection needs the password; the socket stays trusted.
    std::ofstream(server_->directory() + "/data/pg_hba.conf", std::ios::trunc)
        << "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n";
    Status reloaded = (*admin)->Exec("SELECT pg_reload_conf()", "reloading pg_hba.conf");
    if (!reloaded.ok()) setup_error_ = reloaded.message();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (!setup_error_.empty()) {
      if (testing::ServicesRequired()) FAIL() << setup_error_;
      GTEST_SKIP() << setup_error_;
    }
  }

  static std::string Port() { return std::to_string(server_->port()); }
  // The rows of movies in `loads`, read with the password in the URL.
  static std::string LoadedMovies() {
    auto conn = PgConnection::Connect("postgresql://loader:" + std::string(kPassword) +
                                      "@127.0.0.1:" + Port() + "/loads");
    if (!conn.ok()) return "cannot connect: " + conn.status().message();
    auto rows = (*conn)->Query("SELECT string_agg(title, ',' ORDER BY title) FROM movies", "read");
    if (!rows.ok()) return rows.status().message();
    return std::string(rows->Value(0, 0));
  }
  static void ExpectNoPassword(const RunResult& r) {
    EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
  }

  static faults::PrivatePostgres* server_;
  static std::string setup_error_;
};

faults::PrivatePostgres* PgDefaultsPassword::server_ = nullptr;
std::string PgDefaultsPassword::setup_error_;

TEST_F(PgDefaultsPassword, AWrongPasswordIsRefusedAndNeverShown) {
  PgDefaultsEnv env({{"HOME", PgDefaultsHome()},
                     {"PGHOST", "127.0.0.1"},
                     {"PGPORT", Port()},
                     {"PGUSER", "loader"},
                     {"PGDATABASE", "loads"},
                     {"PGPASSWORD", "Wrong-Secret-Pw-5150"}});
  RunResult r = RunSluice({"warehouse", "load", "--model", "movie", PgDefaultsMoviesCsv()}, "");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("host=127.0.0.1 port=" + Port() + " user=loader dbname=loads"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Wrong-Secret-Pw-5150"), std::string::npos) << r.err;
  ExpectNoPassword(r);
}

TEST_F(PgDefaultsPassword, PgPasswordIsUsedAndNeverShown) {
  PgDefaultsEnv env({{"HOME", PgDefaultsHome()},
                     {"PGHOST", "127.0.0.1"},
                     {"PGPORT", Port()},
                     {"PGUSER", "loader"},
                     {"PGDATABASE", "loads"},
                     {"PGPASSWORD", kPassword}});
  RunResult r = RunSluice(
      {"--log-level", "debug", "warehouse", "load", "--model", "movie", PgDefaultsMoviesCsv()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LoadedMovies(), "Heat,Ran");
  ExpectNoPassword(r);
}

TEST_F(PgDefaultsPassword, PgpassInHomeIsUsedAndNeverShown) {
  const std::string home = PgDefaultsHome();
  const std::string pgpass = home + "/.pgpass";
  std::ofstream(pgpass) << "127.0.0.1:" << Port() << ":loads:loader:" << kPassword << "\n";
  ::chmod(pgpass.c_str(), 0600);  // libpq ignores a password file others can read
  PgDefaultsEnv env({{"HOME", home},
                     {"PGHOST", "127.0.0.1"},
                     {"PGPORT", Port()},
                     {"PGUSER", "loader"},
                     {"PGDATABASE", "loads"}});
  RunResult r = RunSluice({"warehouse", "load", "--model", "movie", PgDefaultsMoviesCsv()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LoadedMovies(), "Heat,Ran");
  ExpectNoPassword(r);
  RunResult check = RunSluice({"check", "warehouse", "--json"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("user=loader dbname=loads"), std::string::npos) << check.out;
  ExpectNoPassword(check);
}

TEST_F(PgDefaultsPassword, AServiceFileIsUsedAndItsPasswordNeverShown) {
  const std::string services = WriteTempFile("pg_service.conf", "");
  std::ofstream(services) << "[sluice-loads]\nhost=127.0.0.1\nport=" << Port()
                          << "\nuser=loader\ndbname=loads\npassword=" << kPassword << "\n";
  PgDefaultsEnv env(
      {{"HOME", PgDefaultsHome()}, {"PGSERVICEFILE", services}, {"PGSERVICE", "sluice-loads"}});
  RunResult r = RunSluice({"warehouse", "load", "--model", "movie", PgDefaultsMoviesCsv()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LoadedMovies(), "Heat,Ran");
  ExpectNoPassword(r);
  RunResult check = RunSluice({"check", "warehouse"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("service=sluice-loads"), std::string::npos) << check.out;
  ExpectNoPassword(check);
}

}  // namespace
}  // namespace sluice
