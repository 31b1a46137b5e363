#include "formats/csv_writer.h"

#include <cerrno>
#include <cstring>

namespace sluice {

void CsvWriter::AppendField(std::string& out, std::string_view value, char delimiter) {
  bool needs_quotes = value.empty() || value.front() == ' ' || value.back() == ' ';
  for (char c : value) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void CsvWriter::Separate() {
  if (row_started_) buffer_.push_back(delimiter_);
  row_started_ = true;
}

void CsvWriter::Field(std::string_view value) {
  Separate();
  AppendField(buffer_, value, delimiter_);
}

void CsvWriter::NullField() {
  Separate();
}

void CsvWriter::EndRow() {
  buffer_.push_back('\n');
  row_started_ = false;
  if (out_ && buffer_.size() >= (size_t{1} << 16)) (void)Flush();
}

Status CsvWriter::Flush() {
  if (!out_ || buffer_.empty()) return Status::Ok();
  size_t n = std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
  bool complete = n == buffer_.size();
  buffer_.clear();
  if (!complete || std::fflush(out_) != 0) {
    return IoError(std::string("writing CSV failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace sluice
