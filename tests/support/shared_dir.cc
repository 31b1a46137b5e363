#include "support/shared_dir.h"

#include <sys/stat.h>

#include <cstdlib>

namespace sluice::testing {

std::string SharedDir() {
  const char* env = std::getenv("SLUICE_SHARED_DIR");
  std::string dir = env && *env ? env : SLUICE_DEFAULT_SHARED_DIR;
  struct stat st {};
  return ::stat((dir + "/fixtures").c_str(), &st) == 0 ? dir : "";
}

}  // namespace sluice::testing
