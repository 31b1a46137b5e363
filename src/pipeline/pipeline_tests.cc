#include "pipeline/pipeline_tests.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "core/suggest.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/yaml_tree.h"

namespace sluice {
namespace {

using Kind = YamlNode::Kind;

const std::vector<std::string> kTopKeys = {"pipeline", "key-file", "variables", "cases"};
const std::vector<std::string> kCaseKeys = {"name", "input", "rows", "rejects"};
const std::vector<std::string> kInputKeys = {"body", "id", "sent-timestamp"};
const std::vector<std::string> kRejectKeys = {"reason", "id"};

bool IsVariableName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

class TestFileReader {
 public:
  explicit TestFileReader(LoadedPipelineTest* out) : out_(out) {}

  void Read(const YamlNode& root) {
    if (root.kind == Kind::kRefused) return;
    if (root.kind != Kind::kMap) {
      Error(root.position, "",
            fmt::format("expected a map of pipeline and cases, not {}", root.KindName()));
      return;
    }
    bool pipeline = false, cases = false;
    for (size_t i = 0; i < root.MapSize(); ++i) {
      const YamlNode& key = root.Key(i);
      const YamlNode& value = root.Value(i);
      if (key.kind != Kind::kScalar) continue;  // reported by the YAML reader
      if (key.value == "pipeline") {
        pipeline = true;
        if (auto text = Text(value, "pipeline")) {
          out_->test.pipeline = *text;
          out_->test.pipeline_position = value.position;
        }
      } else if (key.value == "key-file") {
        if (auto text = Text(value, "key-file")) out_->test.key_file = *text;
      } else if (key.value == "variables") {
        Variables(value);
      } else if (key.value == "cases") {
        cases = true;
        Cases(value);
      } else {
        Unknown(key, "", kTopKeys, "a test file has pipeline, key-file, variables and cases");
      }
    }
    if (!pipeline) Error(root.position, "", "no pipeline: name the pipeline file under test");
    if (!cases) Error(root.position, "", "no cases: a test file has at least one case");
  }

 private:
  void Error(FilePosition position, std::string path, std::string message) {
    out_->errors.push_back({position, std::move(path), std::move(message)});
  }

  void Unknown(const YamlNode& key, const std::string& parent,
               const std::vector<std::string>& known, std::string_view what) {
    const std::string closest = ClosestName(key.value, known);
    Error(key.position, parent.empty() ? key.value : parent + "." + key.value,
          closest.empty() ? fmt::format("unknown key: {}", what)
                          : fmt::format("unknown key (did you mean {}?)", closest));
  }

  // A non-empty scalar's text, or nullopt (reported).
  std::optional<std::string> Text(const YamlNode& node, const std::string& path) {
    if (node.kind == Kind::kRefused) return std::nullopt;
    if (node.kind != Kind::kScalar) {
      Error(node.position, path, fmt::format("expected text, not {}", node.KindName()));
      return std::nullopt;
    }
    if (node.value.empty()) {
      Error(node.position, path, "is empty");
      return std::nullopt;
    }
    return node.value;
  }

  // The items of a list; null is an empty list. False (reported) for anything else.
  bool List(const YamlNode& node, const std::string& path, std::string_view what) {
    if (node.kind == Kind::kNull || node.kind == Kind::kSequence) return true;
    if (node.kind != Kind::kRefused) {
      Error(node.position, path,
            fmt::format("expected a list of {}, not {}", what, node.KindName()));
    }
    return false;
  }

  void Variables(const YamlNode& node) {
    if (node.kind == Kind::kNull || node.kind == Kind::kRefused) return;
    if (node.kind != Kind::kMap) {
      Error(node.position, "variables",
            fmt::format("expected a map of NAME: value, not {}", node.KindName()));
      return;
    }
    for (size_t i = 0; i < node.MapSize(); ++i) {
      const YamlNode& key = node.Key(i);
      const YamlNode& value = node.Value(i);
      if (key.kind != Kind::kScalar) continue;
      const std::string path = "variables." + key.value;
      if (!IsVariableName(key.value)) {
        Error(key.position, path,
              "not a variable name: letters, digits and _, not starting with a digit");
        continue;
      }
      if (value.kind == Kind::kNull) {
        out_->test.variables.emplace_back(key.value, "");
      } else if (value.kind == Kind::kScalar) {
        out_->test.variables.emplace_back(key.value, value.value);
      } else if (value.kind != Kind::kRefused) {
        Error(value.position, path, fmt::format("expected text, not {}", value.KindName()));
      }
    }
  }

  void Cases(const YamlNode& node) {
    if (!List(node, "cases", "cases")) return;
    if (node.children.empty()) {
      Error(node.position, "cases", "is empty: a test file has at least one case");
      return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < node.children.size(); ++i) {
      TestCase c = Case(node.children[i], fmt::format("cases[{}]", i), i);
      if (!c.name.empty() && !names.insert(c.name).second) {
        Error(c.position, fmt::format("cases[{}].name", i),
              fmt::format("'{}' names another case too: each case's name is its own", c.name));
      }
      out_->test.cases.push_back(std::move(c));
    }
  }

  TestCase Case(const YamlNode& node, const std::string& path, size_t index) {
    TestCase c;
    c.position = node.position;
    if (node.kind == Kind::kRefused) return c;
    if (node.kind != Kind::kMap) {
      Error(node.position, path,
            fmt::format("expected a case (name, input, rows, rejects), not {}", node.KindName()));
      return c;
    }
    bool input = false, named = false;
    for (size_t i = 0; i < node.MapSize(); ++i) {
      const YamlNode& key = node.Key(i);
      const YamlNode& value = node.Value(i);
      if (key.kind != Kind::kScalar) continue;
      const std::string item = path + "." + key.value;
      if (key.value == "name") {
        named = true;
        if (auto text = Text(value, item)) {
          c.name = *text;
          c.position = value.position;
        }
      } else if (key.value == "input") {
        input = true;
        Input(value, item, index, &c);
      } else if (key.value == "rows") {
        Rows(value, item, &c);
      } else if (key.value == "rejects") {
        Rejects(value, item, &c);
      } else {
        Unknown(key, path, kCaseKeys, "a case has name, input, rows and rejects");
      }
    }
    if (!named) {
      Error(node.position, path, "no name: each case is named, for its pass or fail line");
    }
    if (!input) Error(node.position, path, "no input: a case feeds at least one message");
    return c;
  }

  void Input(const YamlNode& node, const std::string& path, size_t case_index, TestCase* c) {
    if (!List(node, path, "messages")) return;
    if (node.children.empty()) {
      Error(node.position, path, "is empty: a case feeds at least one message");
      return;
    }
    std::set<std::string> ids;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const YamlNode& item = node.children[i];
      const std::string item_path = fmt::format("{}[{}]", path, i);
      TestMessage m{.id = fmt::format("{}-{}", case_index + 1, i + 1), .position = item.position};
      if (item.kind == Kind::kScalar) {
        m.body = item.value;
      } else if (item.kind == Kind::kMap) {
        bool body = false;
        for (size_t k = 0; k < item.MapSize(); ++k) {
          const YamlNode& key = item.Key(k);
          const YamlNode& value = item.Value(k);
          if (key.kind != Kind::kScalar) continue;
          const std::string field = item_path + "." + key.value;
          if (key.value == "body") {
            body = true;
            // An empty body is a message too (the transform rejects it); only its shape is
            // checked here.
            if (value.kind == Kind::kScalar) {
              m.body = value.value;
            } else if (value.kind == Kind::kMap || value.kind == Kind::kSequence) {
              Error(value.position, field,
                    fmt::format("expected the body as text, not {}: quote the JSON ('{{...}}') "
                                "or write it after |",
                                value.KindName()));
            } else if (value.kind == Kind::kNull) {
              m.body.clear();
            }
          } else if (key.value == "id") {
            if (auto text = Text(value, field)) m.id = *text;
          } else if (key.value == "sent-timestamp") {
            SentTimestamp(value, field, &m);
          } else {
            Unknown(key, item_path, kInputKeys, "a message has body, id and sent-timestamp");
          }
        }
        if (!body) Error(item.position, item_path, "no body: a message has a body");
      } else if (item.kind == Kind::kNull) {
        m.body.clear();
      } else if (item.kind != Kind::kRefused) {
        Error(item.position, item_path,
              fmt::format("expected a body (text) or a map of body, id and sent-timestamp, not {}",
                          item.KindName()));
      }
      if (!ids.insert(m.id).second) {
        Error(item.position, item_path + ".id",
              fmt::format("'{}' is the id of another message of this case", m.id));
      }
      c->input.push_back(std::move(m));
    }
  }

  void SentTimestamp(const YamlNode& node, const std::string& path, TestMessage* m) {
    if (node.kind != Kind::kScalar) {
      if (node.kind != Kind::kRefused) {
        Error(node.position, path,
              fmt::format("expected milliseconds since 1970, not {}", node.KindName()));
      }
      return;
    }
    const std::string& t = node.value;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || value < 0) {
      Error(node.position, path,
            fmt::format("'{}' is not milliseconds since 1970 (a whole number, 0 or more)", t));
      return;
    }
    m->sent_timestamp_ms = value;
  }

  void Rows(const YamlNode& node, const std::string& path, TestCase* c) {
    if (!List(node, path, "rows")) return;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const YamlNode& item = node.children[i];
      const std::string row_path = fmt::format("{}[{}]", path, i);
      ExpectedRow row{.position = item.position};
      if (item.kind == Kind::kRefused) continue;
      if (item.kind != Kind::kMap || item.MapSize() == 0) {
        Error(item.position, row_path,
              fmt::format("expected a row as a map of column: value, not {}",
                          item.kind == Kind::kMap ? "an empty map" : item.KindName()));
        continue;
      }
      for (size_t k = 0; k < item.MapSize(); ++k) {
        const YamlNode& key = item.Key(k);
        if (key.kind != Kind::kScalar) continue;
        if (std::optional<ExpectedValue> v = Value(item.Value(k), row_path + "." + key.value)) {
          row.columns.emplace_back(key.value, std::move(*v));
        }
      }
      c->rows.push_back(std::move(row));
    }
  }

  std::optional<ExpectedValue> Value(const YamlNode& node, const std::string& path) {
    switch (node.kind) {
      case Kind::kRefused:
        return std::nullopt;
      case Kind::kNull:
        return ExpectedValue{.kind = ExpectedValue::Kind::kNull, .position = node.position};
      case Kind::kScalar:
        return ExpectedValue{.text = node.value, .position = node.position};
      case Kind::kMap:
        if (node.MapSize() == 1 && node.Key(0).value == "masked") {
          const YamlNode& plain = node.Value(0);
          if (plain.kind == Kind::kScalar) {
            return ExpectedValue{.kind = ExpectedValue::Kind::kMasked,
                                 .text = plain.value,
                                 .position = plain.position};
          }
          if (plain.kind != Kind::kRefused) {
            Error(plain.position, path + ".masked",
                  fmt::format("expected the plain value as text, not {}", plain.KindName()));
          }
          return std::nullopt;
        }
        break;
      case Kind::kSequence:
        break;
    }
    Error(node.position, path,
          fmt::format("expected a value, null, or {{masked: PLAIN}}, not {}",
                      node.kind == Kind::kMap ? "another map" : node.KindName()));
    return std::nullopt;
  }

  // An empty text is in every reason: an expectation that could never fail.
  void EmptyReason(FilePosition at, const std::string& path) {
    Error(at, path,
          "an empty reason matches every reject: give part of the reason, or null for any reason");
  }

  void Rejects(const YamlNode& node, const std::string& path, TestCase* c) {
    if (!List(node, path, "rejects")) return;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const YamlNode& item = node.children[i];
      const std::string item_path = fmt::format("{}[{}]", path, i);
      ExpectedReject reject{.position = item.position};
      if (item.kind == Kind::kScalar) {
        reject.reason = item.value;
        if (reject.reason.empty()) EmptyReason(item.position, item_path);
      } else if (item.kind == Kind::kNull) {
        // Any reason.
      } else if (item.kind == Kind::kMap) {
        for (size_t k = 0; k < item.MapSize(); ++k) {
          const YamlNode& key = item.Key(k);
          const YamlNode& value = item.Value(k);
          if (key.kind != Kind::kScalar) continue;
          const std::string field = item_path + "." + key.value;
          if (key.value == "reason") {
            if (value.kind == Kind::kScalar) {
              reject.reason = value.value;
              if (reject.reason.empty()) EmptyReason(value.position, field);
            } else if (value.kind != Kind::kNull && value.kind != Kind::kRefused) {
              Error(value.position, field, fmt::format("expected text, not {}", value.KindName()));
            }
          } else if (key.value == "id") {
            if (auto text = Text(value, field)) reject.id = *text;
          } else {
            Unknown(key, item_path, kRejectKeys, "a reject has reason and id");
          }
        }
      } else if (item.kind != Kind::kRefused) {
        Error(item.position, item_path,
              fmt::format("expected a reason (text) or a map of reason and id, not {}",
                          item.KindName()));
        continue;
      }
      c->rejects.push_back(std::move(reject));
    }
  }

  LoadedPipelineTest* out_;
};

}  // namespace

LoadedPipelineTest ParsePipelineTest(std::string_view text) {
  LoadedPipelineTest out;
  if (text.size() > kMaxPipelineTestBytes) {
    out.errors.push_back({{}, "", "larger than 1 MiB: a test file is at most 1,048,576 bytes"});
    return out;
  }
  YamlDocument doc = ReadYaml(text);
  out.errors = std::move(doc.errors);
  if (doc.root) {
    TestFileReader(&out).Read(*doc.root);
  } else if (out.errors.empty()) {
    out.errors.push_back(
        {{}, "", "empty: a test file names a pipeline and its cases; see docs/pipeline-tests.md"});
  }
  SortAndBoundErrors(&out.errors, kMaxPipelineErrors);
  return out;
}

LoadedPipelineTest LoadPipelineTestFile(const std::string& path) {
  LoadedPipelineTest out;
  std::optional<std::string> text =
      ReadBoundedFile(path, kMaxPipelineTestBytes, "a test file", &out.errors);
  if (!text) return out;
  return ParsePipelineTest(*text);
}

}  // namespace sluice
