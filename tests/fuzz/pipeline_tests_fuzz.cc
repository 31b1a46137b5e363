// Fuzzes the pipeline test file loader (pipeline/pipeline_tests.h) over the YAML reader: any
// bytes load or give errors, never a crash, a hang on aliases or an unbounded list of errors;
// errors come sorted with real positions; a loaded file names a pipeline and has cases, each
// named, with messages whose ids are unique in their case.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "error_checks.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/pipeline_tests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const sluice::LoadedPipelineTest loaded = sluice::ParsePipelineTest(bytes);
  sluice::fuzz::CheckErrorsSortedAndBounded(loaded.errors, sluice::kMaxPipelineErrors);
  if (loaded.ok()) {
    const sluice::PipelineTestFile& t = loaded.test;
    if (t.pipeline.empty() || t.cases.empty()) std::abort();
    std::set<std::string> names;
    for (const sluice::TestCase& c : t.cases) {
      if (c.name.empty() || c.input.empty() || !names.insert(c.name).second) std::abort();
      std::set<std::string> ids;
      for (const sluice::TestMessage& m : c.input) {
        if (m.id.empty() || !ids.insert(m.id).second) std::abort();
      }
    }
  }
  return 0;
}
