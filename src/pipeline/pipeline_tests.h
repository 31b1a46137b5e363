// A pipeline test file (`sluice test FILE_test.yaml`): cases as data, each feeding messages
// through a pipeline's transforms and stating the rows and rejects they must give, in the spirit
// of DuckDB's sqllogictest files and Redpanda Connect's config tests. docs/pipeline-tests.md
// describes the format:
//
//   pipeline: ../examples/logins-file.yaml     # relative to this file
//   key-file: keys/test.key                    # optional: a masking key; default a fresh one
//   variables: {LOGINS_FILE: unused.json}      # optional: ${VAR}s of the pipeline, over the env
//   cases:
//     - name: a login becomes a row, ip masked
//       input:
//         - body: '{"user_id": "u1", "app_version": "2.3.0", "ip": "10.0.0.1"}'
//           id: m-1                            # optional; default "<case number>-<input number>"
//           sent-timestamp: 1700000000000      # optional, milliseconds (SQS SentTimestamp)
//         - '{"user_id": "u2"}'                # a body alone
//       rows:
//         - {user_id: u1, app_version: 2003000, masked_ip: {masked: 10.0.0.1}, locale: null}
//       rejects:
//         - 'app_version'                      # a substring of the reason
//         - {id: m-9, reason: 'not JSON'}
//
// A case states all it expects: rows and rejects it leaves out are expected not to be there (an
// absent `rows` is none). Within a row only the columns named are compared. Reading uses
// yaml_tree.h (no anchors, aliases or tags; bounded depth; duplicate keys refused) and reports
// every problem at once with its position and path ("cases[2].rows[0].masked_ip"), as a
// pipeline file's errors are. Never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/pipeline_error.h"

namespace sluice {

// A test file is a few pages of YAML; larger ones are refused unread.
inline constexpr size_t kMaxPipelineTestBytes = 1 << 20;

struct TestMessage {
  std::string id = {};
  std::string body = {};
  int64_t sent_timestamp_ms = 0;
  FilePosition position = {};
};

// What one column of an expected row must hold.
struct ExpectedValue {
  enum class Kind {
    kNull,    // `null` or `~`
    kText,    // the value as text, compared with the column's text form
    kMasked,  // {masked: PLAIN}: the column holds PLAIN masked with the test's key
  };
  Kind kind = Kind::kText;
  std::string text = {};
  FilePosition position = {};
};

struct ExpectedRow {
  std::vector<std::pair<std::string, ExpectedValue>> columns = {};  // in the file's order
  FilePosition position = {};
};

struct ExpectedReject {
  std::string reason = {};  // a substring of the reason; "" matches any
  std::string id = {};      // the message id, when given
  FilePosition position = {};
};

struct TestCase {
  std::string name;
  FilePosition position = {};
  std::vector<TestMessage> input;
  std::vector<ExpectedRow> rows;
  std::vector<ExpectedReject> rejects;
};

struct PipelineTestFile {
  std::string pipeline;  // as written: relative to the test file unless absolute
  FilePosition pipeline_position = {};
  std::string key_file;  // as written; empty for a fresh key
  std::vector<std::pair<std::string, std::string>> variables;
  std::vector<TestCase> cases;
};

struct LoadedPipelineTest {
  PipelineTestFile test;  // complete only when `errors` is empty
  PipelineErrors errors;  // sorted by position; at most kMaxPipelineErrors, then a count
  bool ok() const { return errors.empty(); }
};

LoadedPipelineTest ParsePipelineTest(std::string_view text);

// Reads the file at `path` (at most kMaxPipelineTestBytes + 1 bytes of it) and parses it. A file
// that cannot be read, or is too big, is one error without a position.
LoadedPipelineTest LoadPipelineTestFile(const std::string& path);

}  // namespace sluice
