// Fuzzes the logins job's message handling: any body must become a row or a reject with a
// reason, and the batch must stay rectangular.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "jobs/logins/login_record.h"

namespace {

const std::string kKey =
    "fz:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sluice::MaskKeyring ring = std::move(sluice::MaskKeyring::Parse(kKey, "fuzz")).value();
  static sluice::Masker masker(ring, sluice::MaskMode::kSiv);
  static sluice::logins::LoginTransformer transformer(masker, masker);
  sluice::Batch rows(sluice::logins::LoginRowSchema());
  std::string reason;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  bool ok = transformer.Append("id", body, 1640475000000, &rows, &reason);
  if (!ok && reason.empty()) std::abort();  // a reject always says why
  for (size_t c = 0; c < rows.num_columns(); ++c) {
    if (rows.column(c).size() != (ok ? 1u : 0u)) std::abort();
  }
  // Whatever it masked must reveal to the original.
  const sluice::Column& ip = rows.column(sluice::logins::LoginRowIndex("masked_ip"));
  if (ok && !ip.IsNull(0) && !masker.Reveal(ip.Text(0)).ok()) std::abort();
  (void)masker.Reveal(body);  // and any text given to reveal fails cleanly
  return 0;
}
