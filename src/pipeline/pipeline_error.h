// One problem found in a pipeline file, where it is and which option it concerns; the loader
// collects them all, so one run of `sluice validate` shows everything to fix.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// A place in the file: 1-based line and column, as editors count them (yaml-cpp's Mark plus one).
// 0 when the problem is the file as a whole (unreadable, too big).
struct FilePosition {
  int line = 0;
  int column = 0;
};

struct PipelineError {
  FilePosition position = {};
  std::string path = {};  // the option path: "transforms[0].mask.mask"; "" for the document itself
  std::string message = {};  // never holds the value of a secret option
  // The file the position is in when it is another than the one loaded (a message schema the
  // pipeline names); "" for that one.
  std::string file = {};
};

// "pipeline.yaml:7:15: transforms[0].mask.mask: 'rot13' is not one of siv, hmac"; the position
// or the path is left out when there is none.
inline std::string FormatPipelineError(const std::string& file, const PipelineError& error) {
  std::string out = error.file.empty() ? file : error.file;
  if (error.position.line > 0) {
    out += ":" + std::to_string(error.position.line) + ":" + std::to_string(error.position.column);
  }
  out += ": ";
  if (!error.path.empty()) out += error.path + ": ";
  return out + error.message;
}

using PipelineErrors = std::vector<PipelineError>;

// Orders `errors` by file (the loaded file's, "", first) and position (those without one first,
// in the order found) and keeps the first `max_listed` of each file, replacing the rest with one
// "N more errors not shown" of that file: one bad file must not flood a terminal. Bounding again
// (after errors of the files a pipeline names are merged in) counts the lines left before.
void SortAndBoundErrors(PipelineErrors* errors, size_t max_listed);

// Reads the file at `path` for a YAML loader: at most `max_bytes` + 1 bytes, so that the
// loader tells a file that is too big without reading the rest of it. A directory, a pipe or
// device (which could be read forever), or a file that cannot be read is one error without a
// position ("is a directory, not `kind`", "cannot read: <strerror>") and nullopt.
std::optional<std::string> ReadBoundedFile(const std::string& path, size_t max_bytes,
                                           std::string_view kind, PipelineErrors* errors);

}  // namespace sluice
