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

void PrintJson(const PgResult& r, std::FILE* out) {
  std::string s = "[";
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
      } else {
        AppendJsonString(s, v);
      }
    }
    s += "}";
  }
  s += r.rows() ? "\n]\n" : "]\n";
  std::fputs(s.c_str(), out);
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

Status PrintResult(const PgResult& result, OutputFormat format, std::FILE* out) {
  if (format == OutputFormat::kJson) {
    if (auto name = RepeatedColumn(result)) {
      return InvalidArgument(fmt::format(
          "the result names column \"{}\" more than once, and a JSON object cannot hold a key "
          "twice: give the columns distinct names (SELECT ... AS name)",
          *name));
    }
  }
  switch (format) {
    case OutputFormat::kTable:
      PrintTable(result, out);
      break;
    case OutputFormat::kCsv:
      PrintCsv(result, out);
      break;
    case OutputFormat::kJson:
      PrintJson(result, out);
      break;
  }
  return Status::Ok();
}

}  // namespace sluice::warehouse
