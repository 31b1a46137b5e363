// Fuzzes the pipeline file loader (pipeline/pipeline_file.h) over the YAML reader, interpolation
// and the option checks: any bytes load or give errors, never a crash, a hang on aliases or an
// unbounded list of errors; errors come sorted with real positions; a loaded file has a job or a
// source and a sink; and a secret option's value, reached through ${VAR}, is never in a message.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "error_checks.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_file.h"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-value";

const sluice::ComponentRegistry& Registry() {
  static const sluice::ComponentRegistry* registry = [] {
    auto* r = new sluice::ComponentRegistry;
    sluice::RegisterBuiltinComponents(*r);
    return r;
  }();
  return *registry;
}

bool EndsWith(std::string_view text, std::string_view end) {
  return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Variables whose name starts with 'S' are set, to the secret; others are unset.
  auto lookup = [](std::string_view name) -> std::optional<std::string> {
    if (!name.empty() && name[0] == 'S') return std::string(kSecret);
    return std::nullopt;
  };
  const sluice::LoadedPipeline loaded = sluice::ParsePipeline(bytes, Registry(), lookup);
  sluice::fuzz::CheckErrorsSortedAndBounded(loaded.errors, sluice::kMaxPipelineErrors);
  for (const sluice::PipelineError& e : loaded.errors) {
    if ((EndsWith(e.path, ".pg") || EndsWith(e.path, ".mysql")) &&
        e.message.find(kSecret) != std::string::npos && bytes.find(kSecret) == std::string::npos) {
      std::abort();
    }
  }
  if (loaded.ok()) {
    const sluice::PipelineFile& p = loaded.pipeline;
    if (!p.job && !(p.source && p.sink)) std::abort();
    if (p.job && (p.source || p.sink || !p.transforms.empty())) std::abort();
    if (p.Summary().empty()) std::abort();
  }
  return 0;
}
