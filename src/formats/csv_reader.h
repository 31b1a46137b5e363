// A streaming RFC 4180 CSV reader (any one-byte delimiter: ',' by default, tab, ';', ...): quoted
// fields with delimiters, quotes ("") and newlines,
// CRLF or LF line ends, a UTF-8 byte-order mark, and optional trimming of the spaces that some
// writers put after each delimiter. Memory stays at one buffer (grown only for a record longer
// than it), whatever the file size, and a record may take at most Options::max_record_bytes:
// past that Next() fails naming the line (a quote left open makes the rest of a file one
// record, so no later line can be trusted to start a record).
//
// A broken record does not stop the file: Next() reports it as kMalformed with its line number,
// the reason and its raw text, so the caller can keep it as a reject, and reading resumes on the
// next line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/input_stream.h"
#include "core/status.h"

namespace sluice {

struct CsvField {
  std::string_view value;
  bool quoted = false;  // "" is an empty string, while an empty unquoted field is a null
};

struct CsvRecord {
  std::vector<CsvField> fields;  // views valid until the next call to Next()
  uint64_t line = 0;             // 1-based line on which the record starts
  std::string error;             // why the record is malformed
  std::string raw;               // the malformed record's text, for the rejects table
  // The record's bytes as read, without its line end (for a malformed record, those of `raw`);
  // valid until the next call to Next(). Rejects keep it, and it is what encodings are checked on.
  std::string_view text;
};

// The delimiter a user writes (--delimiter): one byte, or "\t" or "tab" for a tab. The quote
// ("), CR, LF, an empty value and anything longer than one byte are a UsageError saying why, in
// words of the value alone.
Result<char> ParseCsvDelimiter(std::string_view text);
// ParseCsvDelimiter's verdict only, as an OptionSpec's `check`.
Status CheckCsvDelimiter(std::string_view text);

class CsvReader {
 public:
  struct Options {
    char delimiter = ',';
    bool trim_leading_spaces = false;
    size_t buffer_size = size_t{1} << 20;
    // The most bytes one record may take (64 MiB, as much as a warehouse reject keeps).
    size_t max_record_bytes = size_t{64} << 20;
  };

  enum class Outcome { kRecord, kMalformed, kEnd };

  // `path` as InputStream::Open takes it: "-" is standard input, gzip is decompressed.
  static Result<std::unique_ptr<CsvReader>> OpenFile(const std::string& path, Options options);
  static std::unique_ptr<CsvReader> FromStream(std::unique_ptr<InputStream> input, Options options);
  static std::unique_ptr<CsvReader> FromString(std::string data, Options options);

  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record, skipping blank lines. An I/O failure, or a record over
  // max_record_bytes (kInvalidArgument, "line N: ..."), is an error status.
  Result<Outcome> Next(CsvRecord* record);

  // Bytes of the (decompressed) input read past so far.
  uint64_t bytes_consumed() const { return bytes_before_buffer_ + begin_; }

  // The 0-based field of `record_text` (a record's `text`) that byte `offset` falls in, counting
  // delimiters outside quotes.
  static size_t FieldIndexAt(std::string_view record_text, size_t offset, char delimiter);

 private:
  explicit CsvReader(Options options);

  // Makes more input available after end_, compacting the buffer from begin_ and growing it when
  // a single record fills it. Returns false at end of input.
  Result<bool> Refill();
  bool SplitFields(size_t start, size_t end, CsvRecord* record);

  std::unique_ptr<InputStream> input_;  // null when reading from a string
  Options options_;
  std::string buffer_;
  size_t begin_ = 0;  // start of unconsumed input
  size_t end_ = 0;    // end of valid input
  bool eof_ = false;
  bool at_start_ = true;
  uint64_t line_ = 1;
  uint64_t bytes_before_buffer_ = 0;
  std::string unescaped_;
};

}  // namespace sluice
