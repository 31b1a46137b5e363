// In-process speed of the logins hot path: validate + convert + mask two fields per message,
// through the general message transform with the logins schema, as `logins run` does, and
// through the old hand-written transformer (the tests' oracle) beside it, so a run shows what
// the general path costs over fixed code.
// Goal (issue 3): at least 1,000,000 messages per second on one core.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "jobs/logins/logins_schema.h"
#include "jobs/logins/logins_table.h"
#include "login_messages.h"
#include "support/reference_login_transformer.h"
#include "transforms/message_transform.h"

namespace sluice::logins {
namespace {

using bench::kKey;
using bench::Messages;

// The same messages through the general validate + mask transform built from the logins
// schema (examples/logins-schema.yaml), which `logins run` uses.
void GeneralMessages(benchmark::State& state, MaskMode mode) {
  auto ring =
      std::make_shared<const MaskKeyring>(std::move(MaskKeyring::Parse(kKey, "bench")).value());
  MessageTransform transformer(LoginsMessageSchema(), LoginsMaskedFields(), ring, mode);
  Batch rows(MessageRowSchema(*LoginsMessageSchema()));
  const auto messages = Messages(1024);
  std::string reason;
  size_t i = 0;
  for (auto _ : state) {
    if (rows.num_rows() == 1024) rows.Clear();
    const std::string& m = messages[i++ & 1023];
    bool ok = transformer.Append("id", m, 1640475000000, &rows, &reason);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_GeneralSiv(benchmark::State& state) {
  GeneralMessages(state, MaskMode::kSiv);
}
void BM_GeneralHmac(benchmark::State& state) {
  GeneralMessages(state, MaskMode::kHmac);
}
BENCHMARK(BM_GeneralSiv);
BENCHMARK(BM_GeneralHmac);

// The same messages through the old hand-written transformer: the bar the general one must
// meet.
void OracleMessages(benchmark::State& state, MaskMode mode) {
  auto ring = std::move(MaskKeyring::Parse(kKey, "bench")).value();
  Masker field_masker(ring, mode);
  Masker body_masker(ring, MaskMode::kSiv);
  LoginTransformer transformer(field_masker, body_masker);
  Batch rows(LoginRowSchema());
  const auto messages = Messages(1024);
  std::string reason;
  size_t i = 0;
  for (auto _ : state) {
    if (rows.num_rows() == 1024) rows.Clear();
    const std::string& m = messages[i++ & 1023];
    bool ok = transformer.Append("id", m, 1640475000000, &rows, &reason);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_OracleSiv(benchmark::State& state) {
  OracleMessages(state, MaskMode::kSiv);
}
void BM_OracleHmac(benchmark::State& state) {
  OracleMessages(state, MaskMode::kHmac);
}
BENCHMARK(BM_OracleSiv);
BENCHMARK(BM_OracleHmac);

void BM_MaskSivOneField(benchmark::State& state) {
  auto ring = std::move(MaskKeyring::Parse(kKey, "bench")).value();
  Masker masker(ring, MaskMode::kSiv);
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(masker.Mask("199.172.111.135", &out));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MaskSivOneField);

}  // namespace
}  // namespace sluice::logins

BENCHMARK_MAIN();
