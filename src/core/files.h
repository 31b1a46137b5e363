// Reading a small file (a key file, an SQL script) whole.
#pragma once

#include <string>

#include "core/status.h"

namespace sluice {

// The file's bytes. An error reads "cannot read <kind> <path>: <reason>", `kind` naming what the
// file is for ("the key file"), or nothing.
Result<std::string> ReadWholeFile(const std::string& path, std::string_view kind = "");

// A status for a failed system call's errno, "<what>: <strerror>": a missing file or directory
// is kNotFound, one refused by its permissions kPermissionDenied, anything else kIo.
Status ErrnoStatus(int error, const std::string& what);

// fsyncs directory `dir`, so that a rename into it survives a crash (POSIX leaves the directory
// entry unsynced otherwise); errors name `url`, the object the rename published.
Status SyncDirectory(const std::string& dir, const std::string& url);

}  // namespace sluice
