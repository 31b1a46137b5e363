// AES-256-SIV encryption (RFC 5297, no associated data) with its key schedules kept between
// calls. OpenSSL's SIV cipher re-derives its CMAC and CTR keys on every message (about 2 µs a
// field, measured in bench/micro), which made masking the logins job's bottleneck; this class
// keeps OpenSSL for the AES itself (AES-NI) and only arranges S2V and CTR around it. Its output
// is checked against OpenSSL's SIV in tests/unit/aes_siv_test.cc, and decryption stays with
// OpenSSL (Masker::Reveal), so every value this writes is proven readable by the reference.
//
// The contexts are initialised once: setting an IV through EVP_EncryptInit_ex goes through
// OpenSSL 3's parameter lookup (about half of a masked field's instructions, measured with
// callgrind in bench/micro_instructions.sh), so single blocks and CTR's counter blocks go
// through ECB, and CMAC's chaining continues from the last block the CBC context wrote.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

class AesSivEncryptor {
 public:
  // `key` is 64 bytes: the S2V (CMAC) key, then the CTR key.
  explicit AesSivEncryptor(std::string_view key);
  ~AesSivEncryptor();
  AesSivEncryptor(const AesSivEncryptor&) = delete;
  AesSivEncryptor& operator=(const AesSivEncryptor&) = delete;

  bool ok() const { return ok_; }

  // Appends the synthetic IV (16 bytes) and the ciphertext of `prefix` followed by `plain` to
  // `out` (the prefix saves the caller a copy when it adds a format byte).
  bool Encrypt(std::string_view plain, std::string* out) { return Encrypt({}, plain, out); }
  bool Encrypt(std::string_view prefix, std::string_view plain, std::string* out);

 private:
  using Block = std::array<uint8_t, 16>;

  // CMAC with the S2V key over `blocks` (whole blocks, the last already padded and xored with
  // its subkey), in place; the result is the last block.
  bool CbcMacInPlace(uint8_t* blocks, size_t size, Block* mac);
  // One AES block under the S2V key.
  bool AesBlock(const Block& in, Block* out);

  EVP_CIPHER_CTX* cbc_ = nullptr;  // AES-256-CBC under the S2V key: CMAC's chaining
  EVP_CIPHER_CTX* ecb_ = nullptr;  // AES-256-ECB under the S2V key: single blocks
  EVP_CIPHER_CTX* ctr_ = nullptr;  // AES-256-ECB under the CTR key: CTR's key stream
  Block cbc_chain_{};              // the last block cbc_ wrote: its IV for the next update
  Block subkey1_{};                // CMAC subkeys
  Block subkey2_{};
  Block d_zero_{};    // S2V's CMAC(zero block), the same for every message
  Block d_double_{};  // its double, which every message shorter than a block uses
  std::string s2v_input_;
  std::string stream_;  // counter blocks, then the key stream
  bool ok_ = false;
};

}  // namespace sluice
