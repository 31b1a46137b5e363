// Maps a CSV file's header onto a model's fields, refusing every header whose meaning is not
// certain: a header that is not UTF-8, names one column twice (in any letter case), lacks a
// key column the model needs, or carries a column the model does not know (unless the caller allows
// extra columns). Names are matched with spaces trimmed and ASCII letters folded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "formats/csv_reader.h"
#include "jobs/warehouse/models.h"

namespace sluice::warehouse {

struct CsvHeaderMap {
  // Per model field, its 0-based column in the file, or kAbsent for an optional field the file
  // has no column for (loaded as NULL).
  std::vector<size_t> source_index;
  std::vector<std::string> names;  // the header's names as written, per column
  // The CSV headers of the optional fields the file lacks, in the model's order: a file written
  // before a field was added to the model (docs/warehouse-models.md) still loads.
  std::vector<std::string> absent;
  static constexpr size_t kAbsent = static_cast<size_t>(-1);
};

// `header` is the file's first record. A missing column is an error only for a key field
// (never null) or any field of a content-hash model (all of them make its key); any other field
// is optional and the file's rows load it as NULL. Errors start with "line N:" and name the columns
// by 1-based number and name, e.g. "line 1: the header names column 'title' twice (columns 1 and 3,
// written 'title' and 'Title')".
Result<CsvHeaderMap> MapCsvHeader(const Model& model, const CsvRecord& header,
                                  bool allow_extra_columns);

}  // namespace sluice::warehouse
