// Reading a small file (a key file, an SQL script) whole.
#pragma once

#include <string>

#include "core/status.h"

namespace sluice {

// The file's bytes. An error reads "cannot read <kind> <path>: <reason>", `kind` naming what the
// file is for ("the key file"), or nothing.
Result<std::string> ReadWholeFile(const std::string& path, std::string_view kind = "");

}  // namespace sluice
