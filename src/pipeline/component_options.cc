#include "pipeline/component_options.h"

#include <fmt/format.h>

#include <map>

#include "core/environment.h"
#include "core/secrets.h"
#include "core/strings.h"
#include "core/suggest.h"

namespace sluice {
namespace {

// What a value of `spec` looks like, for "expected ..." messages.
std::string Expected(const OptionSpec& spec) {
  switch (spec.type) {
    case OptionType::kInt:
      return "a whole number";
    case OptionType::kChoice:
      return "one of " + JoinWithCommas(spec.choices);
    case OptionType::kFlag:
      return "true or false";
    case OptionType::kList:
      return "a list";
    case OptionType::kPath:
      return "a file path";
    case OptionType::kString:
      return "text";
  }
  return "a value";
}

// A value as a message may show it: quoted, or not at all for a secret.
std::string Shown(const OptionSpec& spec, std::string_view value) {
  return spec.secret ? std::string("the value") : fmt::format("'{}'", value);
}

class OptionBinder {
 public:
  OptionBinder(const VariableLookup& lookup, ComponentUse* use, PipelineErrors* errors)
      : lookup_(lookup), use_(use), errors_(errors) {}

  void Bind(const YamlNode& options) {
    const size_t errors_before = errors_->size();
    if (options.kind == YamlNode::Kind::kRefused) return;
    if (options.kind != YamlNode::Kind::kNull && options.kind != YamlNode::Kind::kMap) {
      Error(options.position, use_->path,
            fmt::format("expected a map of options, not {}", options.KindName()));
      return;
    }
    std::map<std::string, FilePosition> given;
    for (size_t i = 0; i < options.MapSize(); ++i) {
      const YamlNode& key = options.Key(i);
      if (key.kind != YamlNode::Kind::kScalar) continue;  // reported by the YAML reader
      const std::string path = use_->path + "." + key.value;
      const OptionSpec* spec = Find(key.value);
      if (!spec) {
        Error(key.position, path, UnknownOption(key.value));
        continue;
      }
      if (!given.emplace(key.value, key.position).second) continue;  // a duplicate, reported
      BindValue(*spec, key, options.Value(i), path);
    }
    CheckExcludes(given);
    CheckRequired(given);
    if (errors_->size() != errors_before) return;
    // What Resolve still refuses was missed above; its message names the flag, not the path.
    Status resolved = use_->values.Resolve(use_->spec->options);
    if (!resolved.ok()) Error(use_->position, use_->path, Redact(resolved.message()));
  }

 private:
  void Error(FilePosition position, std::string path, std::string message) {
    errors_->push_back({position, std::move(path), std::move(message)});
  }

  const OptionSpec* Find(std::string_view name) const {
    for (const OptionSpec& spec : use_->spec->options) {
      if (spec.name == name) return &spec;
    }
    return nullptr;
  }

  std::string UnknownOption(std::string_view name) const {
    std::vector<std::string> names;
    for (const OptionSpec& spec : use_->spec->options)
      names.push_back(spec.name);
    if (names.empty()) return fmt::format("unknown option: {} has no options", use_->spec->name);
    const std::string closest = ClosestName(name, names);
    if (!closest.empty()) return fmt::format("unknown option (did you mean {}?)", closest);
    return fmt::format("unknown option of {}: it has {}", use_->spec->name, JoinWithCommas(names));
  }

  // The scalar's text after interpolation, or nullopt when it has errors (reported).
  std::optional<std::string> Text(const OptionSpec& spec, const YamlNode& node,
                                  const std::string& path) {
    if (IsSecretValue(spec) && !IsWholeReference(node.value)) {
      // A reference written wrongly ("${SLUICE_PG_URL" without its '}') is told as such first:
      // "give it as ${...}" would not say what is wrong with what was written. Only the syntax's
      // own issues, which never quote the text.
      bool syntax = false;
      FilePosition at = node.PositionAt(0);
      size_t offset = 0;
      for (const InterpolationIssue& issue : Interpolate(node.value, lookup_).issues) {
        if (!issue.unset_variable.empty()) continue;
        at = node.Advance(at, offset, issue.offset);
        offset = issue.offset;
        Error(at, path, issue.message);
        syntax = true;
      }
      if (syntax) return std::nullopt;
      Error(node.position, path,
            fmt::format("a secret: give it as ${{{}}} (an environment variable), never inline",
                        spec.env.empty() ? "VARIABLE" : spec.env));
      return std::nullopt;
    }
    Interpolated interpolated = Interpolate(node.value, lookup_);
    // Issues come in the order of their offsets: one pass finds every position.
    FilePosition at = node.PositionAt(0);
    size_t offset = 0;
    for (const InterpolationIssue& issue : interpolated.issues) {
      at = node.Advance(at, offset, issue.offset);
      offset = issue.offset;
      // A secret takes no default, so the hint to give one would lead to another error.
      Error(at, path,
            IsSecretValue(spec) && !issue.unset_variable.empty()
                ? fmt::format("${{{0}}}: {0} is not set: set it in the environment of the process "
                              "that runs the pipeline (a secret takes no default)",
                              issue.unset_variable)
                : issue.message);
    }
    if (!interpolated.issues.empty()) return std::nullopt;
    // A key file's path is not the secret; a URL with its password is.
    if (IsSecretValue(spec)) RegisterSecret(interpolated.value);
    return std::move(interpolated.value);
  }

  void BindValue(const OptionSpec& spec, const YamlNode& key, const YamlNode& node,
                 const std::string& path) {
    if (node.kind == YamlNode::Kind::kRefused) return;
    if (node.kind == YamlNode::Kind::kNull) {
      // Nothing after the key: yaml-cpp marks the next token, maybe lines below; the key is where
      // the value is missing.
      Error(key.position, path, fmt::format("no value: expected {}", Expected(spec)));
      return;
    }
    if (spec.type == OptionType::kList) {
      BindList(spec, node, path);
      return;
    }
    if (node.kind != YamlNode::Kind::kScalar) {
      Error(node.position, path,
            fmt::format("expected {}, not {}", Expected(spec), node.KindName()));
      return;
    }
    // A quoted number is text to a YAML reader, and `sluice schema` says an integer: refused, so
    // that the schema and validate agree. A quoted reference ("${N}") stays a reference.
    if (spec.type == OptionType::kInt && node.quoted &&
        node.value.find("${") == std::string::npos) {
      Error(node.position, path,
            fmt::format("{} is quoted: write a number, not text (without the quotes)",
                        Shown(spec, node.value)));
      return;
    }
    std::optional<std::string> text = Text(spec, node, path);
    if (!text) return;
    if (spec.type == OptionType::kFlag) {
      if (*text != "true" && *text != "false") {
        Error(node.position, path, fmt::format("{} is not true or false", Shown(spec, *text)));
        return;
      }
      use_->values.Given(spec.name) = *text == "true";
      return;
    }
    // As Resolve: an empty value never stands for "use the default or the environment".
    if (text->empty() && (spec.type != OptionType::kString || !spec.env.empty())) {
      Error(node.position, path, fmt::format("is empty: expected {}", Expected(spec)));
      return;
    }
    if (!CheckOptionValue(spec, *text).ok()) {
      Error(node.position, path, Refusal(spec, *text));
      return;
    }
    use_->values.Text(spec.name) = std::move(*text);
    use_->values.Given(spec.name) = true;
    use_->positions[spec.name] = {node.position};
  }

  // CheckOptionValue's verdict in the file's terms: its own message names the command-line flag.
  // A spec's own check says why in words of the value alone, so its message stands as it is.
  static std::string Refusal(const OptionSpec& spec, std::string_view text) {
    if (spec.type == OptionType::kInt) {
      // Digits show as the number they are; other text is quoted.
      const std::string problem = IntValueProblem(spec, text);
      const bool digits = problem.starts_with("is out of range");
      return fmt::format("{} {}", digits && !spec.secret ? std::string(text) : Shown(spec, text),
                         problem.empty() ? "is refused" : problem);
    }
    if (spec.type == OptionType::kChoice) {
      return fmt::format("{} is not {}", Shown(spec, text), Expected(spec));
    }
    Status own = CheckOwnRule(spec, text);
    return own.ok() ? fmt::format("{} is not {}", Shown(spec, text), Expected(spec))
                    : own.message();
  }

  void BindList(const OptionSpec& spec, const YamlNode& node, const std::string& path) {
    if (node.kind != YamlNode::Kind::kSequence) {
      Error(node.position, path,
            fmt::format("expected a list ({}: [a, b]), not {}", spec.name, node.KindName()));
      return;
    }
    std::vector<std::string>& list = use_->values.List(spec.name);
    for (size_t i = 0; i < node.children.size(); ++i) {
      const YamlNode& item = node.children[i];
      const std::string item_path = fmt::format("{}[{}]", path, i);
      if (item.kind == YamlNode::Kind::kRefused) continue;
      if (item.kind != YamlNode::Kind::kScalar) {
        Error(item.position, item_path, fmt::format("expected text, not {}", item.KindName()));
        continue;
      }
      std::optional<std::string> text = Text(spec, item, item_path);
      if (!text) continue;
      if (text->empty()) {
        Error(item.position, item_path, "is empty");
        continue;
      }
      if (Status own = CheckOwnRule(spec, *text); !own.ok()) {
        Error(item.position, item_path, own.message());
        continue;
      }
      list.push_back(std::move(*text));
      use_->positions[spec.name].push_back(item.position);
    }
    if (node.children.empty() && spec.required) {
      Error(node.position, path, "is empty: give at least one");
    }
    use_->values.Given(spec.name) = true;
  }

  void CheckExcludes(const std::map<std::string, FilePosition>& given) {
    for (const OptionSpec& spec : use_->spec->options) {
      if (spec.excludes.empty() || !given.count(spec.name) || !given.count(spec.excludes)) continue;
      Error(given.at(spec.name), use_->path + "." + spec.name,
            fmt::format("cannot be given with {}", spec.excludes));
    }
  }

  void CheckRequired(const std::map<std::string, FilePosition>& given) {
    for (const OptionSpec& spec : use_->spec->options) {
      if (!spec.required || given.count(spec.name)) continue;
      if (!spec.env.empty() && !GetEnv(spec.env).empty()) continue;
      std::string how;
      if (IsSecretValue(spec)) {
        how = fmt::format("{}: ${{{}}}", spec.name, spec.env.empty() ? "VARIABLE" : spec.env);
      } else if (spec.type == OptionType::kList) {
        how = fmt::format("{}: [...]", spec.name);
      } else {
        how = fmt::format("{}: {}", spec.name, spec.example.empty() ? "VALUE" : spec.example);
      }
      Error(use_->position, use_->path,
            spec.env.empty()
                ? fmt::format("{} is required: give {}", spec.name, how)
                : fmt::format("{} is required: give {} or set {}", spec.name, how, spec.env));
    }
  }

  const VariableLookup& lookup_;
  ComponentUse* use_;
  PipelineErrors* errors_;
};

}  // namespace

void BindComponentOptions(const YamlNode& options, const VariableLookup& lookup, ComponentUse* use,
                          PipelineErrors* errors) {
  OptionBinder(lookup, use, errors).Bind(options);
}

}  // namespace sluice
