#include "pipeline/pipeline_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tuple>

namespace sluice {

void SortAndBoundErrors(PipelineErrors* errors, size_t max_listed) {
  std::stable_sort(errors->begin(), errors->end(),
                   [](const PipelineError& a, const PipelineError& b) {
                     return std::tie(a.position.line, a.position.column) <
                            std::tie(b.position.line, b.position.column);
                   });
  if (errors->size() <= max_listed) return;
  const size_t more = errors->size() - max_listed;
  errors->resize(max_listed);
  errors->push_back({{}, "", fmt::format("{} more errors not shown", more)});
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
