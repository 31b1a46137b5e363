// `sluice validate` and `sluice schema` as a user runs them: a good file is one "ok" line and exit
// 0; a bad one is every error, one a line with file:line:column and option path, and exit 2,
// never quoting a secret. Neither connects anywhere (the loopback guard would fail the test, and
// the PostgreSQL URL given points at a closed port).
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <tuple>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

constexpr const char* kClosedPort = "postgresql://validate:pw-not-shown@127.0.0.1:1/none";

// A key file of the form `sluice logins keygen` writes (validate reads the one a mask names);
// the key is all zero bytes, for tests only.
std::string KeyFile() {
  const std::string path = WriteTempFile("validate.key", "k1:" + std::string(86, 'A') + "==\n");
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path;
}

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
  - mask: {key-file: )" + KeyFile() + R"(, mask: siv}
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
      path + ":4:22: transforms[0].mask.key-file: no such file: /secure/logins.key",
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
  - mask: {key-file: )" + KeyFile() + R"(, fields: [email]}
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
  const std::string path = WriteTempFile(
      "ssl.yaml", "source: {sqs: {queue: q}}\ntransforms: [mask: {key-file: " + KeyFile() +
                      "}]\nsink: {logins-postgres: {pg: "
                      "'${SLUICE_PG_URL}'}}\n");
  RunResult v = RunSluice({"validate", path}, bad);
  EXPECT_EQ(v.exit_code, 2) << v.err;
  EXPECT_EQ(v.err, path +
                       ":3:30: sink.logins-postgres.pg: the PostgreSQL URL's sslmode 'bogus' "
                       "is not one of disable, allow, prefer, require, verify-ca, verify-full\n");
  RunResult cli = RunSluice({"logins", "run", "--key-file", "/nonexistent.key"}, bad);
  EXPECT_EQ(cli.exit_code, 2) << cli.err;
  EXPECT_NE(cli.err.find("--pg: the PostgreSQL URL's sslmode 'bogus' is not one of"),
            std::string::npos)
      << cli.err;
  EXPECT_EQ(cli.err.find("pw-not-shown"), std::string::npos) << cli.err;
  EXPECT_EQ(v.err.find("pw-not-shown"), std::string::npos) << v.err;
}

// `validate` says a value is wrong where it stands, with the option's path, and exits 2; `run`
// refuses the same file with the same line before it starts anything. `where` is
// ":LINE:COLUMN: PATH: ", `says` a part of the message after it.
void ExpectRefusedAt(const std::string& yaml, const std::string& where, const std::string& says) {
  const std::string file = WriteTempFile("refused.yaml", yaml);
  for (const char* command : {"validate", "run"}) {
    RunResult r = RunSluice({command, file}, kClosedPort);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << yaml << r.err;
    bool found = false;
    for (const std::string& line : LinesOf(r.err)) {
      found = found || (line.rfind(file + where, 0) == 0 && line.find(says) != std::string::npos);
    }
    EXPECT_TRUE(found) << command << ": want " << where << says << "\n" << yaml << r.err;
    EXPECT_EQ(r.err.find("pw-not-shown"), std::string::npos) << r.err;
  }
}

TEST(PipelineValidate, LakeBuildLocationsAndPathsAreCheckedWhereGiven) {
  for (const std::string& location : std::vector<std::string>{"ftp://x/", "s3://", "s3://UPPER/x/",
                                                              "relative/dir", "file://relative"}) {
    ExpectRefusedAt("job:\n  lake-build:\n    location: " + location + "\n",
                    ":3:15: job.lake-build.location: ", "location");
  }
  ExpectRefusedAt("job:\n  lake-build:\n    source: ../../etc/\n",
                  ":3:13: job.lake-build.source: ", "'.' or '..'");
  ExpectRefusedAt("job:\n  lake-build:\n    output: \"\"\n",
                  ":3:13: job.lake-build.output: ", "is not an object below the location");
  ExpectRefusedAt("job:\n  lake-build:\n    output: /abs.csv\n",
                  ":3:13: job.lake-build.output: ", "is not an object below the location");
}

TEST(PipelineValidate, AReportDateIsARealDate) {
  for (const std::string& as_of : std::vector<std::string>{"2024-02-30", "\"2024/01/01\"",
                                                           "99999-01-01", "\"\"", "0001-01-01"}) {
    ExpectRefusedAt("job:\n  daily-lessons:\n    as-of: " + as_of + "\n",
                    ":3:12: job.daily-lessons.as-of: ", "is ");
  }
  ExpectRefusedAt("job:\n  daily-lessons:\n    as-of: 2024-02-30\n",
                  ":3:12: job.daily-lessons.as-of: ", "is not a date");
  ExpectRefusedAt("job:\n  daily-lessons:\n    as-of: \"\"\n",
                  ":3:12: job.daily-lessons.as-of: ", "is empty (leave it out for today)");
  ExpectRefusedAt("job:\n  daily-lessons:\n    as-of: 0001-01-01\n",
                  ":3:12: job.daily-lessons.as-of: ", "earliest date");
}

std::string SqsLogins(const std::string& sqs_lines) {
  return "source:\n  sqs:\n    queue: q\n" + sqs_lines +
         "transforms:\n  - mask: {key-file: " + KeyFile() +
         "}\nsink:\n  logins-postgres: {pg: "
         "\"${SLUICE_PG_URL}\"}\n";
}

TEST(PipelineValidate, AnEndpointIsAnHttpUrl) {
  for (const auto& [endpoint, says] : std::vector<std::pair<std::string, std::string>>{
           {"notaurl", "is not a URL"},
           {"\"http://\"", "has no usable host"},
           {"\"file:///etc/passwd\"", "must be http or https"},
           {"\"http://a b\"", "has no usable host"},
       }) {
    ExpectRefusedAt(SqsLogins("    sqs-endpoint: " + endpoint + "\n"),
                    ":4:19: source.sqs.sqs-endpoint: ", says);
  }
}

TEST(PipelineValidate, ANumberIsPlainDigits) {
  ExpectRefusedAt(SqsLogins("    receivers: +4\n"),
                  ":4:16: source.sqs.receivers: ", "'+4' is not written as digits");
  ExpectRefusedAt(SqsLogins("    receivers: 010\n"), ":4:16: source.sqs.receivers: ",
                  "'010' has a leading zero, which YAML 1.1 readers take as octal");
  // A quoted number is text, as `sluice schema` says: validate agrees.
  ExpectRefusedAt(SqsLogins("    receivers: \"4\"\n"),
                  ":4:16: source.sqs.receivers: ", "'4' is quoted: write a number, not text");
}

TEST(PipelineValidate, AnUnclosedReferenceIsToldBeforeTheSecretRule) {
  const std::string yaml =
      "source:\n  sqs: {queue: q}\ntransforms:\n  - mask: {key-file: /k}\nsink:\n"
      "  logins-postgres:\n    pg: \"${SLUICE_PG_URL\"\n";
  ExpectRefusedAt(yaml, ":7:10: sink.logins-postgres.pg: ", "'${' without a closing '}'");
  RunResult r = RunSluice({"validate", WriteTempFile("unclosed.yaml", yaml)}, kClosedPort);
  EXPECT_EQ(r.err.find("a secret: give it as"), std::string::npos) << r.err;
}

TEST(PipelineValidate, AnIpv4ListenAddressIsAnAddress) {
  ExpectRefusedAt(SqsLogins("") + "settings:\n  metrics-listen: 999.1.1.1:80\n",
                  ":9:19: settings.metrics-listen: ", "the host is not an IPv4 address");
}

TEST(PipelineValidate, CompositionsRunDoesNotRunAreErrorsAtTheComponent) {
  ExpectRefusedAt(
      "source:\n  sqs: {queue: q}\nsink:\n  logins-postgres: {pg: \"${SLUICE_PG_URL}\"}\n",
      ":4:3: sink.logins-postgres: ", "runs after transforms [mask] alone, not []");
  ExpectRefusedAt("job:\n  lake-serve: {}\n", ":2:3: job.lake-serve: ",
                  "job lake-serve is not run by sluice run yet (run it with `sluice lake serve`)");
  ExpectRefusedAt("source:\n  sqs: {queue: q}\nsink:\n  http-server: {}\n",
                  ":4:3: sink.http-server: ", "sluice run writes to no sink http-server yet");
}

// validate reads the key file a mask names with run's loader: it must be there, be a regular
// file, and hold keys; what it holds is never shown.
TEST(PipelineValidate, TheMaskKeyFileIsReadAndNeverShown) {
  auto with_key = [](const std::string& key) {
    return "source: {sqs: {queue: q}}\ntransforms:\n  - mask: {key-file: " + key +
           "}\nsink: {logins-postgres: {pg: \"${SLUICE_PG_URL}\"}}\n";
  };
  ExpectRefusedAt(with_key("/nonexistent/k.key"),
                  ":3:22: transforms[0].mask.key-file: ", "no such file: /nonexistent/k.key");
  ExpectRefusedAt(with_key(::testing::TempDir()),
                  ":3:22: transforms[0].mask.key-file: ", "not a regular file");
  const std::string not_a_key = WriteTempFile("not-a.key", "k1:secret-words-not-shown\n");
  ExpectRefusedAt(with_key(not_a_key), ":3:22: transforms[0].mask.key-file: ", "line 1: not a key");
  RunResult r = RunSluice({"validate", WriteTempFile("nk.yaml", with_key(not_a_key))}, kClosedPort);
  EXPECT_EQ(r.err.find("secret-words-not-shown"), std::string::npos) << r.err;
  RunResult good =
      RunSluice({"validate", WriteTempFile("k.yaml", with_key(KeyFile()))}, kClosedPort);
  EXPECT_EQ(good.exit_code, 0) << good.err;
}

TEST(PipelineValidate, SeveralFilesAreEachChecked) {
  const std::string good =
      WriteTempFile("good.yaml", "job:\n  warehouse-load: {model: movie, files: [movies.csv]}\n");
  const std::string bad = WriteTempFile("bad2.yaml", "job:\n  lake-serve: {}\n");
  RunResult r = RunSluice({"validate", good, bad, good}, kClosedPort);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, good + ": ok (job warehouse-load)\n" + good + ": ok (job warehouse-load)\n");
  EXPECT_EQ(r.err.rfind(bad + ":2:3: job.lake-serve: ", 0), 0u) << r.err;
  RunResult both_good = RunSluice({"validate", good, good}, kClosedPort);
  EXPECT_EQ(both_good.exit_code, 0) << both_good.err;
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
