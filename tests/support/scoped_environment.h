// Environment variables changed for one test and put back after it, so that a test setting
// AWS_*, PG* or HOME leaves the suite's environment as it found it.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::testing {

class ScopedEnvironment {
 public:
  ScopedEnvironment() = default;
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() { Restore(); }

  // Unsets each of `names` (any range of const char* or std::string) for the test's time.
  template <typename Names>
  void Clear(const Names& names) {
    for (const auto& name : names)
      Unset(name);
  }
  void Unset(const std::string& name) {
    Save(name);
    ::unsetenv(name.c_str());
  }
  void Set(const std::string& name, const std::string& value) {
    Save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }

  // Puts back the value each variable had before this object first changed it.
  void Restore() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
    saved_.clear();
  }

 private:
  void Save(const std::string& name) {
    const bool seen = std::any_of(saved_.begin(), saved_.end(),
                                  [&](const auto& entry) { return entry.first == name; });
    if (seen) return;
    const char* value = std::getenv(name.c_str());
    saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
  }

  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace sluice::testing
