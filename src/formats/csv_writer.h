// Writes CSV (RFC 4180) to a file descriptor or a string, quoting only fields that need it.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

class CsvWriter {
 public:
  // Writes to `out` (not owned). Output is buffered; Flush() or destruction writes it.
  explicit CsvWriter(std::FILE* out, char delimiter = ',') : out_(out), delimiter_(delimiter) {}
  ~CsvWriter() { (void)Flush(); }

  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  void Field(std::string_view value);
  void NullField();  // an empty, unquoted field
  void EndRow();
  Status Flush();

  // The buffered output not yet flushed; lets tests and in-memory callers read it.
  const std::string& buffer() const { return buffer_; }

  static void AppendField(std::string& out, std::string_view value, char delimiter);

 private:
  void Separate();

  std::FILE* out_;
  char delimiter_;
  bool row_started_ = false;
  std::string buffer_;
};

}  // namespace sluice
