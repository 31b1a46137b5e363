// A pipeline file's YAML as a small tree that keeps every node's position and every key of a map,
// duplicates included. It is built from yaml-cpp's event parser, not YAML::Node, because the
// Node API drops positions of keys, silently keeps one of two equal keys, and expands aliases
// (the "billion laughs" of nested aliases grows exponentially on a walk).
//
// What the reader refuses, each an error with its position, collected rather than stopping:
// anchors and aliases (a pipeline has no use for them, and they are how YAML bombs grow), explicit
// tags, nesting deeper than kMaxYamlDepth, a key that is not text, the same key twice in one map,
// and a second document. Malformed YAML is one error carrying yaml-cpp's own message; nothing of
// that document is kept. YAML 1.2 as yaml-cpp reads it (https://yaml.org/spec/1.2.2/).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/pipeline_error.h"

namespace sluice {

// Levels of maps and sequences, the document's top map being 1; a pipeline needs about six.
inline constexpr int kMaxYamlDepth = 32;

struct YamlNode {
  enum class Kind {
    kNull,      // "~", "null", or nothing after a key
    kScalar,    // text; numbers and booleans too, as written
    kSequence,  // `children` are the items
    kMap,       // `children` are key, value, key, value...
    kRefused,   // an alias or a node past the depth limit, already reported: checks skip it
  };
  Kind kind = Kind::kNull;
  FilePosition position = {};
  std::string value = {};  // kScalar
  std::vector<YamlNode> children = {};
  // kScalar: whether `value` stands in the file byte for byte from `value_start` (a plain or
  // quoted scalar without escapes or folded lines), so a position inside it can be told.
  bool verbatim = false;
  FilePosition value_start = {};
  // kScalar: written in quotes ('4' or "4"): text, even when it reads as a number.
  bool quoted = false;

  size_t MapSize() const { return children.size() / 2; }
  const YamlNode& Key(size_t i) const { return children[2 * i]; }
  const YamlNode& Value(size_t i) const { return children[2 * i + 1]; }
  // The position of `value[index]`: exact when `verbatim`, else the scalar's own position.
  FilePosition PositionAt(size_t index) const { return Advance(value_start, 0, index); }
  // The position of `value[to]`, given that of `value[from]` (from <= to): positions of many
  // places in one long scalar, found in one pass.
  FilePosition Advance(FilePosition at, size_t from, size_t to) const;
  // "a map", "a list", "text", "nothing": for "expected ..., not ..." messages.
  const char* KindName() const;
};

struct YamlDocument {
  std::unique_ptr<YamlNode> root;  // null for an empty file or malformed YAML
  PipelineErrors errors;
};

// Reads `text` (the caller bounds its size). Never throws.
YamlDocument ReadYaml(std::string_view text);

}  // namespace sluice
