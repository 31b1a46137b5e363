#include "core/json_writer.h"

#include <fmt/format.h>

#include <cmath>

namespace sluice {

JsonWriter& JsonWriter::Double(double value) {
  Separate();
  // JSON has no NaN or infinity.
  out_ += std::isfinite(value) ? fmt::format("{}", value) : "null";
  return *this;
}

}  // namespace sluice
