// What `sluice --version` prints: the version declared in CMakeLists.txt's project(), the git
// commit the binary was built from and the build type. GetBuildInfo is defined in a source
// generated at build time (cmake/version.cmake), the only file a new commit recompiles.
#pragma once

#include <string>
#include <string_view>

namespace sluice::cli {

struct BuildInfo {
  std::string_view version;     // "0.1.0", from project(VERSION ...)
  std::string_view commit;      // "abc1234", "abc1234-dirty" (tracked files changed), "unknown"
  std::string_view build_type;  // CMAKE_BUILD_TYPE: "RelWithDebInfo", "Debug", ...
};

BuildInfo GetBuildInfo();

// "sluice 0.1.0 (commit abc1234, RelWithDebInfo)".
inline std::string VersionLine() {
  const BuildInfo info = GetBuildInfo();
  return "sluice " + std::string(info.version) + " (commit " + std::string(info.commit) + ", " +
         std::string(info.build_type) + ")";
}

}  // namespace sluice::cli
