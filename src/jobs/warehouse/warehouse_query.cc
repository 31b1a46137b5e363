#include "jobs/warehouse/warehouse_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>

#include "core/json_escape.h"
#include "formats/csv_writer.h"

namespace sluice::warehouse {
namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); they are fixed across versions.
bool IsNumeric(Oid type) {
  switch (type) {
    case 20:    // int8
    case 21:    // int2
    case 23:    // int4
    case 26:    // oid
    case 700:   // float4
    case 701:   // float8
    case 1700:  // numeric
      return true;
    default:
      return false;
  }
}
constexpr Oid kBoolOid = 16;
constexpr Oid kJsonOid = 114;
constexpr Oid kJsonbOid = 3802;
constexpr Oid kTimestampOid = 1114;
constexpr Oid kTimestamptzOid = 1184;

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// PostgreSQL's ISO output ("2021-12-06 20:30:19.5+01", DateStyle ISO) as ISO 8601 / RFC 3339
// §5.6 ("2021-12-06T20:30:19.5+01:00"). Anything else (BC dates, infinity, another DateStyle)
// is returned unchanged: a string still, never a wrong instant.
std::string IsoTimestamp(std::string_view v) {
  if (v.size() < 19 || !IsDigits(v.substr(0, 4)) || v[4] != '-' || v[7] != '-' || v[10] != ' ' ||
      v[13] != ':' || v[16] != ':' || v.find(' ', 11) != std::string_view::npos) {
    return std::string(v);
  }
  std::string out(v);
  out[10] = 'T';
  // PostgreSQL drops ":00" minutes from a whole-hour offset; RFC 3339 requires them.
  const size_t sign = out.find_first_of("+-", 19);
  if (sign != std::string::npos && out.size() - sign == 3 && IsDigits(out.substr(sign + 1))) {
    out += ":00";
  }
  return out;
}

// How the elements of an array column print in JSON, by the array type's OID (pg_type.dat).
enum class ArrayElement { kNotArray, kNumber, kBool, kJson, kTimestamp, kString };

ArrayElement ArrayElementOf(Oid type) {
  switch (type) {
    case 1005:  // int2[]
    case 1007:  // int4[]
    case 1016:  // int8[]
    case 1021:  // float4[]
    case 1022:  // float8[]
    case 1231:  // numeric[]
    case 1028:  // oid[]
      return ArrayElement::kNumber;
    case 1000:  // bool[]
      return ArrayElement::kBool;
    case 199:   // json[]
    case 3807:  // jsonb[]
      return ArrayElement::kJson;
    case 1115:  // timestamp[]
    case 1185:  // timestamptz[]
      return ArrayElement::kTimestamp;
    case 1009:  // text[]
    case 1015:  // varchar[]
    case 1014:  // bpchar[]
    case 2951:  // uuid[]
    case 1182:  // date[]
      return ArrayElement::kString;
    default:
      return ArrayElement::kNotArray;
  }
}

// Reads PostgreSQL's text form of an array ("Array Input and Output Syntax", section 8.15.6 of
// the PostgreSQL documentation) and appends it as a JSON array, nested arrays as nested arrays:
// '{' elements separated by ',' '}', an element double-quoted (with backslash escapes) or bare,
// a bare NULL (any case) is null. A "[1:2]=" prefix of bounds other than 1 is skipped: JSON
// arrays start at 0 whatever the bounds. False, with `out` as it was, for text that is not
// such an array, which the caller then prints as a string.
class PgArrayToJson {
 public:
  PgArrayToJson(std::string_view text, ArrayElement element) : text_(text), element_(element) {}

  bool Append(std::string& out) {
    if (!text_.empty() && text_[0] == '[') {
      const size_t eq = text_.find("]={");
      if (eq == std::string_view::npos) return false;
      pos_ = eq + 2;
    }
    std::string json;
    if (!Array(json, 0) || pos_ != text_.size()) return false;
    out += json;
    return true;
  }

 private:
  // PostgreSQL allows at most 6 dimensions (MAXDIM); deeper text is not its output.
  static constexpr int kMaxDepth = 6;

  bool Array(std::string& out, int depth) {
    if (depth >= kMaxDepth || pos_ >= text_.size() || text_[pos_] != '{') return false;
    ++pos_;
    out += '[';
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      out += ']';
      return true;
    }
    for (bool first = true;; first = false) {
      if (!first) out += ',';
      if (pos_ < text_.size() && text_[pos_] == '{') {
        if (!Array(out, depth + 1)) return false;
      } else if (!Element(out)) {
        return false;
      }
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_++];
      if (c == '}') break;
      if (c != ',') return false;
    }
    out += ']';
    return true;
  }

  bool Element(std::string& out) {
    std::string value;
    bool quoted = false;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      quoted = true;
      for (++pos_;; ++pos_) {
        if (pos_ >= text_.size()) return false;
        char c = text_[pos_];
        if (c == '"') break;
        if (c == '\\') {
          if (++pos_ >= text_.size()) return false;
          c = text_[pos_];
        }
        value += c;
      }
      ++pos_;
    } else {
      const size_t end = text_.find_first_of(",}", pos_);
      if (end == std::string_view::npos || end == pos_) return false;
      value = std::string(text_.substr(pos_, end - pos_));
      pos_ = end;
      if (value.find_first_of("{\"\\") != std::string::npos) return false;
    }
    if (!quoted && value.size() == 4 && (value[0] | 0x20) == 'n' && (value[1] | 0x20) == 'u' &&
        (value[2] | 0x20) == 'l' && (value[3] | 0x20) == 'l') {
      out += "null";
      return true;
    }
    switch (element_) {
      case ArrayElement::kNumber:
        if (value == "NaN" || value == "Infinity" || value == "-Infinity") {
          AppendJsonString(out, value);
        } else {
          out += value;
        }
        break;
      case ArrayElement::kBool:
        out += value == "t" ? "true" : "false";
        break;
      case ArrayElement::kJson:
        out += value;  // each element is JSON PostgreSQL checked on the way in
        break;
      case ArrayElement::kTimestamp:
        AppendJsonString(out, IsoTimestamp(value));
        break;
      default:
        AppendJsonString(out, value);
    }
    return true;
  }

  std::string_view text_;
  ArrayElement element_;
  size_t pos_ = 0;
};

// Display width in characters, counting UTF-8 lead bytes only.
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void PrintTable(const PgResult& r, std::FILE* out) {
  const int cols = r.columns();
  std::vector<size_t> width(cols);
  for (int c = 0; c < cols; ++c) {
    width[c] = DisplayWidth(r.column_name(c));
    for (int row = 0; row < r.rows(); ++row) {
      width[c] = std::max(width[c], DisplayWidth(r.Value(row, c)));
    }
  }
  auto cell = [&](std::string_view text, int c, bool right) {
    size_t pad = width[c] - DisplayWidth(text);
    std::string s = right ? std::string(pad, ' ') + std::string(text)
                          : std::string(text) + std::string(pad, ' ');
    return " " + s + " ";
  };
  std::string line;
  for (int c = 0; c < cols; ++c)
    line += (c ? "|" : "") + cell(r.column_name(c), c, false);
  line += "\n";
  for (int c = 0; c < cols; ++c)
    line += (c ? "+" : "") + std::string(width[c] + 2, '-');
  line += "\n";
  for (int row = 0; row < r.rows(); ++row) {
    for (int c = 0; c < cols; ++c) {
      line += (c ? "|" : "") +
              cell(r.IsNull(row, c) ? "" : r.Value(row, c), c, IsNumeric(r.column_type(c)));
    }
    line += "\n";
  }
  line += fmt::format("({} row{})\n", r.rows(), r.rows() == 1 ? "" : "s");
  std::fputs(line.c_str(), out);
}

void PrintCsv(const PgResult& r, std::FILE* out) {
  CsvWriter writer(out);
  for (int c = 0; c < r.columns(); ++c)
    writer.Field(r.column_name(c));
  writer.EndRow();
  for (int row = 0; row < r.rows(); ++row) {
    for (int c = 0; c < r.columns(); ++c) {
      if (r.IsNull(row, c)) {
        writer.NullField();
      } else {
        writer.Field(r.Value(row, c));
      }
    }
    writer.EndRow();
  }
  (void)writer.Flush();
}

// The first column name given twice, if any.
std::optional<std::string> RepeatedColumn(const PgResult& r) {
  std::set<std::string_view> seen;
  for (int c = 0; c < r.columns(); ++c) {
    if (!seen.insert(r.column_name(c)).second) return std::string(r.column_name(c));
  }
  return std::nullopt;
}

void AppendJsonRows(const PgResult& r, std::string& s) {
  s += "[";
  for (int row = 0; row < r.rows(); ++row) {
    s += row ? ",\n {" : "\n {";
    for (int c = 0; c < r.columns(); ++c) {
      if (c) s += ", ";
      AppendJsonString(s, r.column_name(c));
      s += ": ";
      std::string_view v = r.Value(row, c);
      Oid type = r.column_type(c);
      if (r.IsNull(row, c)) {
        s += "null";
      } else if (type == kBoolOid) {
        s += v == "t" ? "true" : "false";
      } else if (IsNumeric(type) && v != "NaN" && v != "Infinity" && v != "-Infinity") {
        s += v;
      } else if (type == kJsonOid || type == kJsonbOid) {
        s += v;  // already JSON: PostgreSQL checked it on the way in
      } else if (type == kTimestampOid || type == kTimestamptzOid) {
        AppendJsonString(s, IsoTimestamp(v));
      } else if (const ArrayElement element = ArrayElementOf(type);
                 element != ArrayElement::kNotArray && PgArrayToJson(v, element).Append(s)) {
        // an array as a JSON array of its elements, each as its type prints in JSON
      } else {
        AppendJsonString(s, v);
      }
    }
    s += "}";
  }
  s += r.rows() ? "\n]" : "]";
}

Status CheckJsonKeys(const PgResult& result) {
  if (auto name = RepeatedColumn(result)) {
    return InvalidArgument(fmt::format(
        "the result names column \"{}\" more than once, and a JSON object cannot hold a key "
        "twice: give the columns distinct names (SELECT ... AS name)",
        *name));
  }
  return Status::Ok();
}

}  // namespace

OptionSpec OutputFormatOption() {
  return ChoiceOption("format", "Output format", {"table", "csv", "json"}, "table");
}

Result<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  return UsageError(fmt::format("unknown output format '{}': use table, csv or json", name));
}

Status AppendResultJson(const PgResult& result, std::string* out) {
  RETURN_IF_ERROR(CheckJsonKeys(result));
  AppendJsonRows(result, *out);
  return Status::Ok();
}

Status PrintResult(const PgResult& result, OutputFormat format, std::FILE* out) {
  switch (format) {
    case OutputFormat::kTable:
      PrintTable(result, out);
      break;
    case OutputFormat::kCsv:
      PrintCsv(result, out);
      break;
    case OutputFormat::kJson: {
      std::string json;
      RETURN_IF_ERROR(AppendResultJson(result, &json));
      json += "\n";
      std::fputs(json.c_str(), out);
      break;
    }
  }
  return Status::Ok();
}

}  // namespace sluice::warehouse
