#include "core/json_writer.h"

#include <fmt/format.h>

#include <cmath>

#include "core/text_check.h"

namespace sluice {

void JsonWriter::AppendText(std::string_view text) {
  if (FindUnstorableByte(text)) {
    AppendJsonString(out_, EscapeUnstorable(text));
  } else {
    AppendJsonString(out_, text);
  }
}

JsonWriter& JsonWriter::Double(double value) {
  Separate();
  // JSON has no NaN or infinity.
  out_ += std::isfinite(value) ? fmt::format("{}", value) : "null";
  return *this;
}

}  // namespace sluice
