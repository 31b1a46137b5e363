// `sluice warehouse query` and the six business questions: SQL in, a table, CSV or JSON out.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"

namespace sluice::warehouse {

enum class OutputFormat { kTable, kCsv, kJson };

Result<OutputFormat> ParseOutputFormat(const std::string& name);

// --format of the commands that print a result: table, csv or json (default table).
OptionSpec OutputFormatOption();

// Writes a query result in the chosen format. JSON objects cannot hold one key twice (RFC 8259
// §4 leaves such objects' meaning to the reader, and most keep one value), so a result naming a
// column twice ("?column?" for each unnamed expression) fails in JSON, before anything is
// written, naming the column; table and CSV print it as it is.
// In JSON, numbers and booleans are JSON's own, json and jsonb columns are embedded as JSON,
// timestamps are ISO 8601 strings (RFC 3339 §5.6 with the offset for timestamptz), provided
// the session's DateStyle is ISO (see kJsonDateStyle), and arrays of numbers, booleans, text,
// json, timestamps, dates and uuids are JSON arrays (nested for more dimensions) of the same.
Status PrintResult(const PgResult& result, OutputFormat format, std::FILE* out);

// Appends the result to `out` as one JSON array of objects, one per row, as PrintResult's JSON;
// the same refusal of a column named twice, with nothing appended.
Status AppendResultJson(const PgResult& result, std::string* out);

// Set on a session before a query whose result is printed as JSON: the server then prints
// timestamps in the one form PrintResult turns into ISO 8601, whatever the server's default.
inline constexpr std::string_view kJsonDateStyle = "SET DateStyle = 'ISO, YMD'";

// A business question that ships with Sluice, as SQL.
struct Question {
  std::string id;     // "q1"
  std::string title;  // the question in words (the SQL file's first comment line)
  std::string sql;
};

// The questions compiled into the binary from sql/warehouse/*.sql, in order.
const std::vector<Question>& Questions();

}  // namespace sluice::warehouse
