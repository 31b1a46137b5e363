#include "pipeline/yaml_tree.h"

#include <fmt/format.h>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <unordered_map>

namespace sluice {
namespace {

FilePosition PositionOf(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

// Builds the tree from the parser's events. yaml-cpp hands over each node once, without
// expanding aliases, so refusing them here costs nothing however they nest.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view text, PipelineErrors* errors) : text_(text), errors_(errors) {}

  std::unique_ptr<YamlNode> TakeRoot() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (skipped_levels_ > 0) return;
    CheckAnchor(mark, anchor);
    Add(YamlNode{.kind = YamlNode::Kind::kNull, .position = PositionOf(mark)});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (skipped_levels_ > 0) return;
    auto name = anchor_names_.find(anchor);
    Error(mark, fmt::format("an alias (*{}) is not allowed: write the value out",
                            name == anchor_names_.end() ? "name" : name->second));
    Add(YamlNode{.kind = YamlNode::Kind::kRefused, .position = PositionOf(mark)});
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (skipped_levels_ > 0) return;
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    // An escaped NUL ("\0" in double quotes): no option, name or path can hold one, and C APIs
    // would cut the value short at it.
    if (value.find('\0') != std::string::npos) {
      Error(mark, "a NUL character (\\0) is not allowed in a value");
      Add(YamlNode{.kind = YamlNode::Kind::kRefused, .position = PositionOf(mark)});
      return;
    }
    YamlNode node{.kind = YamlNode::Kind::kScalar, .position = PositionOf(mark), .value = value};
    FindVerbatim(mark, &node);
    node.quoted = tag == "!";  // yaml-cpp's tag of an untagged quoted scalar
    Add(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, tag, anchor, YamlNode::Kind::kSequence);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, tag, anchor, YamlNode::Kind::kMap);
  }
  void OnMapEnd() override { Close(); }

 private:
  void Error(const YAML::Mark& mark, std::string message) {
    errors_->push_back({PositionOf(mark), "", std::move(message)});
  }

  void CheckAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor == YAML::NullAnchor) return;
    anchor_names_[anchor] = anchor_name_;
    Error(mark, fmt::format("an anchor (&{}) is not allowed: write the value out", anchor_name_));
  }

  void CheckTag(const YAML::Mark& mark, const std::string& tag) {
    // "?" and "!" are what yaml-cpp reports for untagged nodes (plain and quoted).
    if (tag.empty() || tag == "?" || tag == "!") return;
    Error(mark, fmt::format("a tag ({}) is not allowed: write the value plainly", tag));
  }

  // A scalar stands verbatim at its mark, or one byte on for a quoted one, unless escapes or
  // folding changed it; only then can a position inside it be told.
  void FindVerbatim(const YAML::Mark& mark, YamlNode* node) const {
    if (mark.is_null() || mark.pos < 0) return;
    const auto pos = static_cast<size_t>(mark.pos);
    if (text_.substr(pos, node->value.size()) == node->value) {
      node->verbatim = true;
      node->value_start = node->position;
    } else if (pos < text_.size() && (text_[pos] == '"' || text_[pos] == '\'') &&
               text_.substr(pos + 1, node->value.size()) == node->value) {
      node->verbatim = true;
      node->value_start = {node->position.line, node->position.column + 1};
    }
  }

  void Open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
            YamlNode::Kind kind) {
    if (skipped_levels_ > 0) {
      ++skipped_levels_;
      return;
    }
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    if (static_cast<int>(open_.size()) >= kMaxYamlDepth) {
      // Reported once: everything below is dropped unread, so a deep file costs no more.
      if (!depth_reported_) {
        Error(mark, fmt::format("nesting deeper than {} levels", kMaxYamlDepth));
        depth_reported_ = true;
      }
      Add(YamlNode{.kind = YamlNode::Kind::kRefused, .position = PositionOf(mark)});
      skipped_levels_ = 1;
      return;
    }
    open_.push_back(Add(YamlNode{.kind = kind, .position = PositionOf(mark)}));
  }

  void Close() {
    if (skipped_levels_ > 0) {
      --skipped_levels_;
      return;
    }
    if (open_.empty()) return;
    if (open_.back()->kind == YamlNode::Kind::kMap) CheckKeys(*open_.back());
    open_.pop_back();
  }

  // yaml-cpp accepts a key twice and complex keys; a pipeline file wants neither.
  void CheckKeys(const YamlNode& map) {
    std::unordered_map<std::string, FilePosition> seen;
    for (size_t i = 0; i < map.MapSize(); ++i) {
      const YamlNode& key = map.Key(i);
      if (key.kind == YamlNode::Kind::kRefused) continue;
      if (key.kind != YamlNode::Kind::kScalar) {
        errors_->push_back(
            {key.position, "", fmt::format("a key must be text, not {}", key.KindName())});
        continue;
      }
      auto [it, inserted] = seen.emplace(key.value, key.position);
      if (!inserted) {
        errors_->push_back({key.position, "",
                            fmt::format("'{}' is given twice (first at line {}, column {})",
                                        key.value, it->second.line, it->second.column)});
      }
    }
  }

  // Children of the innermost open node never move while it is open: only its own vector grows,
  // and every node below it in `open_` is an ancestor whose vector is not touched meanwhile.
  YamlNode* Add(YamlNode node) {
    if (open_.empty()) {
      root_ = std::make_unique<YamlNode>(std::move(node));
      return root_.get();
    }
    open_.back()->children.push_back(std::move(node));
    return &open_.back()->children.back();
  }

  std::string_view text_;
  PipelineErrors* errors_;
  std::unique_ptr<YamlNode> root_;
  std::vector<YamlNode*> open_;
  int skipped_levels_ = 0;
  bool depth_reported_ = false;
  std::string anchor_name_;
  std::map<YAML::anchor_t, std::string> anchor_names_;
};

// Sees a second document's start; its content is parsed (to find its end) but not kept.
class DocumentCounter final : public YAML::EventHandler {
 public:
  FilePosition start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = PositionOf(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The line `mark` stands on, for hints about a known trap.
std::string_view LineAt(std::string_view text, const YAML::Mark& mark) {
  if (mark.is_null() || mark.pos < 0 || static_cast<size_t>(mark.pos) > text.size()) return {};
  const size_t begin = text.rfind('\n', mark.pos == 0 ? 0 : mark.pos - 1);
  const size_t start = begin == std::string_view::npos || mark.pos == 0 ? 0 : begin + 1;
  const size_t end = text.find('\n', mark.pos);
  return text.substr(start, end == std::string_view::npos ? end : end - start);
}

void AddParseError(const YAML::Exception& e, std::string_view text, PipelineErrors* errors) {
  std::string message = "malformed YAML: " + e.msg;
  // Braces end a plain value inside a {...} map, so `{pg: ${URL}}` does not parse.
  if (LineAt(text, e.mark).find("${") != std::string_view::npos) {
    message += " (inside {...}, quote a value holding ${...}: \"${VAR}\")";
  }
  errors->push_back({PositionOf(e.mark), "", std::move(message)});
}

}  // namespace

FilePosition YamlNode::Advance(FilePosition at, size_t from, size_t to) const {
  if (!verbatim) return position;
  for (size_t i = from; i < to && i < value.size(); ++i) {
    if (value[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

const char* YamlNode::KindName() const {
  switch (kind) {
    case Kind::kNull:
      return "nothing";
    case Kind::kScalar:
      return "text";
    case Kind::kSequence:
      return "a list";
    case Kind::kMap:
      return "a map";
    case Kind::kRefused:
      return "a refused value";
  }
  return "a value";
}

YamlDocument ReadYaml(std::string_view text) {
  YamlDocument doc;
  // A NUL byte is not YAML text (YAML 1.2, 5.1): the reader would stop at it, or read on in a
  // way that shows nothing of why. Refused at its place, and nothing is read.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    const std::string_view before = text.substr(0, nul);
    const size_t line_start = before.rfind('\n');
    const int line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
    const int column =
        static_cast<int>(line_start == std::string_view::npos ? nul + 1 : nul - line_start);
    doc.errors.push_back(
        {{line, column}, "", "a NUL byte: a YAML file is text, and holds none; not read further"});
    return doc;
  }
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  try {
    TreeBuilder builder(text, &doc.errors);
    if (!parser.HandleNextDocument(builder)) return doc;
    doc.root = builder.TakeRoot();
  } catch (const YAML::DeepRecursion& e) {
    // Its own message is "bad file"; the depth error above already says where it began.
    doc.errors.push_back({PositionOf(e.mark), "", "not read further: nested too deep for YAML"});
    doc.root.reset();
    return doc;
  } catch (const YAML::Exception& e) {
    AddParseError(e, text, &doc.errors);
    doc.root.reset();
    return doc;
  }
  try {
    DocumentCounter counter;
    if (parser.HandleNextDocument(counter)) {
      doc.errors.push_back(
          {counter.start, "", "a second document: a pipeline file holds one (no '---' between)"});
    }
  } catch (const YAML::Exception& e) {
    AddParseError(e, text, &doc.errors);
  }
  return doc;
}

}  // namespace sluice
