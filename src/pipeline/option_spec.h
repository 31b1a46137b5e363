// Options declared once: each component (a source, a transform, a sink) and each command lists
// its options as OptionSpecs, and everything else is derived from that list: the command-line
// flags and their --help text with ranges, choices, defaults and environment variables
// (cli/option_binder.h), the checks of a value, the environment fallbacks, and the reference
// pages docs/components/*.md (OptionsMarkdown). A declared pipeline file binds the same specs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice {

enum class OptionType {
  kString,  // any text
  kInt,     // a whole number; `min`/`max` bound it when `bounded`
  kChoice,  // one of `choices`
  kPath,    // a file path
  kFlag,    // on when given; takes no value
  kList,    // positional values, one or more
};

struct OptionSpec {
  std::string name = {};  // the long flag without dashes ("days"), or a positional's name ("files")
  OptionType type = OptionType::kString;
  std::string summary = {};               // one line, for --help
  std::string default_value = {};         // as text; empty when there is none
  bool bounded = false;                   // kInt: whether [min, max] applies
  int64_t min = 0, max = 0;               // inclusive
  std::vector<std::string> choices = {};  // kChoice
  std::string env = {};    // the environment variable standing in when the flag is not given
  std::string alias = {};  // a short flag ("-m"); empty when there is none
  bool required = false;   // a value must come from the flag or `env`
  bool positional = false;
  bool must_exist = false;    // kPath, kList: each value names an existing file
  std::string excludes = {};  // another option of the command that cannot be given with this one
  std::string example = {};   // how a value looks ("postgresql://..."), for the missing-value error
  std::string description = {};  // more than the summary, for the docs; may be empty
  // Carries a secret: a password-bearing URL, or a key (for an option named "*-file", the file
  // holding it). Its value never appears in an error, and a pipeline file gives a secret value
  // only as an environment reference (pipeline/component_options.h).
  bool secret = false;
  // kPath: a definition the pipeline is made of (a message schema, a models file) rather than
  // data it reads. A relative path written in a pipeline file is taken from the pipeline file's
  // folder, so the file and its definitions move together; data paths (`file`, `files`) and
  // values from the command line or the environment are taken from the working directory.
  bool beside_pipeline = false;
  // The rule of the value's own shape, beyond its type: a table name, a queue name or URL, a
  // host:port. Called with the value as given (an empty one included, for a kString given empty
  // on purpose) by CheckOptionValue, so the command line's binder and a pipeline file's binder
  // (and each item of a kList) refuse the same values, before anything is connected to. It
  // returns Ok or a UsageError that says why in words of the value alone ("is longer than ..."),
  // without the flag or the file position, which the caller puts in front; it never quotes a
  // secret option's value. Runs only once the type's own check passed. nullptr: no rule.
  Status (*check)(std::string_view value) = nullptr;
  // What `check` accepts, in words, for --help and the docs ("a lower-case name, at most 55
  // bytes"); OptionRule returns it for a kString.
  std::string check_rule = {};
};

// Shorthands for the common shapes; set the rest of the fields on the result.
OptionSpec TextOption(std::string name, std::string summary, std::string default_value = "");
OptionSpec IntOption(std::string name, std::string summary, int64_t default_value, int64_t min,
                     int64_t max);
OptionSpec ChoiceOption(std::string name, std::string summary, std::vector<std::string> choices,
                        std::string default_value);
OptionSpec FlagOption(std::string name, std::string summary);
OptionSpec PathOption(std::string name, std::string summary, bool must_exist);

// Whether the value itself is the secret (`secret`, and not a "*-file" option, whose value is a
// path to the secret): a pipeline file then takes only "${VARIABLE}" for it.
bool IsSecretValue(const OptionSpec& spec);

// The flag as written on a command line: "--days", or the positional's name.
std::string FlagName(const OptionSpec& spec);

// Whether `value` is acceptable for `spec` (a number in range, a known choice, then the spec's
// own `check`); the error is a usage error naming the flag and the rule. Existence of files is
// left to the binder.
Status CheckOptionValue(const OptionSpec& spec, std::string_view value);

// Why `text` is not a kInt value of `spec`, in words that follow the value ("is out of range:
// 1 to 64"), or "" when it is one. A number in exponent form ("1e30") is told so, since it may
// well be whole; digits beyond a 64-bit integer are out of range, not "not a number"; a '+' sign
// is "not written as digits", and a leading zero ("010") is refused, since YAML 1.1 readers take
// it as octal.
std::string IntValueProblem(const OptionSpec& spec, std::string_view text);

// The value a pipeline's variable lookup gives for a variable it has no value for, when the
// option it fills is never used (`sluice test` runs no source or sink, so their URLs need none):
// no option's own `check` applies to it, since it could meet none. It begins with a control
// character, which no value a check accepts holds.
std::string UnusedValuePlaceholder(std::string_view name);

// Only the spec's `check` (Ok without one; none for an UnusedValuePlaceholder): its message as it
// is, without the flag, for a caller that says where the value stands itself (a pipeline file's
// line and column).
Status CheckOwnRule(const OptionSpec& spec, std::string_view value);

// The values of one command's options, by name, as text: filled by the binder (or a pipeline
// file), completed by ResolveOptions, read by the command.
class OptionValues {
 public:
  // The slot a binder writes into; stable for the life of the object.
  std::string& Text(const std::string& name) { return slots_[name].text; }
  std::vector<std::string>& List(const std::string& name) { return slots_[name].list; }
  bool& Given(const std::string& name) { return slots_[name].given; }

  // Typed reads after ResolveOptions. A name that was never declared is a bug: Die.
  const std::string& String(std::string_view name) const;
  int64_t Int(std::string_view name) const;
  bool Flag(std::string_view name) const;
  const std::vector<std::string>& Strings(std::string_view name) const;
  // Whether the value came from the command line (not a default or the environment).
  bool FromCommandLine(std::string_view name) const;

  // Fills what the command line left out, in order: the environment variable (read through
  // core/environment.h), then the default. A required option still without a value, or a value
  // CheckOptionValue refuses, is a usage error. Call once, after parsing.
  Status Resolve(std::span<const OptionSpec> specs);

 private:
  struct Slot {
    std::string text;
    std::vector<std::string> list;
    bool given = false;
  };
  const Slot& Find(std::string_view name) const;
  std::map<std::string, Slot, std::less<>> slots_;
};

// The options as a Markdown table (flag, type and rule, default, environment, what it does),
// for docs/components/*.md and `sluice components NAME`.
std::string OptionsMarkdown(std::span<const OptionSpec> specs);

// The rule of a value in words: "1 to 3660", "siv or hmac", "an existing file", or "".
std::string OptionRule(const OptionSpec& spec);

}  // namespace sluice
