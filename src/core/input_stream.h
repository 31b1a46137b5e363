// Where Sluice reads an input file from: a path, or `-` for standard input, either of them
// gzip-compressed or not. Compression is told by gzip's magic bytes (1F 8B), not by the name, and
// is undone while reading (zlib's inflate, a 128 KiB window of compressed bytes at a time): a
// file is never held whole to be decompressed. Readers see the decompressed bytes only, so line
// numbers and offsets they report are those of the decompressed text.
//
// gzip data is read as RFC 1952 lays it out: members one after another, each read in turn as one
// text (what `cat a.gz b.gz` makes). Bytes after the last member that do not start another one
// are an error saying where they start, never dropped; so is a stream that ends inside a member.
// Compressed offsets in errors count bytes of the source from 0, for standard input too.
//
// Reading a file twice (a check pass, then the real one) or going back to its start works for a
// file, compressed or not (a compressed one is decompressed again). Standard input cannot be read
// again: it can go back to its start only while what was read of it is still held, at most
// `rewind_bytes` (given at Open). Past that a rewind fails, and the next read fails with an error
// saying that standard input cannot be read twice, rather than the reader going on from the
// wrong place. Its first bytes can be looked at before its reader opens it (OpenToLook).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

// The file name that stands for standard input.
inline constexpr std::string_view kStandardInputName = "-";
inline bool IsStandardInput(std::string_view path) {
  return path == kStandardInputName;
}

// How an input names itself in messages: its path, or "standard input".
std::string InputDisplayName(std::string_view path);

class InputStream {
 public:
  // Opens `path` ("-" for standard input) and reads its first bytes, to tell whether it is gzip.
  // A missing or unreadable file is an IoError naming it.
  static Result<std::unique_ptr<InputStream>> Open(const std::string& path,
                                                   size_t rewind_bytes = 0);
  // As Open, for a look at the first bytes before the input's reader opens it: whatever this
  // stream takes from standard input is given back when it is destroyed, so the next stream
  // opened on "-" reads it again from its first byte (only streams of this process read it).
  static Result<std::unique_ptr<InputStream>> OpenToLook(const std::string& path);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // Up to `size` decompressed bytes into `data`: how many, 0 at the end. gzip data that is
  // corrupt, cut short ("the gzip data is truncated: the compressed stream ended early, at
  // compressed byte N") or followed by bytes that are not another member ("trailing data after
  // the gzip stream at byte N") is an InvalidArgument saying so, with the compressed byte offset
  // and how many bytes it had given; the caller puts the input's name in front.
  Result<size_t> Read(char* data, size_t size);

  // Back to the first byte. Fails for standard input once more than `rewind_bytes` were read
  // (and every later Read fails the same way).
  Status Rewind();

  bool compressed() const { return compressed_; }
  bool standard_input() const { return stdin_; }
  // Decompressed bytes handed out since the start (or the last rewind).
  uint64_t position() const { return position_; }
  const std::string& name() const { return name_; }

 private:
  InputStream() = default;
  static Result<std::unique_ptr<InputStream>> OpenSource(const std::string& path,
                                                         size_t rewind_bytes, bool give_back);
  // Raw bytes of the source into `data` (standard input's given-back bytes first): how many, 0
  // at its end.
  Result<size_t> TakeRaw(char* data, size_t size);
  // More raw bytes into in_ (0 at the source's end).
  Result<size_t> FillRaw();
  // Reads until in_ holds the first two bytes (or the source ends), then starts inflating if
  // they are gzip's.
  Status Probe();
  Result<size_t> ReadSource(char* data, size_t size);
  Result<size_t> Inflate(char* data, size_t size);
  // The compressed offset of the next byte inflate has not taken.
  uint64_t RawOffset() const { return raw_taken_ - (in_end_ - in_at_); }

  std::string name_;
  int fd_ = -1;
  bool compressed_ = false;
  bool stdin_ = false;
  bool give_back_ = false;     // OpenToLook on standard input
  std::string taken_;          // raw bytes taken, kept to give back
  void* inflater_ = nullptr;   // z_stream, set for gzip data
  bool member_ended_ = false;  // a gzip member ended: another one, or the end, is next
  std::string in_;             // raw bytes read and not yet handed on: [in_at_, in_end_)
  size_t in_at_ = 0;
  size_t in_end_ = 0;
  bool raw_ended_ = false;  // the source gave 0 bytes
  uint64_t raw_taken_ = 0;  // raw bytes taken from the source since the start
  size_t rewind_bytes_ = 0;
  std::string held_;           // standard input read so far, while under rewind_bytes
  bool holding_ = true;        // held_ has every byte from the start
  size_t replay_at_ = 0;       // next byte of held_ to hand out again after a rewind
  uint64_t source_bytes_ = 0;  // decompressed bytes taken from the source (not from held_)
  uint64_t position_ = 0;
  std::string failed_;  // set after a rewind that could not be made
};

// A stdio FILE reading an InputStream, for readers written on stdio (fread, fgetc, rewind).
// A failed read sets the FILE's error indicator; InputReadError gives the reason.
using InputFile = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
Result<InputFile> OpenInputFile(const std::string& path, size_t rewind_bytes = 0);

// Why the last read (or rewind) of `file` failed: the InputStream's error for a file from
// OpenInputFile, else an IoError naming `path` with strerror(errno).
Status InputReadError(std::FILE* file, const std::string& path);

// How much of standard input the JSON readers hold so that they can go back to its start
// (telling its layout, checking an array before handing out its first element): 16 MiB.
inline constexpr size_t kStandardInputRewindBytes = size_t{16} << 20;

// All of an input, decompressed, as one string (for a reader that needs a document whole).
Result<std::string> ReadWholeInput(const std::string& path);
Result<std::string> ReadWholeInput(InputStream& stream);

// Whether `path` is a file that starts with gzip's magic bytes (false for "-" and on errors).
bool IsGzipFile(const std::string& path);

// Whether `status` is about reading the input itself (I/O, gzip data cut short or corrupt, bytes
// after it, standard input read twice) rather than about the text it holds.
bool IsInputStreamError(const Status& status);

}  // namespace sluice
