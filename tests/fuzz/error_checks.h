// The promise every YAML loader makes about its errors, checked the same way by each loader's
// fuzz target: at most `max_listed` errors plus one "N more" note, each with a message and a
// real position (line 0 for the file as a whole, else a column from 1), sorted by position.
#pragma once

#include <cstddef>
#include <cstdlib>

#include "pipeline/pipeline_error.h"

namespace sluice::fuzz {

inline void CheckErrorsSortedAndBounded(const PipelineErrors& errors, size_t max_listed) {
  if (errors.size() > max_listed + 1) std::abort();
  int line = 0, column = 0;
  for (size_t i = 0; i < errors.size(); ++i) {
    const PipelineError& e = errors[i];
    if (e.message.empty() || e.position.line < 0 || (e.position.line > 0 && e.position.column < 1))
      std::abort();
    const bool last_note = i == max_listed;
    if (!last_note &&
        (e.position.line < line || (e.position.line == line && e.position.column < column))) {
      std::abort();
    }
    line = e.position.line;
    column = e.position.column;
  }
}

}  // namespace sluice::fuzz
