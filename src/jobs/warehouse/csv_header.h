// Maps a CSV file's header onto a model's fields, refusing every header whose meaning is not
// certain: a header that is not UTF-8, names one column twice (in any letter case), lacks a
// column the model needs, or carries a column the model does not know (unless the caller allows
// extra columns). Names are matched with spaces trimmed and ASCII letters folded.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "formats/csv_reader.h"
#include "jobs/warehouse/models.h"

namespace sluice::warehouse {

struct CsvHeaderMap {
  std::vector<size_t> source_index;  // per model field, its 0-based column in the file
  std::vector<std::string> names;    // the header's names as written, per column
};

// `header` is the file's first record. Errors start with "line N:" and name the columns by
// 1-based number and name, e.g. "line 1: the header names column 'title' twice (columns 1 and
// 3, written 'title' and 'Title')".
Result<CsvHeaderMap> MapCsvHeader(const Model& model, const CsvRecord& header,
                                  bool allow_extra_columns);

}  // namespace sluice::warehouse
