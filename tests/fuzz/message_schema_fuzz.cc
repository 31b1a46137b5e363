// Fuzzes the message schema loader (transforms/message_schema.h) over the YAML reader: any bytes
// load or give errors, never a crash, a hang on aliases or an unbounded list of errors; errors
// come sorted with real positions and paths; a loaded schema has fields with unique names and
// columns, each column a name PostgreSQL takes unquoted, and a path exactly for body fields.
// Bytes that load are also fed, as a message, through the transform built from the schema.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "error_checks.h"
#include "pipeline/pipeline_file.h"
#include "transforms/message_schema.h"
#include "transforms/message_transform.h"

namespace {

const std::string kKey =
    "fz:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const sluice::LoadedMessageSchema loaded = sluice::ParseMessageSchema(bytes);
  sluice::fuzz::CheckErrorsSortedAndBounded(loaded.errors, sluice::kMaxPipelineErrors);
  if (!loaded.ok()) {
    if (!loaded.schema.fields.empty()) std::abort();
    return 0;
  }
  if (loaded.schema.fields.empty()) std::abort();
  std::set<std::string> names, columns;
  for (const sluice::MessageField& f : loaded.schema.fields) {
    if (!names.insert(f.name).second || !columns.insert(f.column).second) std::abort();
    if (f.column.empty() || f.column.size() > 63) std::abort();
    for (char c : f.column) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) std::abort();
    }
    if ((f.origin == sluice::FieldOrigin::kBody) == f.path.empty()) std::abort();
    if (f.max_length > 0 && f.type != sluice::ColumnType::kText) std::abort();
  }
  // The schema's own text as a message: whatever it holds, a row or a reason.
  static const auto ring = std::make_shared<const sluice::MaskKeyring>(
      std::move(sluice::MaskKeyring::Parse(kKey, "fuzz")).value());
  sluice::MessageTransform transform(std::make_shared<const sluice::MessageSchema>(loaded.schema),
                                     {}, ring, sluice::MaskMode::kSiv);
  sluice::PreparedBatch batch = transform.NewBatch();
  std::string reason;
  if (!transform.Append("m", bytes, 0, &batch.rows, &reason) && reason.empty()) std::abort();
  return 0;
}
