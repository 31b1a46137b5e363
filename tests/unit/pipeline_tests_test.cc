// Pipeline test files (pipeline/pipeline_tests.h) and running their cases (pipeline_test_run.h):
// what loads, every malformed part reported at once with its position and path, and the
// differences a case reports, field by field, over a transform that needs no server.
#include "pipeline/pipeline_tests.h"

#include <gtest/gtest.h>

#include "pipeline/pipeline_test_run.h"

namespace sluice {
namespace {

std::vector<std::string> Lines(const LoadedPipelineTest& loaded) {
  std::vector<std::string> out;
  for (const PipelineError& e : loaded.errors)
    out.push_back(FormatPipelineError("t.yaml", e));
  return out;
}

TEST(PipelineTestFile, AGoodFileLoadsEveryPart) {
  LoadedPipelineTest loaded = ParsePipelineTest(R"(pipeline: ../p.yaml
key-file: k.key
variables: {LOGINS_FILE: x.json, EMPTY: }
cases:
  - name: first
    input:
      - '{"a": 1}'
      - {id: m-2, body: '{"b": 2}', sent-timestamp: 1700000000000}
    rows:
      - {a: '1', b: null, c: {masked: 10.0.0.1}, d: 'null', e: ~}
    rejects:
      - some reason
      - {id: m-2, reason: other}
      - ~
  - name: second
    input: [x]
)");
  ASSERT_TRUE(loaded.ok()) << Lines(loaded)[0];
  const PipelineTestFile& t = loaded.test;
  EXPECT_EQ(t.pipeline, "../p.yaml");
  EXPECT_EQ(t.pipeline_position.line, 1);
  EXPECT_EQ(t.key_file, "k.key");
  ASSERT_EQ(t.variables.size(), 2u);
  EXPECT_EQ(t.variables[1], (std::pair<std::string, std::string>{"EMPTY", ""}));
  ASSERT_EQ(t.cases.size(), 2u);
  const TestCase& c = t.cases[0];
  EXPECT_EQ(c.name, "first");
  EXPECT_EQ(c.position.line, 5);
  ASSERT_EQ(c.input.size(), 2u);
  EXPECT_EQ(c.input[0].id, "1-1");  // case number, message number
  EXPECT_EQ(c.input[0].body, R"({"a": 1})");
  EXPECT_EQ(c.input[1].id, "m-2");
  EXPECT_EQ(c.input[1].sent_timestamp_ms, 1700000000000);
  ASSERT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.rows[0].columns.size(), 5u);
  // Quoted, null is the text; plain, or ~, no value.
  EXPECT_EQ(c.rows[0].columns[3].second.kind, ExpectedValue::Kind::kText);
  EXPECT_EQ(c.rows[0].columns[3].second.text, "null");
  EXPECT_EQ(c.rows[0].columns[4].second.kind, ExpectedValue::Kind::kNull);
  EXPECT_EQ(c.rows[0].columns[0].second.kind, ExpectedValue::Kind::kText);
  EXPECT_EQ(c.rows[0].columns[1].second.kind, ExpectedValue::Kind::kNull);
  EXPECT_EQ(c.rows[0].columns[2].second.kind, ExpectedValue::Kind::kMasked);
  EXPECT_EQ(c.rows[0].columns[2].second.text, "10.0.0.1");
  ASSERT_EQ(c.rejects.size(), 3u);
  EXPECT_EQ(c.rejects[0].reason, "some reason");
  EXPECT_EQ(c.rejects[1].id, "m-2");
  EXPECT_EQ(c.rejects[2].reason, "");
  EXPECT_EQ(t.cases[1].input[0].id, "2-1");
  EXPECT_TRUE(t.cases[1].rows.empty());
}

TEST(PipelineTestFile, EveryProblemIsReportedAtOnceWithItsPositionAndPath) {
  EXPECT_EQ(Lines(ParsePipelineTest(R"(pipelin: x.yaml
key-file: [a]
variables: {1A: x}
cases:
  - name: one
    input: []
  - name: one
    input:
      - {body: {a: 1}, id: m, sent-timestamp: -5}
      - {body: x, id: m}
    rows:
      - {}
      - {a: [1], b: {masked: x, other: y}}
    rejects:
      - {idd: y}
  - 7
)")),
            (std::vector<std::string>{
                "t.yaml:1:1: pipelin: unknown key (did you mean pipeline?)",
                "t.yaml:1:1: no pipeline: name the pipeline file under test",
                "t.yaml:2:11: key-file: expected text, not a list",
                "t.yaml:3:13: variables.1A: not a variable name: letters, digits and _, not "
                "starting with a digit",
                "t.yaml:6:12: cases[0].input: is empty: a case feeds at least one message",
                "t.yaml:7:11: cases[1].name: 'one' names another case too: each case's name is "
                "its own",
                "t.yaml:9:16: cases[1].input[0].body: expected the body as text, not a map: "
                "quote the JSON ('{...}') or write it after |",
                "t.yaml:9:47: cases[1].input[0].sent-timestamp: '-5' is not milliseconds since "
                "1970 (a whole number, 0 or more)",
                "t.yaml:10:9: cases[1].input[1].id: 'm' is the id of another message of this "
                "case",
                "t.yaml:12:9: cases[1].rows[0]: expected a row as a map of column: value, not an "
                "empty map",
                "t.yaml:13:13: cases[1].rows[1].a: expected a value, null, or {masked: PLAIN}, "
                "not a list",
                "t.yaml:13:21: cases[1].rows[1].b: expected a value, null, or {masked: PLAIN}, "
                "not another map",
                "t.yaml:15:10: cases[1].rejects[0].idd: unknown key (did you mean id?)",
                "t.yaml:16:5: cases[2]: expected a case (name, input, rows, rejects), not text",
            }));
  EXPECT_EQ(Lines(ParsePipelineTest("")),
            (std::vector<std::string>{"t.yaml: empty: a test file names a pipeline and its "
                                      "cases; see docs/pipeline-tests.md"}));
  // An empty reason would match every reject, so the case could not fail on it.
  EXPECT_EQ(Lines(ParsePipelineTest(
                "pipeline: p.yaml\ncases:\n  - name: n\n    input: [x]\n    rejects: ['', "
                "{reason: ''}]\n")),
            (std::vector<std::string>{
                "t.yaml:5:15: cases[0].rejects[0]: an empty reason matches every reject: give "
                "part of the reason, or null for any reason",
                "t.yaml:5:28: cases[0].rejects[1].reason: an empty reason matches every reject: "
                "give part of the reason, or null for any reason"}));
  EXPECT_EQ(Lines(ParsePipelineTest("pipeline: p.yaml\ncases:\n  - input: [x]\n")),
            (std::vector<std::string>{
                "t.yaml:3:5: cases[0]: no name: each case is named, for its pass or fail line"}));
  // Aliases are refused where they stand, so a "billion laughs" file never expands.
  LoadedPipelineTest bomb =
      ParsePipelineTest("pipeline: p.yaml\ncases:\n  - name: &n x\n    input: [*n]\n");
  EXPECT_FALSE(bomb.ok());
  EXPECT_EQ(ParsePipelineTest(std::string(kMaxPipelineTestBytes + 1, '#')).errors.size(), 1u);
}

// A transform of two columns, without a server: a body "reject:WHY" is a reject with reason
// WHY, any other a row (id, body), and "mask:" bodies are masked by reversing them.
class FakeTransform : public Transform {
 public:
  PreparedBatch NewBatch() const override {
    return PreparedBatch{
        Batch({{"message_id", ColumnType::kText, false},
               {"body", ColumnType::kText, true},
               {"n", ColumnType::kInt64, true}}),
        Batch({{"message_id", ColumnType::kText, false}, {"reason", ColumnType::kText, false}}),
        {}};
  }
  Status Apply(const InboundMessage& m, PreparedBatch* batch) override {
    if (m.body.starts_with("reject:")) {
      batch->rejects.column(0).AppendText(m.id);
      batch->rejects.column(1).AppendText(m.body.substr(7));
      return Status::Ok();
    }
    batch->rows.column(0).AppendText(m.id);
    if (m.body.starts_with("mask:")) {
      batch->rows.column(1).AppendText(Reverse(m.body.substr(5)));
    } else if (m.body.empty()) {
      batch->rows.column(1).AppendNull();
    } else {
      batch->rows.column(1).AppendText(m.body);
    }
    batch->rows.column(2).AppendInt(static_cast<int64_t>(m.body.size()));
    return Status::Ok();
  }
  static std::string Reverse(std::string_view s) { return std::string(s.rbegin(), s.rend()); }
};

std::vector<std::string> Differences(const std::string& yaml) {
  LoadedPipelineTest loaded = ParsePipelineTest(yaml);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : FormatPipelineError("t", loaded.errors[0]));
  if (!loaded.ok()) return {"(did not load)"};
  FakeTransform transform;
  MaskFunction mask = [](std::string_view plain) -> Result<std::string> {
    return FakeTransform::Reverse(plain);
  };
  RevealFunction reveal = [](std::string_view masked) -> Result<std::string> {
    return FakeTransform::Reverse(masked);
  };
  auto outcome = RunTestCase(loaded.test.cases[0], transform, mask, reveal);
  EXPECT_TRUE(outcome.ok());
  return outcome.ok() ? outcome->differences : std::vector<std::string>{"(error)"};
}

TEST(PipelineTestRun, ACaseThatHoldsPasses) {
  EXPECT_TRUE(Differences(R"(pipeline: p
cases:
  - name: c
    input: [abc, 'mask:secret', {id: x, body: 'reject:too long'}, '']
    rows:
      - {message_id: 1-1, body: abc, n: 3}
      - {body: {masked: secret}}
      - {body: null, n: '0'}
    rejects:
      - {id: x, reason: too}
)")
                  .empty());
}

TEST(PipelineTestRun, EachDifferenceIsOneLineNamingRowColumnAndLine) {
  EXPECT_EQ(Differences(R"(pipeline: p
cases:
  - name: c
    input: [abc, 'mask:secret', 'reject:bad value', 'extra']
    rows:
      - {body: abd, n: null, bdy: x}
      - {body: {masked: public}}
    rejects:
      - {id: 1-9, reason: good}
      - other
)"),
            (std::vector<std::string>{
                "row 1, body (line 6): expected \"abd\", got \"abc\"",
                "row 1, n (line 6): expected null, got \"3\"",
                "row 1, bdy (line 6): no such column (did you mean body?)",
                "row 2, body (line 7): expected \"public\" masked, got \"secret\" masked",
                "row 3: not expected: {message_id: \"1-4\", body: \"extra\", n: \"5\"}",
                "reject 1 (line 9): expected message 1-9, got message 1-3 (reason \"bad value\")",
                "reject 1 (line 9): expected a reason with \"good\", got \"bad value\" (message "
                "1-3)",
                "reject 2 (line 10): expected, but the input gave 1 reject",
            }));
  // A row expected where none came, and a reject no one expected.
  EXPECT_EQ(Differences("pipeline: p\ncases:\n  - name: c\n    input: ['reject:x']\n"
                        "    rows:\n      - {n: '1'}\n"),
            (std::vector<std::string>{
                "row 1 (line 6): expected, but the input gave 0 rows",
                "reject 1: not expected: message 1-1, reason \"x\"",
            }));
}

// A value left in the clear where a masked one was expected is shown as it is, not as "another
// masked value": masked values carry their key's id ("k1:..."), and this one does not.
TEST(PipelineTestRun, AValueNotMaskedWithTheTestsKeyIsShownAsItIs) {
  LoadedPipelineTest loaded = ParsePipelineTest(R"(pipeline: p
cases:
  - name: c
    input: [abc]
    rows:
      - {body: {masked: abc}}
)");
  ASSERT_TRUE(loaded.ok());
  FakeTransform transform;
  MaskFunction mask = [](std::string_view plain) -> Result<std::string> {
    return "k1:" + FakeTransform::Reverse(plain);
  };
  auto outcome = RunTestCase(loaded.test.cases[0], transform, mask);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->differences,
            (std::vector<std::string>{"row 1, body (line 6): expected \"abc\" masked, got \"abc\" "
                                      "(not masked with the test's key)"}));
}

// A case that differs everywhere prints the first differences and how many more, not thousands
// of lines.
TEST(PipelineTestRun, ManyDifferencesAreCutShortWithACount) {
  std::string yaml = "pipeline: p\ncases:\n  - name: c\n    input: [";
  for (int i = 0; i < 5000; ++i)
    yaml += i ? ", a" : "a";
  yaml += "]\n";
  const std::vector<std::string> lines = Differences(yaml);
  ASSERT_EQ(lines.size(), 21u);
  EXPECT_EQ(lines[0], "row 1: not expected: {message_id: \"1-1\", body: \"a\", n: \"1\"}");
  EXPECT_EQ(lines[20], "... and 4980 more differences");
}

TEST(PipelineTestRun, ColumnTextIsHowValuesAreCompared) {
  Batch b({{"d", ColumnType::kDate, true},
           {"t", ColumnType::kTimestamptz, true},
           {"f", ColumnType::kFloat64, true},
           {"u", ColumnType::kUuid, true}});
  b.column(0).AppendInt(19000);
  b.column(1).AppendInt(1640475000000000);
  b.column(2).AppendFloat(2.5);
  b.column(3).AppendText(
      std::string("\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef", 16));
  EXPECT_EQ(ColumnText(b.column(0), 0), "2022-01-08");
  EXPECT_EQ(ColumnText(b.column(1), 0), "2021-12-25T23:30:00.000000Z");
  EXPECT_EQ(ColumnText(b.column(2), 0), "2.5");
  EXPECT_EQ(ColumnText(b.column(3), 0), "12345678-9abc-def0-0123-456789abcdef");
}

}  // namespace
}  // namespace sluice
