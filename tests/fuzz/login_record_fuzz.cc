// Fuzzes the logins job's message handling: any body must become a row or a reject with a
// reason, and the batch must stay rectangular. Differentially too: the general message transform
// built from examples/logins-schema.yaml, which `logins run` uses, must give the same row (value
// for value) or the same reason as the job's own LoginTransformer.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "jobs/logins/logins_schema.h"
#include "support/reference_login_transformer.h"
#include "transforms/message_transform.h"

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

  static const auto shared = std::make_shared<const sluice::MaskKeyring>(ring);
  static sluice::MessageTransform general(sluice::logins::LoginsMessageSchema(),
                                          sluice::logins::LoginsMaskedFields(), shared,
                                          sluice::MaskMode::kSiv);
  sluice::Batch general_rows(sluice::MessageRowSchema(*sluice::logins::LoginsMessageSchema()));
  std::string general_reason;
  const bool general_ok = general.Append("id", body, 1640475000000, &general_rows, &general_reason);
  if (general_ok != ok || general_reason != (ok ? "" : reason)) std::abort();
  if (!ok) return 0;
  for (size_t c = 0; c < rows.num_columns(); ++c) {
    const sluice::Column& a = rows.column(c);
    const sluice::Column& b = general_rows.column(c);
    if (a.IsNull(0) != b.IsNull(0)) std::abort();
    if (a.IsNull(0)) continue;
    if (a.type() == sluice::ColumnType::kText ? a.Text(0) != b.Text(0) : a.Int(0) != b.Int(0))
      std::abort();
  }
  return 0;
}
