// The daily-lessons CSV on its way to its location: the header, then one line per (user, day)
// row, handed to the ObjectWriter in 64 KiB writes.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/objstore/object_writer.h"
#include "core/status.h"
#include "formats/csv_writer.h"

namespace sluice::report {

class ReportOutput {
 public:
  explicit ReportOutput(ObjectWriter& writer) : writer_(writer) {
    buffer_ = "user_id,user_name,completion_date,lessons_completed\n";
  }

  // Runs once per output row (millions): integers go through to_chars, not a format string.
  // An empty `date` with a count of 0 is an active user without completions.
  Status Row(int64_t user_id, std::string_view user_name, std::string_view date, uint32_t count) {
    AppendInteger(user_id);
    buffer_.push_back(',');
    CsvWriter::AppendField(buffer_, user_name, ',');
    buffer_.push_back(',');
    buffer_.append(date);
    buffer_.push_back(',');
    AppendInteger(count);
    buffer_.push_back('\n');
    ++rows_;
    return buffer_.size() >= (size_t{1} << 16) ? Flush() : Status::Ok();
  }

  // Hands what is buffered to the writer; the writer's error passes through.
  Status Flush() {
    Status st = writer_.Write(buffer_);
    buffer_.clear();
    return st;
  }

  uint64_t rows() const { return rows_; }

 private:
  template <typename Int>
  void AppendInteger(Int v) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    buffer_.append(digits, static_cast<size_t>(end - digits));
  }

  ObjectWriter& writer_;
  std::string buffer_;
  uint64_t rows_ = 0;
};

}  // namespace sluice::report
