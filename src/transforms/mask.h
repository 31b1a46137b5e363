// Deterministic, reversible masking of PII with AES-256-SIV (RFC 5297) on OpenSSL 3.
//
// Equal inputs give equal outputs under one key, so analysts can still find duplicates with
// plain SQL; without the key nothing can be recovered or dictionary-attacked (SIV is keyed
// encryption, not a hash); with it, `sluice logins reveal` recovers the original. Every masked
// value starts with its key's id, so keys can rotate while old values stay readable:
//
//     <key id>:<base64url(synthetic IV || ciphertext of (format byte 0x01 || value))>
//
// The HMAC mode gives irreversible keyed tokens (`h.<key id>:<base64url(HMAC-SHA256)>`) for
// users who must never recover PII.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "pipeline/component_registry.h"
#include "transforms/aes_siv.h"
#include "transforms/hmac_sha256.h"

namespace sluice {

struct MaskKey {
  std::string id;        // short, printable: goes into every masked value
  std::string material;  // 64 bytes: AES-256-SIV takes two 256-bit keys
};

// The keys of a key file: one per line, `<id>:<base64 of 64 bytes>`, `#` comments allowed. The
// first key masks; every key reveals.
class MaskKeyring {
 public:
  static Result<MaskKeyring> LoadFile(const std::string& path);
  static Result<MaskKeyring> Parse(std::string_view text, std::string_view origin);
  // Writes a new key file holding one fresh random key, mode 0600; refuses to overwrite.
  static Status GenerateFile(const std::string& path);

  const MaskKey& primary() const { return keys_.front(); }
  const MaskKey* Find(std::string_view id) const;

 private:
  std::vector<MaskKey> keys_;
};

enum class MaskMode { kSiv, kHmac };

// The `mask` transform's options (docs/components/mask.md): key-file, mask, fields (a list of
// the input schema's fields; transforms/message_pipeline.h checks and uses it).
ComponentSpec MaskComponent();
// --mask as a MaskMode ("siv" or "hmac", checked by the option's choices).
MaskMode MaskModeFrom(const OptionValues& values);

// Masks with one keyring. Holds OpenSSL contexts: one per thread.
class Masker {
 public:
  Masker(const MaskKeyring& keyring, MaskMode mode);
  ~Masker();
  Masker(const Masker&) = delete;
  Masker& operator=(const Masker&) = delete;

  // Appends the masked form of `plain` to `out`.
  Status Mask(std::string_view plain, std::string* out);
  // Recovers the original of a SIV-masked value; fails on a forged, damaged or HMAC value, or an
  // unknown key.
  Result<std::string> Reveal(std::string_view masked);

  // The longest plaintext whose masked form fits in `max_chars`.
  size_t MaxPlainLength(size_t max_chars) const;

 private:
  const MaskKeyring& keyring_;
  MaskMode mode_;
  EVP_CIPHER* cipher_ = nullptr;  // OpenSSL's SIV, for revealing
  EVP_CIPHER_CTX* ctx_ = nullptr;
  std::unique_ptr<AesSivEncryptor> encryptor_;  // the primary key's, for masking
  std::unique_ptr<HmacSha256Keyed> hmac_;
  std::string scratch_;
};

void AppendBase64Url(std::string_view data, std::string* out);
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace sluice
