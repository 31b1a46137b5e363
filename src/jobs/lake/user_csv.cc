#include "jobs/lake/user_csv.h"

#include <fmt/format.h>

#include <array>

#include "core/strings.h"
#include "core/text_check.h"
#include "formats/csv_reader.h"

namespace sluice::lake {
namespace {

constexpr std::array<std::string_view, 3> kColumns = {"first_name", "last_name", "birthts"};
// 0001-01-01T00:00:00Z and the last millisecond of 9999: dates every reader can print.
constexpr int64_t kMinBirthMs = -62'135'596'800'000;
constexpr int64_t kMaxBirthMs = 253'402'300'799'999;

std::string_view Value(const CsvField& field) {
  return field.quoted ? field.value : TrimBlanks(field.value);
}

}  // namespace

std::optional<int64_t> UserIdOf(std::string_view name, std::string_view extension) {
  if (!name.ends_with(extension)) return std::nullopt;
  const std::string_view digits = name.substr(0, name.size() - extension.size());
  if (digits.empty() || digits.size() > 19 || (digits.size() > 1 && digits.front() == '0')) {
    return std::nullopt;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t id = 0;
  if (!ParseInt(digits, &id)) return std::nullopt;
  return id;
}

Result<LakeUser> ParseUserCsv(int64_t user_id, std::string_view bytes) {
  if (bytes.empty()) return InvalidArgument("the object is empty");
  if (std::optional<TextFault> fault = FindUnstorableByte(bytes)) {
    const TextPoint at = PointOf(bytes, fault->offset);
    return InvalidArgument(fmt::format("line {}, byte {}: {}", at.line, at.column,
                                       fault->byte == 0 ? std::string("a NUL byte, which no name "
                                                                      "or number holds")
                                                        : fault->Describe()));
  }
  CsvReader::Options options;
  options.trim_leading_spaces = true;
  options.max_record_bytes = 1 << 20;
  std::unique_ptr<CsvReader> reader = CsvReader::FromString(std::string(bytes), options);

  CsvRecord record;
  ASSIGN_OR_RETURN(CsvReader::Outcome outcome, reader->Next(&record));
  if (outcome == CsvReader::Outcome::kEnd) return InvalidArgument("the object holds only blanks");
  if (outcome == CsvReader::Outcome::kMalformed) {
    return InvalidArgument(fmt::format("the header (line {}): {}", record.line, record.error));
  }
  // Where each of the three columns is in the file.
  std::array<int, kColumns.size()> position;
  position.fill(-1);
  const size_t width = record.fields.size();
  for (size_t i = 0; i < width; ++i) {
    const std::string_view name = TrimBlanks(record.fields[i].value);
    size_t column = 0;
    while (column < kColumns.size() && !AsciiEqualsIgnoreCase(name, kColumns[column]))
      ++column;
    if (column == kColumns.size()) {
      return InvalidArgument(
          fmt::format("the header's field {} is not first_name, last_name or birthts (a header is "
                      "`first_name, last_name, birthts`)",
                      i + 1));
    }
    if (position[column] >= 0) {
      return InvalidArgument(fmt::format("the header names {} twice", kColumns[column]));
    }
    position[column] = static_cast<int>(i);
  }
  for (size_t column = 0; column < kColumns.size(); ++column) {
    if (position[column] < 0) {
      return InvalidArgument(fmt::format("the header has no {} column", kColumns[column]));
    }
  }

  ASSIGN_OR_RETURN(outcome, reader->Next(&record));
  if (outcome == CsvReader::Outcome::kEnd) return InvalidArgument("no data row after the header");
  if (outcome == CsvReader::Outcome::kMalformed) {
    return InvalidArgument(fmt::format("line {}: {}", record.line, record.error));
  }
  if (record.fields.size() != width) {
    return InvalidArgument(fmt::format("line {} has {} field(s) where the header has {}",
                                       record.line, record.fields.size(), width));
  }
  LakeUser user;
  user.user_id = user_id;
  user.first_name = std::string(Value(record.fields[position[0]]));
  user.last_name = std::string(Value(record.fields[position[1]]));
  const std::string_view birthts = Value(record.fields[position[2]]);
  if (!ParseInt(birthts, &user.birth_ms)) {
    return InvalidArgument(fmt::format(
        "line {}, field {}: birthts is not a whole number of milliseconds since the epoch",
        record.line, position[2] + 1));
  }
  if (user.birth_ms < kMinBirthMs || user.birth_ms > kMaxBirthMs) {
    return InvalidArgument(fmt::format("line {}, field {}: birthts is outside the years 1 to 9999",
                                       record.line, position[2] + 1));
  }
  const uint64_t data_line = record.line;
  ASSIGN_OR_RETURN(outcome, reader->Next(&record));
  if (outcome != CsvReader::Outcome::kEnd) {
    return InvalidArgument(fmt::format(
        "more than one data row (line {} follows the row on line {}); a user's object holds one",
        record.line, data_line));
  }
  return user;
}

}  // namespace sluice::lake
