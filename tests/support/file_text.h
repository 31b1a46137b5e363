// Reading a whole file in a test, for comparing what a run wrote.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace sluice::testing {

// The file's bytes as they are; "" when it cannot be opened (the comparison that follows fails
// and shows the path).
inline std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace sluice::testing
