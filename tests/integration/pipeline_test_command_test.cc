// `sluice test` (cli/test_command.h) as a user runs it: exit 0, 1 and 2 for passing, failing and
// malformed files; a named key file used and never printed; the pipeline's own problems reported
// at their positions; several files at once. No server is touched.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/file_text.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using sluice::testing::ExamplesDir;
using sluice::testing::FileText;
using sluice::testing::RunSluice;
using sluice::testing::WriteTempFile;

std::string Passing(const std::string& extra = "") {
  return "pipeline: " + ExamplesDir() + "logins-file.yaml\n" + extra +
         "cases:\n  - name: a row\n    input: ['{\"user_id\": \"u\", \"ip\": \"10.1.2.3\"}']\n"
         "    rows:\n      - {user_id: u, masked_ip: {masked: 10.1.2.3}}\n";
}

TEST(PipelineTestCommand, PassingFailingAndMalformedFilesExit012) {
  const std::string good = WriteTempFile("good_test.yaml", Passing());
  auto r = RunSluice({"test", good}, "");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("  ok    a row\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": 1 case, 1 passed, 0 failed"), std::string::npos) << r.out;

  std::string wrong_text = Passing();
  wrong_text.replace(wrong_text.find("{masked: 10.1.2.3}"), 18, "{masked: 10.1.2.4}");
  const std::string wrong = WriteTempFile("wrong_test.yaml", wrong_text);
  r = RunSluice({"test", good, wrong}, "");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("row 1, masked_ip (line 6): expected \"10.1.2.4\" masked, got "
                       "\"10.1.2.3\" masked"),
            std::string::npos)
      << r.out;

  const std::string bad =
      WriteTempFile("bad_test.yaml", "pipeline: p.yaml\ncases:\n  - name: x\n    inptu: [a]\n");
  r = RunSluice({"test", good, bad, wrong}, "");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;  // a file whose cases never ran outranks a failure
  EXPECT_NE(r.err.find(bad + ":4:5: cases[0].inptu: unknown key (did you mean input?)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad + ":3:5: cases[0]: no input: a case feeds at least one message"),
            std::string::npos)
      << r.err;
  // The other files still ran.
  EXPECT_NE(r.out.find("1 case, 1 passed, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 case, 0 passed, 1 failed"), std::string::npos) << r.out;
}

TEST(PipelineTestCommand, ANamedKeyIsUsedAndNeverPrinted) {
  const std::string key = ::testing::TempDir() + "/" + sluice::testing::UniqueName("t") + ".key";
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  const std::string test = WriteTempFile("keyed_test.yaml", Passing("key-file: " + key + "\n"));
  auto r = RunSluice({"test", test}, "");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string key_text = FileText(key);
  ASSERT_FALSE(key_text.empty());
  // The key file's lines (id and key material) appear in no output.
  std::istringstream lines(key_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 8) continue;
    EXPECT_EQ(r.out.find(line), std::string::npos);
    EXPECT_EQ(r.err.find(line), std::string::npos);
  }
  const std::string missing =
      WriteTempFile("nokey_test.yaml", Passing("key-file: /nonexistent/test.key\n"));
  r = RunSluice({"test", missing}, "");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/nonexistent/test.key"), std::string::npos) << r.err;
}

TEST(PipelineTestCommand, APipelineThatCannotBeTestedIsExit2AtItsPosition) {
  // A pipeline file with an error: reported as validate reports it.
  const std::string broken =
      WriteTempFile("broken.yaml",
                    "source:\n  file: {file: x}\ntransforms:\n  - mask: {mask: rot13}\nsink:\n"
                    "  logins-postgres: {pg: '${SLUICE_PG_URL}'}\n");
  auto r = RunSluice(
      {"test", WriteTempFile("broken_test.yaml",
                             "pipeline: " + broken + "\ncases:\n  - name: x\n    input: [a]\n")},
      "");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(broken + ":4:18: transforms[0].mask.mask: 'rot13' is not one of siv, hmac"),
            std::string::npos)
      << r.err;
  // A job has no transforms to test.
  r = RunSluice(
      {"test", WriteTempFile("job_test.yaml", "pipeline: " + ExamplesDir() +
                                                  "/lake-build.yaml\ncases:\n  - name: x\n"
                                                  "    input: [a]\n")},
      "");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("has no transforms to test"), std::string::npos) << r.err;
  // A pipeline file that is not there.
  r = RunSluice({"test", WriteTempFile("none_test.yaml",
                                       "pipeline: none.yaml\ncases:\n  - name: x\n"
                                       "    input: [a]\n")},
                "");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("none.yaml: cannot read"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sluice
