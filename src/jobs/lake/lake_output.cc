#include "jobs/lake/lake_output.h"

#include <fmt/format.h>

#include "core/strings.h"
#include "formats/csv_reader.h"
#include "formats/csv_writer.h"

namespace sluice::lake {

std::string OutputCsv(std::span<const LakeUser> users) {
  std::string out;
  out.reserve(64 + users.size() * 64);
  out.append(kOutputHeader);
  out.push_back('\n');
  for (const LakeUser& user : users) {
    out += std::to_string(user.user_id);
    out.push_back(',');
    CsvWriter::AppendField(out, user.first_name, ',');
    out.push_back(',');
    CsvWriter::AppendField(out, user.last_name, ',');
    out.push_back(',');
    out += std::to_string(user.birth_ms);
    out.push_back(',');
    if (!user.img_path.empty()) CsvWriter::AppendField(out, user.img_path, ',');
    out.push_back('\n');
  }
  return out;
}

Result<std::vector<LakeUser>> ParseOutputCsv(std::string_view bytes) {
  std::unique_ptr<CsvReader> reader = CsvReader::FromString(std::string(bytes), {});
  CsvRecord record;
  ASSIGN_OR_RETURN(CsvReader::Outcome outcome, reader->Next(&record));
  if (outcome != CsvReader::Outcome::kRecord || record.text != kOutputHeader) {
    return InvalidArgument(fmt::format("line 1 is not the header {}", kOutputHeader));
  }
  std::vector<LakeUser> users;
  for (;;) {
    ASSIGN_OR_RETURN(outcome, reader->Next(&record));
    if (outcome == CsvReader::Outcome::kEnd) break;
    if (outcome == CsvReader::Outcome::kMalformed) {
      return InvalidArgument(fmt::format("line {}: {}", record.line, record.error));
    }
    if (record.fields.size() != 5) {
      return InvalidArgument(
          fmt::format("line {} has {} fields, not 5", record.line, record.fields.size()));
    }
    LakeUser user;
    if (!ParseInt(record.fields[0].value, &user.user_id) || user.user_id < 0) {
      return InvalidArgument(fmt::format("line {}: user_id is not a user id", record.line));
    }
    if (!ParseInt(record.fields[3].value, &user.birth_ms)) {
      return InvalidArgument(fmt::format("line {}: birthts is not a whole number", record.line));
    }
    user.first_name = std::string(record.fields[1].value);
    user.last_name = std::string(record.fields[2].value);
    user.img_path = std::string(record.fields[4].value);
    users.push_back(std::move(user));
  }
  return users;
}

}  // namespace sluice::lake
