// Names the calling thread (Linux keeps 15 characters), so `top -H`, `ps -L` and profilers
// tell the receivers, deleters, writers and uploaders of a busy process apart.
#pragma once

#include <string_view>

namespace sluice {

void NameThisThread(std::string_view name);

}  // namespace sluice
