#include "formats/csv_reader.h"

#include <fmt/format.h>

#include <cstring>

namespace sluice {

Result<char> ParseCsvDelimiter(std::string_view text) {
  if (text == "\\t" || text == "tab" || text == "\t") return '\t';
  if (text.empty())
    return UsageError("is empty: a delimiter is one byte (or \\t or tab for a tab)");
  if (text.size() > 1) {
    return UsageError(fmt::format(
        "is {} bytes: a delimiter is one byte (a character such as ; or |, or \\t or tab)",
        text.size()));
  }
  const char c = text[0];
  if (c == '"') return UsageError("is the quote character, which cannot also separate fields");
  if (c == '\r' || c == '\n') return UsageError("is a line end, which cannot separate fields");
  if (static_cast<unsigned char>(c) >= 0x80) {
    return UsageError("is not ASCII: a delimiter is one byte, not part of a UTF-8 character");
  }
  return c;
}

Status CheckCsvDelimiter(std::string_view text) {
  auto delimiter = ParseCsvDelimiter(text);
  return delimiter.ok() ? Status::Ok() : delimiter.status();
}

Result<std::unique_ptr<CsvReader>> CsvReader::OpenFile(const std::string& path, Options options) {
  ASSIGN_OR_RETURN(std::unique_ptr<InputStream> input, InputStream::Open(path));
  return FromStream(std::move(input), options);
}

std::unique_ptr<CsvReader> CsvReader::FromStream(std::unique_ptr<InputStream> input,
                                                 Options options) {
  std::unique_ptr<CsvReader> reader(new CsvReader(options));
  reader->input_ = std::move(input);
  reader->buffer_.resize(reader->options_.buffer_size);
  return reader;
}

std::unique_ptr<CsvReader> CsvReader::FromString(std::string data, Options options) {
  std::unique_ptr<CsvReader> reader(new CsvReader(options));
  reader->buffer_ = std::move(data);
  reader->end_ = reader->buffer_.size();
  reader->eof_ = true;
  return reader;
}

CsvReader::CsvReader(Options options) : options_(options) {
  if (options_.buffer_size < 64) options_.buffer_size = 64;
}

CsvReader::~CsvReader() = default;

Result<bool> CsvReader::Refill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    bytes_before_buffer_ += begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  ASSIGN_OR_RETURN(size_t n, input_->Read(buffer_.data() + end_, buffer_.size() - end_));
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

Result<CsvReader::Outcome> CsvReader::Next(CsvRecord* record) {
  record->fields.clear();
  record->error.clear();
  record->raw.clear();
  record->text = {};
  for (;;) {
    if (at_start_) {
      // The byte-order mark can only be judged once three bytes are in.
      while (end_ - begin_ < 3 && !eof_) {
        ASSIGN_OR_RETURN(bool more, Refill());
        if (!more) break;
      }
      if (end_ - begin_ >= 3 && std::memcmp(buffer_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
        begin_ += 3;
      }
      at_start_ = false;
    }
    // Pass 1: find the end of the record, honouring quotes. Offsets are relative to begin_,
    // which a refill may move.
    size_t scan = 0;
    bool in_quote = false;
    uint64_t newlines = 0;
    size_t record_len = std::string::npos;  // excluding the line end
    for (;;) {
      const char* data = buffer_.data() + begin_;
      const size_t avail = end_ - begin_;
      while (scan < avail) {
        char c = data[scan];
        if (c == '"') {
          in_quote = !in_quote;
        } else if (c == '\n') {
          if (!in_quote) {
            record_len = scan;
            break;
          }
          ++newlines;
        }
        ++scan;
      }
      // Checked before reading more, so the buffer stops growing near the limit.
      if (record_len != std::string::npos || scan > options_.max_record_bytes) break;
      ASSIGN_OR_RETURN(bool more, Refill());
      if (!more) break;
    }
    const size_t avail = end_ - begin_;
    if ((record_len == std::string::npos ? scan : record_len) > options_.max_record_bytes) {
      return InvalidArgument(
          fmt::format("line {}: the record is over {} bytes, the most one may take{}", line_,
                      options_.max_record_bytes, in_quote ? " (is a quote left open?)" : ""));
    }
    if (record_len == std::string::npos) {
      if (avail == 0) return Outcome::kEnd;
      if (in_quote) {
        // An unterminated quote swallowed the rest of the input. Reject the line it opened on
        // and resume after it, so one bad quote costs one record rather than the file.
        const char* data = buffer_.data() + begin_;
        const void* nl = std::memchr(data, '\n', avail);
        size_t line_len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : avail;
        record->line = line_;
        record->raw.assign(data, line_len);
        if (!record->raw.empty() && record->raw.back() == '\r') record->raw.pop_back();
        record->error = "unterminated quoted field";
        record->text = record->raw;
        begin_ += nl ? line_len + 1 : line_len;
        if (nl) ++line_;
        return Outcome::kMalformed;
      }
      record_len = avail;  // the last record has no line end
    }
    const size_t start = begin_;
    size_t end = begin_ + record_len;
    begin_ = std::min(end + 1, end_);
    record->line = line_;
    line_ += newlines + (end < end_ ? 1 : 0);
    if (end > start && buffer_[end - 1] == '\r') --end;
    if (end == start) continue;  // blank line
    if (SplitFields(start, end, record)) {
      record->text = std::string_view(buffer_.data() + start, end - start);
      return Outcome::kRecord;
    }
    record->raw.assign(buffer_.data() + start, end - start);
    record->text = record->raw;
    record->fields.clear();
    return Outcome::kMalformed;
  }
}

size_t CsvReader::FieldIndexAt(std::string_view record_text, size_t offset, char delimiter) {
  size_t field = 0;
  bool in_quote = false;
  for (size_t i = 0; i < offset && i < record_text.size(); ++i) {
    if (record_text[i] == '"') {
      in_quote = !in_quote;
    } else if (record_text[i] == delimiter && !in_quote) {
      ++field;
    }
  }
  return field;
}

bool CsvReader::SplitFields(size_t start, size_t end, CsvRecord* record) {
  const char delim = options_.delimiter;
  const char* buf = buffer_.data();
  unescaped_.clear();
  // Reserved to the record's size so that views into it stay valid while it fills.
  unescaped_.reserve(end - start);
  size_t p = start;
  for (;;) {
    if (options_.trim_leading_spaces) {
      while (p < end && buf[p] == ' ')
        ++p;
    }
    CsvField field;
    if (p < end && buf[p] == '"') {
      size_t q = p + 1;
      bool escaped = false;
      size_t close;
      for (;;) {
        const void* hit = std::memchr(buf + q, '"', end - q);
        if (!hit) {
          record->error = fmt::format("unterminated quoted field {}", record->fields.size() + 1);
          return false;
        }
        size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - buf);
        if (quote + 1 < end && buf[quote + 1] == '"') {
          escaped = true;
          q = quote + 2;
          continue;
        }
        close = quote;
        break;
      }
      if (escaped) {
        size_t from = unescaped_.size();
        for (size_t i = p + 1; i < close; ++i) {
          unescaped_.push_back(buf[i]);
          if (buf[i] == '"') ++i;  // the second quote of a doubled pair
        }
        field.value = std::string_view(unescaped_).substr(from);
      } else {
        field.value = std::string_view(buf + p + 1, close - p - 1);
      }
      field.quoted = true;
      p = close + 1;
      if (options_.trim_leading_spaces) {
        while (p < end && buf[p] == ' ')
          ++p;
      }
      if (p < end && buf[p] != delim) {
        // The character itself is not quoted: it belongs to a value, which may be personal data
        // (and a lone byte of a multi-byte character would make the message invalid UTF-8).
        record->error = fmt::format(
            "field {} has text after its closing quote (a quote inside a quoted field "
            "is written twice: \"\")",
            record->fields.size() + 1);
        return false;
      }
    } else {
      const void* hit = std::memchr(buf + p, delim, end - p);
      size_t stop = hit ? static_cast<size_t>(static_cast<const char*>(hit) - buf) : end;
      field.value = std::string_view(buf + p, stop - p);
      p = stop;
    }
    record->fields.push_back(field);
    if (p >= end) return true;
    ++p;  // the delimiter
    if (p == end) {
      record->fields.push_back(CsvField{});  // a trailing delimiter ends with an empty field
      return true;
    }
  }
}

}  // namespace sluice
