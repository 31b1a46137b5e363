// In-process speed of the logins hot path: validate + convert + mask two fields per message,
// through the general message transform with the logins schema, as `logins run` does.
// Goal (issue 3): at least 1,000,000 messages per second on one core.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "jobs/logins/logins_schema.h"
#include "transforms/message_transform.h"

namespace sluice::logins {
namespace {

// A fixed benchmark key: it protects nothing.
const std::string kKey =
    "bench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw="
    "=";

std::vector<std::string> Messages(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back("{\"user_id\": \"424cdd21-063a-43a7-b91b-" + std::to_string(100000000000 + i) +
                  "\", \"app_version\": \"2." + std::to_string(i % 20) +
                  ".0\", \"device_type\": \"android\", \"ip\": \"199.172." +
                  std::to_string(i % 256) + "." + std::to_string(i / 256 % 256) +
                  "\", \"locale\": \"RU\", \"device_id\": \"593-47-" +
                  std::to_string(1000 + i % 9000) + "\"}");
  }
  return out;
}

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
