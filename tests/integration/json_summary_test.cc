// The global --json flag: each job's end-of-run summary is one JSON document on stdout whose
// counts match the work done against the local services, and --log-format json lines carry
// events with typed fields (cli/run_summary.h, core/log.h).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/sqs/sqs_client.h"
#include "support/report_fixture.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

// The one document on stdout; a test fails if there is anything else.
simdjson::dom::element SummaryOf(simdjson::dom::parser& parser, const RunResult& r) {
  simdjson::dom::element doc;
  EXPECT_FALSE(parser.parse(r.out).get(doc)) << "not one JSON document: " << r.out << r.err;
  return doc;
}

int64_t IntOf(simdjson::dom::element doc, std::string_view key) {
  int64_t value = -1;
  EXPECT_FALSE(doc[key].get_int64().get(value)) << key << " is not an integer";
  return value;
}

std::string StringOf(simdjson::dom::element doc, std::string_view key) {
  std::string_view value;
  EXPECT_FALSE(doc[key].get_string().get(value)) << key << " is not a string";
  return std::string(value);
}

bool BoolOf(simdjson::dom::element doc, std::string_view key) {
  bool value = false;
  EXPECT_FALSE(doc[key].get_bool().get(value)) << key << " is not a bool";
  return value;
}

// The JSON log line on stderr whose "event" is `event` (there must be exactly one).
std::string EventLine(const std::string& err, std::string_view event) {
  std::istringstream lines(err);
  std::string found;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"event\":\"" + std::string(event) + "\"") == std::string::npos) continue;
    EXPECT_TRUE(found.empty()) << "two " << event << " events";
    found = line;
  }
  EXPECT_FALSE(found.empty()) << "no " << event << " event in " << err;
  return found;
}

class JsonSummary : public testing::PgTest {};

TEST_F(JsonSummary, WarehouseLoadCountsEachFileAndItsRejects) {
  auto path = WriteTempFile("u.csv", "first_name,last_name,email\nA,B,\nC,D,c@x\nE,F,e@x\n");
  // --json before the command, as a global flag is taken anywhere.
  RunResult r = RunSluice({"--json", "warehouse", "load", "-m", "user", path}, url());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  simdjson::dom::parser parser;
  auto doc = SummaryOf(parser, r);
  EXPECT_EQ(StringOf(doc, "job"), "warehouse load");
  EXPECT_FALSE(BoolOf(doc, "ok"));
  EXPECT_EQ(IntOf(doc, "exit_code"), 3);
  EXPECT_EQ(IntOf(doc, "records"), 3);
  EXPECT_EQ(IntOf(doc, "inserted"), 2);
  EXPECT_EQ(IntOf(doc, "rejected"), 1);
  EXPECT_EQ(StringOf(doc, "rejects_table"), "load_rejects");
  EXPECT_GE(IntOf(doc, "duration_ms"), 0);
  simdjson::dom::element file = doc["files"].at(0).value_unsafe();
  EXPECT_EQ(StringOf(file, "path"), path);
  EXPECT_EQ(StringOf(file, "table"), "users");
  simdjson::dom::element reject = file["first_rejects"].at(0).value_unsafe();
  EXPECT_EQ(StringOf(reject, "position"), "line 2");
}

TEST_F(JsonSummary, AJobThatFailsStillPrintsOneObjectWithItsError) {
  const std::string nowhere = "postgresql://u:hunter2secret@127.0.0.1:1/db";
  auto path = WriteTempFile("m.csv", "title\nA\n");
  RunResult r = RunSluice(
      {"warehouse", "load", "-m", "movie", path, "--json", "--pg", nowhere, "--log-format", "json"},
      url());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  simdjson::dom::parser parser;
  auto doc = SummaryOf(parser, r);
  EXPECT_EQ(StringOf(doc, "job"), "warehouse load");
  EXPECT_FALSE(BoolOf(doc, "ok"));
  EXPECT_EQ(IntOf(doc, "exit_code"), 1);
  EXPECT_NE(StringOf(doc, "error").find("127.0.0.1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter2secret"), std::string::npos) << r.out;
  // The error's log line is an event with its kind and exit status as fields.
  simdjson::dom::parser line_parser;
  simdjson::dom::element failed;
  const std::string line = EventLine(r.err, "failed");
  ASSERT_FALSE(line_parser.parse(line).get(failed)) << line;
  EXPECT_EQ(StringOf(failed, "level"), "error");
  EXPECT_EQ(StringOf(failed, "error_code"), "unavailable");
  EXPECT_EQ(IntOf(failed, "exit_code"), 1);
  EXPECT_EQ(r.err.find("hunter2secret"), std::string::npos) << r.err;
}

TEST_F(JsonSummary, LoginsRunCountsAndLogsItsStartAsAnEvent) {
  const std::string key = WriteTempFile("json-summary.key", "");
  std::remove(key.c_str());
  ASSERT_EQ(RunSluice({"logins", "keygen", key}, "").exit_code, 0);
  std::string events;
  for (int i = 0; i < 30; ++i)
    events += i == 7 ? "not json\n" : "{\"user_id\": \"u" + std::to_string(i) + "\"}\n";
  const std::string file = WriteTempFile("logins.ndjson", events);
  // A password in the URL (the local server does not ask for it) never reaches the log.
  std::string pg = url();
  pg.insert(pg.find('@'), ":hunter2secret");
  RunResult r = RunSluice({"logins", "run", "--file", file, "--key-file", key, "--json",
                           "--log-format", "json", "--batch-size", "10", "--pg", pg},
                          url());
  std::remove(key.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  auto doc = SummaryOf(parser, r);
  EXPECT_EQ(StringOf(doc, "job"), "logins run");
  EXPECT_TRUE(BoolOf(doc, "ok"));
  EXPECT_EQ(IntOf(doc, "messages"), 30);
  EXPECT_EQ(IntOf(doc, "stored"), 29);
  EXPECT_EQ(IntOf(doc, "rejected"), 1);
  EXPECT_EQ(StringOf(doc, "rejects_table"), "user_logins_rejects");

  // The start line names the input, the consumers (a number) and the tables.
  simdjson::dom::parser line_parser;
  simdjson::dom::element start;
  const std::string line = EventLine(r.err, "logins.start");
  ASSERT_FALSE(line_parser.parse(line).get(start)) << line;
  EXPECT_EQ(StringOf(start, "level"), "info");
  EXPECT_EQ(StringOf(start, "source"), "file");
  EXPECT_EQ(StringOf(start, "input"), file);
  EXPECT_EQ(IntOf(start, "consumers"), 1);
  EXPECT_EQ(StringOf(start, "table"), "user_logins");
  EXPECT_NE(StringOf(start, "msg").find("into user_logins"), std::string::npos) << line;
  EXPECT_NE(StringOf(start, "postgres").find(":****@"), std::string::npos) << line;
  // The summary is in the log too, as the job.end event's "summary" object.
  simdjson::dom::element end;
  const std::string end_line = EventLine(r.err, "job.end");
  ASSERT_FALSE(line_parser.parse(end_line).get(end)) << end_line;
  EXPECT_EQ(IntOf(end["summary"].value_unsafe(), "stored"), 29);
  EXPECT_EQ(r.err.find("hunter2secret"), std::string::npos) << r.err;
}

TEST(JsonSummaryLake, LakeBuildCountsUsersAndRejects) {
  char pattern[] = "/tmp/sluice-json-summary-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::filesystem::create_directories(dir + "/lake/source_data");
  std::ofstream(dir + "/lake/source_data/1000.csv")
      << "first_name, last_name, birthts\nSusan, Lee, 612302400000\n";
  std::ofstream(dir + "/lake/source_data/1001.csv") << "not, a, user\n";
  RunResult r = RunSluice({"lake", "build", "file://" + dir + "/lake/", "--json"}, "");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  simdjson::dom::parser parser;
  auto doc = SummaryOf(parser, r);
  EXPECT_EQ(StringOf(doc, "job"), "lake build");
  EXPECT_EQ(IntOf(doc, "exit_code"), 3);
  EXPECT_EQ(IntOf(doc, "users"), 1);
  EXPECT_EQ(IntOf(doc, "added"), 1);
  simdjson::dom::array rejected;
  ASSERT_FALSE(doc["rejected"].get_array().get(rejected));
  EXPECT_EQ(rejected.size(), 1u);
}

TEST(JsonSummaryQueue, QueueSendCountsSentMessages) {
  SLUICE_REQUIRE_AWS();
  const std::string name = testing::UniqueName("json-summary");
  ASSERT_EQ(RunSluice({"queue", "create", name}, "").exit_code, 0);
  const std::string file = WriteTempFile("send.ndjson", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  RunResult r = RunSluice({"queue", "send", name, file, "--json"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  auto doc = SummaryOf(parser, r);
  EXPECT_EQ(StringOf(doc, "job"), "queue send");
  EXPECT_EQ(StringOf(doc, "queue"), name);
  EXPECT_EQ(IntOf(doc, "sent"), 3);
  EXPECT_EQ(IntOf(doc, "rejected"), 0);
  EXPECT_TRUE(BoolOf(doc, "ok"));
}

TEST_F(JsonSummary, ReportRunThroughAPipelineFileNamesItAndCountsRows) {
  SLUICE_REQUIRE_MYSQL();
  auto completions = testing::CompletionsTable::Open("json_summary");
  ASSERT_TRUE(completions.ok()) << completions.status().message();
  ASSERT_TRUE((*completions)->Create().ok());
  ASSERT_TRUE((*completions)
                  ->Insert("VALUES (1, 1, '2024-02-10'), (1, 2, '2024-02-10'), (2, 3, "
                           "'2024-02-20'), (3, 1, '2024-01-01')")
                  .ok());
  ASSERT_TRUE(
      testing::CreateUsersTable(conn(), "(1, 'Ann', 'active'), (2, 'Bo', 'inactive')").ok());
  // A location's path may not hold an empty part ("/tmp//x"): the temporary path is normalised.
  const std::string made = WriteTempFile("json-summary-report", "");
  std::remove(made.c_str());
  const std::string scratch = std::filesystem::path(made).lexically_normal().string();
  std::filesystem::create_directories(scratch);
  std::ifstream example(testing::ExamplesDir() + "daily-lessons.yaml");
  std::string text(std::istreambuf_iterator<char>(example), {});
  const std::string pipeline =
      WriteTempFile("json-summary-report.yaml", text + "    as-of: \"2024-03-01\"\n");
  setenv("COMPLETIONS_TABLE", (*completions)->name().c_str(), 1);
  setenv("REPORT_OUTPUT", ("file://" + scratch + "/").c_str(), 1);
  RunResult r = RunSluice({"run", pipeline, "--json"}, url());
  std::filesystem::remove_all(scratch);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  auto doc = SummaryOf(parser, r);
  EXPECT_EQ(StringOf(doc, "job"), "report run");
  EXPECT_EQ(StringOf(doc, "pipeline"), pipeline);
  EXPECT_EQ(IntOf(doc, "active_users"), 1);
  EXPECT_EQ(IntOf(doc, "completions"), 2);
  EXPECT_EQ(IntOf(doc, "inactive_completions"), 1);
  EXPECT_TRUE(StringOf(doc, "uri").starts_with("file://")) << r.out;
}

// The progress line (drawn here because the pipeline says `progress: always`) names the phase
// the server is in once the file is read: the first load of an empty table builds its key, the
// next merges.
TEST_F(JsonSummary, TheProgressLineNamesTheServersPhase) {
  const std::string csv = WriteTempFile("phase.csv", "first_name,last_name,email\nA,B,a@x\n");
  const std::string pipeline =
      WriteTempFile("phase.yaml",
                    "settings:\n  progress: always\njob:\n  warehouse-load:\n    model: user\n"
                    "    files: [ \"" +
                        csv + "\" ]\n");
  RunResult first = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("users: building the primary key on the server ..."), std::string::npos)
      << first.err;
  RunResult second = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("users: merging staged rows on the server (upsert) ..."),
            std::string::npos)
      << second.err;
}

}  // namespace
}  // namespace sluice
