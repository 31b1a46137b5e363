#include "pipeline/option_spec.h"

#include <fmt/format.h>

#include <charconv>

#include "core/environment.h"

namespace sluice {
namespace {

std::string JoinChoices(const std::vector<std::string>& choices, std::string_view last) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += i + 1 == choices.size() ? fmt::format(" {} ", last) : ", ";
    out += choices[i];
  }
  return out;
}

bool ParseInt64(std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "-12", "007": digits with an optional sign, whatever their size.
bool IsDigits(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// "1e30", "2.5E3", "-1e-2": a decimal with an exponent (YAML 1.2's float form, less .inf/.nan).
bool IsExponentForm(std::string_view text) {
  const size_t e = text.find_first_of("eE");
  if (e == std::string_view::npos) return false;
  std::string_view mantissa = text.substr(0, e), exponent = text.substr(e + 1);
  if (const size_t dot = mantissa.find('.'); dot != std::string_view::npos) {
    const std::string_view fraction = mantissa.substr(dot + 1);
    if (!fraction.empty() && fraction.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    mantissa = mantissa.substr(0, dot);
  }
  return IsDigits(mantissa) && IsDigits(exponent);
}

// A Markdown table cell: pipes would end it, line breaks would end the row.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

OptionSpec TextOption(std::string name, std::string summary, std::string default_value) {
  OptionSpec spec{.name = std::move(name), .summary = std::move(summary)};
  spec.default_value = std::move(default_value);
  return spec;
}

OptionSpec IntOption(std::string name, std::string summary, int64_t default_value, int64_t min,
                     int64_t max) {
  OptionSpec spec{.name = std::move(name), .type = OptionType::kInt, .summary = std::move(summary)};
  spec.default_value = std::to_string(default_value);
  spec.bounded = true;
  spec.min = min;
  spec.max = max;
  return spec;
}

OptionSpec ChoiceOption(std::string name, std::string summary, std::vector<std::string> choices,
                        std::string default_value) {
  OptionSpec spec{
      .name = std::move(name), .type = OptionType::kChoice, .summary = std::move(summary)};
  spec.choices = std::move(choices);
  spec.default_value = std::move(default_value);
  return spec;
}

OptionSpec FlagOption(std::string name, std::string summary) {
  return OptionSpec{
      .name = std::move(name), .type = OptionType::kFlag, .summary = std::move(summary)};
}

OptionSpec PathOption(std::string name, std::string summary, bool must_exist) {
  OptionSpec spec{
      .name = std::move(name), .type = OptionType::kPath, .summary = std::move(summary)};
  spec.must_exist = must_exist;
  return spec;
}

bool IsSecretValue(const OptionSpec& spec) {
  return spec.secret && !std::string_view(spec.name).ends_with("-file");
}

std::string FlagName(const OptionSpec& spec) {
  return spec.positional ? spec.name : "--" + spec.name;
}

std::string OptionRule(const OptionSpec& spec) {
  switch (spec.type) {
    case OptionType::kInt:
      return spec.bounded ? fmt::format("{} to {}", spec.min, spec.max) : "a whole number";
    case OptionType::kChoice:
      return JoinChoices(spec.choices, "or");
    case OptionType::kPath:
      return spec.must_exist ? "an existing file" : "a file path";
    case OptionType::kList:
      return spec.must_exist ? "existing files" : "one or more values";
    case OptionType::kFlag:
      return "a flag";
    case OptionType::kString:
      return spec.check_rule;
  }
  return "";
}

std::string IntValueProblem(const OptionSpec& spec, std::string_view text) {
  const std::string range =
      spec.bounded ? fmt::format("{} to {}", spec.min, spec.max) : "a 64-bit integer";
  // "+4" and "010" are numbers to some readers and not to others: a YAML 1.1 reader takes a
  // leading zero as octal (010 is 8), and '+' is not part of a whole number written in digits.
  if (text.starts_with('+') && IsDigits(text)) {
    return "is not written as digits: leave out the '+'";
  }
  if (const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
      digits.size() > 1 && digits[0] == '0' && IsDigits(digits)) {
    return "has a leading zero, which YAML 1.1 readers take as octal: write it without the zero";
  }
  int64_t n;
  if (ParseInt64(text, &n)) {
    if (!spec.bounded || (n >= spec.min && n <= spec.max)) return "";
    return "is out of range: " + range;
  }
  if (IsDigits(text)) return "is out of range: " + range;
  if (IsExponentForm(text)) {
    return fmt::format("is in exponent form: write a whole number in digits, {}", range);
  }
  return "is not a whole number";
}

// Begins every UnusedValuePlaceholder: ASCII SUB, then words a reader of a dump can follow.
constexpr std::string_view kUnusedMark =
    "\x1a"
    "unused-";

std::string UnusedValuePlaceholder(std::string_view name) {
  return std::string(kUnusedMark) + std::string(name);
}

Status CheckOwnRule(const OptionSpec& spec, std::string_view value) {
  if (spec.check == nullptr || value.starts_with(kUnusedMark)) return Status::Ok();
  Status st = spec.check(value);
  if (st.ok() || st.code() == StatusCode::kUsage) return st;
  return UsageError(st.message());  // a check's refusal is always bad usage
}

Status CheckOptionValue(const OptionSpec& spec, std::string_view value) {
  switch (spec.type) {
    case OptionType::kInt: {
      int64_t n;
      if (const std::string problem = IntValueProblem(spec, value);
          problem.starts_with("is not written") || problem.starts_with("has a leading zero")) {
        return UsageError(fmt::format("{}: {} (it is {})", FlagName(spec), problem,
                                      spec.secret ? "the value" : value));
      }
      if (!ParseInt64(value, &n)) {
        const std::string problem = IntValueProblem(spec, value);
        return UsageError(problem == "is not a whole number"
                              ? fmt::format("{}: expected a whole number", FlagName(spec))
                              : fmt::format("{}: {} (it is {})", FlagName(spec), problem,
                                            spec.secret ? "the value" : value));
      }
      if (spec.bounded && (n < spec.min || n > spec.max)) {
        return UsageError(
            fmt::format("{}: must be {} to {} (it is {})", FlagName(spec), spec.min, spec.max, n));
      }
      return Status::Ok();
    }
    case OptionType::kChoice:
      for (const auto& c : spec.choices) {
        if (c == value) return Status::Ok();
      }
      return UsageError(
          fmt::format("{}: must be {}", FlagName(spec), JoinChoices(spec.choices, "or")));
    default:
      if (Status st = CheckOwnRule(spec, value); !st.ok()) {
        return UsageError(fmt::format("{}: {}", FlagName(spec), st.message()));
      }
      return Status::Ok();
  }
}

const OptionValues::Slot& OptionValues::Find(std::string_view name) const {
  auto it = slots_.find(name);
  if (it == slots_.end()) DieOfBug(fmt::format("option '{}' was never declared", name));
  return it->second;
}

const std::string& OptionValues::String(std::string_view name) const {
  return Find(name).text;
}

int64_t OptionValues::Int(std::string_view name) const {
  int64_t n = 0;
  if (!ParseInt64(Find(name).text, &n)) return 0;  // Resolve refused anything else
  return n;
}

bool OptionValues::Flag(std::string_view name) const {
  return Find(name).text == "true";
}

const std::vector<std::string>& OptionValues::Strings(std::string_view name) const {
  return Find(name).list;
}

bool OptionValues::FromCommandLine(std::string_view name) const {
  return Find(name).given;
}

Status OptionValues::Resolve(std::span<const OptionSpec> specs) {
  for (const OptionSpec& spec : specs) {
    Slot& slot = slots_[spec.name];
    if (spec.type == OptionType::kList) {
      if (slot.list.empty() && spec.required) {
        return UsageError(fmt::format("{}: give at least one", FlagName(spec)));
      }
      for (const std::string& item : slot.list)
        RETURN_IF_ERROR(CheckOptionValue(spec, item));
      continue;
    }
    if (spec.type == OptionType::kFlag) {
      slot.text = slot.given ? "true" : "false";
      continue;
    }
    // An empty value given on purpose never falls back to the environment or a default (an
    // unset shell variable in `--pg "$URL"` must not reach libpq's own defaults): a number, a
    // choice, a path, or a value the environment could give, is refused; other text is the
    // command's to judge, with a reason of its own.
    if (slot.given && slot.text.empty() &&
        (spec.type != OptionType::kString || !spec.env.empty())) {
      return UsageError(fmt::format("{}: is empty", FlagName(spec)));
    }
    if (!slot.given && !spec.env.empty()) slot.text = GetEnv(spec.env);
    if (!slot.given && slot.text.empty()) slot.text = spec.default_value;
    if (!slot.given && slot.text.empty() && spec.required) {
      const std::string value = spec.example.empty() ? "VALUE" : spec.example;
      return UsageError(
          spec.env.empty()
              ? fmt::format("{} is required: pass {} {}", FlagName(spec), FlagName(spec), value)
              : fmt::format("no value for {}: pass {} {} or set {}", FlagName(spec), FlagName(spec),
                            value, spec.env));
    }
    // A value given empty is judged by the spec's own check, when it has one.
    if (!slot.text.empty() || (slot.given && spec.check != nullptr)) {
      RETURN_IF_ERROR(CheckOptionValue(spec, slot.text));
    }
  }
  return Status::Ok();
}

std::string OptionsMarkdown(std::span<const OptionSpec> specs) {
  std::string out =
      "| Option | Value | Default | Environment | What it does |\n"
      "|---|---|---|---|---|\n";
  for (const OptionSpec& spec : specs) {
    std::string flag = "`" + FlagName(spec) + "`";
    if (!spec.alias.empty()) flag += ", `" + spec.alias + "`";
    std::string what = spec.summary;
    if (!spec.description.empty()) what += ". " + spec.description;
    if (spec.required) what += " (required)";
    if (IsSecretValue(spec)) what += " (a secret: a pipeline file gives it only as `${VARIABLE}`)";
    out += fmt::format("| {} | {} | {} | {} | {} |\n", flag, Cell(OptionRule(spec)),
                       spec.default_value.empty() ? "" : "`" + Cell(spec.default_value) + "`",
                       spec.env.empty() ? "" : "`" + spec.env + "`", Cell(what));
  }
  return out;
}

}  // namespace sluice
