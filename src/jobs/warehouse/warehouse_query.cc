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
