// Streams the records of a JSON array or NDJSON file as text, holding one record at a time, for
// callers that pass records on whole (`queue send` makes each one a message body) and must not
// hold the file. Unlike ForEachJsonRecord, nothing is parsed: the array's structure (brackets,
// strings, commas) is checked, an element's content is not, just as a line of NDJSON that is
// not JSON is passed on as it is, for its consumer to reject visibly.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "formats/json_reader.h"

namespace sluice {

struct RawJsonRecord {
  JsonPosition position;  // 1-based line, or 0-based array index
  // NDJSON: the line without its line end and trailing blanks. Array: the element without the
  // whitespace outside its strings (one space kept where two tokens would otherwise merge).
  // Empty when `oversized`.
  std::string_view text;
  uint64_t size = 0;       // bytes of `text`; for an oversized record, the bytes it took
  bool oversized = false;  // over `max_record_bytes`: measured, never held
};
using RawJsonRecordFn = std::function<Status(const RawJsonRecord& record)>;

// A UTF-8 byte-order mark (EF BB BF), which some editors write at the start of a file. It is no
// part of the JSON text (RFC 8259 section 8.1 lets a parser ignore it), so every reader here
// skips one at the start of a file before deciding between an array, NDJSON and values spanning
// lines, and positions (lines, elements) are unchanged by it.
inline constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

// `text` without a leading UTF-8 byte-order mark.
std::string_view WithoutByteOrderMark(std::string_view text);

// Puts `file` at its start, past a UTF-8 byte-order mark if it begins with one.
void RewindPastByteOrderMark(std::FILE* file);

// The first byte of `file` past a UTF-8 byte-order mark and JSON blanks (space, tab, CR, LF),
// read from its start, or EOF; the file is left just after that byte. It tells a file's layout
// ('[' is an array) and whether it holds any value.
int FirstByteAfterMarkAndBlanks(std::FILE* file);

// The lines of a file, each held up to `max_line_bytes`: a longer line is measured to its line
// end (or the end of the file) while being read, never held, and handed out with `oversized`
// set and no text. Memory is one line of at most the limit plus a 64 KiB read, whatever the
// file holds; a file with no line end at all (/dev/zero) never grows it. Reads from where the
// file is positioned.
class BoundedLineReader {
 public:
  struct Line {
    std::string_view text;  // without its '\n' ('\r' kept); empty when oversized
    uint64_t size = 0;      // bytes of the line without its '\n', held or not
    bool oversized = false;
  };
  // `stop`, when given, is looked at after each 64 KiB read: once it is true, Next ends as at
  // the end of the file, the line in hand unfinished, so a reader told to stop does not wait
  // for the end of a line that has none.
  BoundedLineReader(std::FILE* file, size_t max_line_bytes,
                    const std::atomic<bool>* stop = nullptr);
  // The next line into *line (valid until the next call): true, or false at the end of the
  // file (or once stopped); IoError if the file can no longer be read.
  Result<bool> Next(Line* line);

 private:
  std::FILE* file_;
  size_t max_;
  const std::atomic<bool>* stop_;
  std::string buffer_;
  size_t at_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  std::string line_;
};

// How much of a file's first value is read to decide whether values span lines: --file and
// `queue send` use the same bound, so they always decide alike.
inline constexpr size_t kFirstValueProbeBytes = 64 << 20;

// Whether `file`, read from its start (past a byte-order mark), begins with a value spanning
// lines (FirstJsonValueSpansLines, json_parse.h); the file is rewound afterwards (past the mark).
// Only a first value opening with '{' or '[' can span lines, so nothing else is read further;
// at most kFirstValueProbeBytes are read, however long the first line is.
bool FileStartsWithValueSpanningLines(std::FILE* file);

// Calls `fn` for each record of `path`: a top-level array when its first non-blank byte (after a
// UTF-8 byte-order mark, which is skipped) is '[',
// else NDJSON (blank lines skipped), or, when the first value spans lines (`jq .` output,
// FileStartsWithValueSpanningLines), one record per value from its first line to the line
// closing its brackets, the lines joined by '\n' (without '\r'), at the line it starts on. Memory
// is one record of at most `max_record_bytes` plus a 64 KiB read buffer. An array that is not well
// formed (a bracket that does not match, an empty element, text after the closing bracket, the end
// of the file inside it) is an error naming the byte offset, found in a first pass over the file
// before `fn` sees any record.
Status ForEachRawJsonRecord(const std::string& path, size_t max_record_bytes,
                            const RawJsonRecordFn& fn);

// The elements of a JSON array file, one at a time, for a reader that pulls them (the --file
// source) rather than being called; each is the text ForEachRawJsonRecord gives for it. Memory
// is one 64 KiB read and the elements it completes. The file is checked whole by Open, as by
// ForEachRawJsonRecord: a broken array, or an element over `max_element_bytes`, is an
// InvalidArgument naming the byte offset or the size before any element is handed out.
class JsonArrayElementReader {
 public:
  struct Element {
    uint64_t index = 0;  // from 0
    std::string text;
  };
  static Result<std::unique_ptr<JsonArrayElementReader>> Open(const std::string& path,
                                                              size_t max_element_bytes);
  ~JsonArrayElementReader();
  // The next element into *element: true, or false after the last one; an error if the file
  // can no longer be read.
  Result<bool> Next(Element* element);

 private:
  struct Impl;
  explicit JsonArrayElementReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The same over text in memory, fed to the reader `chunk_bytes` at a time (the file reader's
// chunks are 64 KiB): records must not depend on where the chunks end.
Status ForEachRawJsonRecordInString(std::string_view text, size_t max_record_bytes,
                                    const RawJsonRecordFn& fn, size_t chunk_bytes = 64 * 1024);

}  // namespace sluice
