// Input formats Sluice does not read (columnar files, spreadsheets, compressions other than
// gzip), told by name or by their first bytes, and refused with what to do instead.
#pragma once

#include <string>

#include "core/status.h"

namespace sluice {

// The format an input's first bytes show when it is one Sluice cannot read (Parquet, Avro, ORC,
// an xlsx or other zip file), by its name's extension or by the magic bytes its decompressed
// text starts with, whatever its name: `PAR1` (Parquet) and `ORC` followed within 256 bytes by a
// byte text does not hold (a control byte other than tab, CR, LF, FF, VT: a CSV header "ORCID,"
// is text), Avro's `Obj` 1, a zip's `PK` 3 4, an OLE2 (.xls) file's D0 CF 11 E0 A1 B1 1A E1.
// Compressions other than gzip are refused the same way, by extension (.xz, .lzma, .bz2, .zst)
// or magic bytes (xz FD 37 7A 58 5A 00, bzip2 "BZh1".."BZh9", zstd 28 B5 2F FD). A UsageError
// "NAME: Parquet is not supported (...)" saying so and what to do instead; Ok otherwise (or when
// it cannot be read: the reader says why). Standard input is looked at too (OpenToLook), and its
// reader still gets every byte.
// `format_given` (--format was passed): the bytes are taken as text even when they start like
// Parquet, ORC or Avro; names, compressions and spreadsheets are still refused.
// `reader` is what the command reads, so that the advice converts to a text it takes.
enum class InputTextReader { kCsvOrJson, kJsonOnly };
Status CheckSupportedInput(const std::string& path, bool format_given = false,
                           InputTextReader reader = InputTextReader::kCsvOrJson);

}  // namespace sluice
