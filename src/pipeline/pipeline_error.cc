#include "pipeline/pipeline_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

namespace sluice {

namespace {

constexpr std::string_view kNotShown = " more errors not shown";

// The count of a "N more errors not shown" line an earlier bound left, else 0.
size_t NotShownCount(const PipelineError& error) {
  if (error.position.line != 0 || !error.path.empty() || !error.message.ends_with(kNotShown))
    return 0;
  size_t n = 0;
  for (char c :
       std::string_view(error.message).substr(0, error.message.size() - kNotShown.size())) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

}  // namespace

void SortAndBoundErrors(PipelineErrors* errors, size_t max_listed) {
  // Lines an earlier bound left are counted again, so errors merged from several loaders are
  // bounded once per file and said once.
  std::map<std::string, size_t> hidden;
  std::erase_if(*errors, [&hidden](const PipelineError& e) {
    const size_t n = NotShownCount(e);
    if (n > 0) hidden[e.file] += n;
    return n > 0;
  });
  // The loaded file ("") first, then the files it names; in each, by position.
  std::stable_sort(errors->begin(), errors->end(),
                   [](const PipelineError& a, const PipelineError& b) {
                     return std::tie(a.file, a.position.line, a.position.column) <
                            std::tie(b.file, b.position.line, b.position.column);
                   });
  PipelineErrors bounded;
  for (size_t i = 0; i < errors->size();) {
    const std::string file = (*errors)[i].file;
    size_t listed = 0, more = hidden[file];
    hidden.erase(file);
    for (; i < errors->size() && (*errors)[i].file == file; ++i) {
      if (listed < max_listed) {
        bounded.push_back(std::move((*errors)[i]));
        ++listed;
      } else {
        ++more;
      }
    }
    if (more > 0) bounded.push_back({{}, "", fmt::format("{}{}", more, kNotShown), file});
  }
  for (const auto& [file, more] : hidden)
    bounded.push_back({{}, "", fmt::format("{}{}", more, kNotShown), file});
  *errors = std::move(bounded);
}

std::optional<std::string> ReadBoundedFile(const std::string& path, size_t max_bytes,
                                           std::string_view kind, PipelineErrors* errors) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors->push_back({{}, "", fmt::format("is a directory, not {}", kind)});
    return std::nullopt;
  }
  // A pipe or a device would be read until its writer stops, which may be never.
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    errors->push_back(
        {{}, "", fmt::format("is not a regular file (a pipe or a device), not {}", kind)});
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors->push_back({{}, "", fmt::format("cannot read: {}", std::strerror(errno))});
    return std::nullopt;
  }
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    errors->push_back({{}, "", fmt::format("cannot read: {}", std::strerror(errno))});
    return std::nullopt;
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace sluice
