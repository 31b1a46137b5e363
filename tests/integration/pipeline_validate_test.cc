// `sluice validate` and `sluice schema` as a user runs them: a good file is one "ok" line and exit
// 0; a bad one is every error, one a line with file:line:column and option path, and exit 2,
// never quoting a secret. Neither connects anywhere (the loopback guard would fail the test, and
// the PostgreSQL URL given points at a closed port).
#include <gtest/gtest.h>

#include <sstream>

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

}  // namespace
}  // namespace sluice
