// `sluice validate` and `sluice schema` as a user runs them: a good file is one "ok" line and exit
// 0; a bad one is every error, one a line with file:line:column and option path, and exit 2,
// never quoting a secret. Neither connects anywhere (the loopback guard would fail the test, and
// the PostgreSQL URL given points at a closed port).
#include <gtest/gtest.h>

#include <sstream>
#include <tuple>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

constexpr const char* kClosedPort = "postgresql://validate:pw-not-shown@127.0.0.1:1/none";

std::vector<std::string> LinesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

TEST(PipelineValidate, AGoodFileIsOneOkLine) {
  const std::string path = WriteTempFile("logins.yaml", R"(# queue -> mask -> PostgreSQL
source:
  sqs: {queue: logins, receivers: 4}
transforms:
  - mask: {key-file: /secure/logins.key, mask: siv}
sink:
  logins-postgres:
    pg: ${SLUICE_PG_URL}
    table: ${LOGINS_TABLE:-user_logins}
)");
  RunResult r = RunSluice({"validate", path}, kClosedPort);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, path + ": ok (source sqs, 1 transform, sink logins-postgres)\n");
  EXPECT_EQ(r.err, "");

  const std::string job =
      WriteTempFile("load.yaml", "job:\n  warehouse-load: {model: movie, files: [movies.csv]}\n");
  RunResult j = RunSluice({"validate", job}, kClosedPort);
  EXPECT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out, job + ": ok (job warehouse-load)\n");
}

TEST(PipelineValidate, ABadFileIsEveryErrorAndExit2) {
  const std::string path = WriteTempFile("bad.yaml", R"(source:
  sqs: {queue: logins, recievers: 4}
transforms:
  - mask: {mask: rot13}
  - logins-postgres: {}
sink:
  logins-postgres:
    pg: postgresql://app:hunter22@db.internal/app
    batch-size: 0
    batch-size: 10
)");
  RunResult r = RunSluice({"validate", path}, kClosedPort);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(LinesOf(r.err),
            (std::vector<std::string>{
                path + ":2:24: source.sqs.recievers: unknown option (did you mean receivers?)",
                path + ":4:18: transforms[0].mask.mask: 'rot13' is not one of siv, hmac",
                path + ":5:5: transforms[1]: 'logins-postgres' is a sink, not a transform",
                path + ":8:9: sink.logins-postgres.pg: a secret: give it as ${SLUICE_PG_URL} (an "
                       "environment variable), never inline",
                path + ":9:17: sink.logins-postgres.batch-size: 0 is out of range: 1 to 100000",
                path + ":10:5: 'batch-size' is given twice (first at line 9, column 5)",
            }));
  EXPECT_EQ(r.err.find("hunter22"), std::string::npos);
  EXPECT_EQ(r.err.find("pw-not-shown"), std::string::npos);
}

TEST(PipelineValidate, UnreadableTooBigAndMissingArgumentsAreExit2) {
  RunResult missing = RunSluice({"validate", "/nonexistent/p.yaml"}, "");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "/nonexistent/p.yaml: cannot read: No such file or directory\n");
  const std::string big = WriteTempFile("big.yaml", std::string(10 << 20, '#'));
  RunResult too_big = RunSluice({"validate", big}, "");
  EXPECT_EQ(too_big.exit_code, 2);
  EXPECT_EQ(too_big.err, big + ": larger than 1 MiB: a pipeline file is at most 1,048,576 bytes\n");
  EXPECT_EQ(RunSluice({"validate"}, "").exit_code, 2);
}

TEST(PipelineValidate, SchemaIsOneJsonObject) {
  RunResult r = RunSluice({"schema"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(R"({"$schema":"https://json-schema.org/draft/2020-12/schema",)", 0), 0u)
      << r.out.substr(0, 200);
  EXPECT_NE(r.out.find(R"("logins-postgres":{)"), std::string::npos);
}

// Values run would refuse are refused by validate too, each at its own line and column with its
// option path and the rule's own words, and run refuses the same file the same way (exit 2,
// nothing connected to: the PostgreSQL URL points at a closed port).
TEST(PipelineValidate, ValuesRunWouldRefuseAreErrorsAtTheirPlace) {
  const std::string path = WriteTempFile("shapes.yaml", R"(source:
  sqs: {queue: "", receivers: 1e30}
transforms:
  - mask: {key-file: /secure/logins.key}
sink:
  logins-postgres:
    pg: ${SLUICE_PG_URL}
    table: x.y
settings:
  metrics-listen: http://127.0.0.1:9000
)");
  const std::vector<std::string> expected = {
      path + ":2:16: source.sqs.queue: SQS queue names are 1 to 80 characters",
      path +
          ":2:31: source.sqs.receivers: '1e30' is in exponent form: write a whole number in "
          "digits, 1 to 64",
      path +
          ":8:12: sink.logins-postgres.table: is not a plain lower-case name: a lower-case "
          "letter or '_', then lower-case letters, digits or '_' (so SQL can name it without "
          "quotes)",
      path +
          ":10:19: settings.metrics-listen: is a URL (http://...): give the address alone, "
          "without a scheme or a path (expected host:port, e.g. 127.0.0.1:8080)",
  };
  RunResult v = RunSluice({"validate", path}, kClosedPort);
  EXPECT_EQ(v.exit_code, 2) << v.err;
  EXPECT_EQ(LinesOf(v.err), expected);
  RunResult r = RunSluice({"run", path}, kClosedPort);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(LinesOf(r.err), expected);

  // One value at a time, so each rule speaks for itself.
  struct Case {
    std::string sink_table, listen, want;
  };
  for (const Case& c : std::vector<Case>{
           {std::string(64, 't'), ":0",
            ":8:12: sink.postgres-table.table: is 64 bytes; at most 63 (PostgreSQL keeps 63 of a "
            "name)"},
           {"pg_signups", ":0",
            ":8:12: sink.postgres-table.table: begins with pg_, the prefix of PostgreSQL's system "
            "catalogs, which an unqualified name resolves to first; choose another name"},
           {"\"Signups\"", ":0",
            ":8:12: sink.postgres-table.table: is not a plain lower-case name"},
           {"signups", "nonsense",
            ":10:19: settings.metrics-listen: has no port (expected host:port, e.g. "
            "127.0.0.1:8080)"},
           {"signups", "127.0.0.1:99999",
            ":10:19: settings.metrics-listen: the port is not a number from 0 to 65535"},
       }) {
    const std::string file = WriteTempFile("one.yaml", R"(source:
  sqs: {queue: signups}
transforms:
  - validate: {schema: )" + std::string(SLUICE_TESTS_DIR) +
                                                           R"(/../examples/signups-schema.yaml}
  - mask: {key-file: /secure/signups.key, fields: [email]}
sink:
  postgres-table:
    table: )" + c.sink_table + R"(
settings:
  metrics-listen: )" + c.listen + "\n");
    RunResult one = RunSluice({"validate", file}, kClosedPort);
    EXPECT_EQ(one.exit_code, 2) << one.err;
    EXPECT_EQ(one.err.rfind(file + c.want, 0), 0u) << one.err;
    EXPECT_EQ(LinesOf(one.err).size(), 1u) << one.err;
  }
}

// An sslmode libpq can never take is bad usage where it is given, not a failure to connect; the
// URL and its password are never shown.
TEST(PipelineValidate, ABadSslmodeIsUsage) {
  const std::string bad = "postgresql://validate:pw-not-shown@127.0.0.1:1/none?sslmode=bogus";
  const std::string path = WriteTempFile("ssl.yaml",
                                         "source: {sqs: {queue: q}}\nsink: {logins-postgres: {pg: "
                                         "'${SLUICE_PG_URL}'}}\n");
  RunResult v = RunSluice({"validate", path}, bad);
  EXPECT_EQ(v.exit_code, 2) << v.err;
  EXPECT_EQ(v.err, path +
                       ":2:30: sink.logins-postgres.pg: the PostgreSQL URL's sslmode 'bogus' "
                       "is not one of disable, allow, prefer, require, verify-ca, verify-full\n");
  RunResult cli = RunSluice({"logins", "run", "--key-file", "/nonexistent.key"}, bad);
  EXPECT_EQ(cli.exit_code, 2) << cli.err;
  EXPECT_NE(cli.err.find("--pg: the PostgreSQL URL's sslmode 'bogus' is not one of"),
            std::string::npos)
      << cli.err;
  EXPECT_EQ(cli.err.find("pw-not-shown"), std::string::npos) << cli.err;
  EXPECT_EQ(v.err.find("pw-not-shown"), std::string::npos) << v.err;
}

// The command line's binder runs the same checks, naming the flag.
TEST(PipelineValidate, TheCommandLineRefusesTheSameValues) {
  for (const auto& [flag, value, want] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--metrics-listen", "http://127.0.0.1:9000", "--metrics-listen: is a URL (http://...)"},
           {"--table", "x.y", "--table: is not a plain lower-case name"},
           {"--queue", "", "--queue: SQS queue names are 1 to 80 characters"},
           {"--receivers", "1e30", "--receivers: Value 1e30 not in range 1 to 64"},
       }) {
    RunResult r = RunSluice({"logins", "run", flag, value}, kClosedPort);
    EXPECT_EQ(r.exit_code, 2) << flag << ": " << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cannot connect"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sluice
