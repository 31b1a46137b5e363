#include "transforms/aes_siv.h"

#include <cstring>

namespace sluice {
namespace {

using Block = std::array<uint8_t, 16>;

// Doubling in GF(2^128) as CMAC and S2V define it: shift left, reduce by 0x87.
Block Dbl(const Block& in) {
  Block out{};
  for (size_t i = 0; i < 15; ++i)
    out[i] = static_cast<uint8_t>((in[i] << 1) | (in[i + 1] >> 7));
  out[15] = static_cast<uint8_t>(in[15] << 1);
  if (in[0] & 0x80) out[15] ^= 0x87;
  return out;
}

const uint8_t kZeroIv[16] = {};

}  // namespace

AesSivEncryptor::AesSivEncryptor(std::string_view key) {
  if (key.size() != 64) return;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  cbc_ = EVP_CIPHER_CTX_new();
  ctr_ = EVP_CIPHER_CTX_new();
  if (!cbc_ || !ctr_ || EVP_EncryptInit_ex(cbc_, EVP_aes_256_cbc(), nullptr, k, kZeroIv) != 1 ||
      EVP_EncryptInit_ex(ctr_, EVP_aes_256_ctr(), nullptr, k + 32, kZeroIv) != 1) {
    return;
  }
  EVP_CIPHER_CTX_set_padding(cbc_, 0);
  Block l{};
  if (!AesBlock(Block{}, &l)) return;
  subkey1_ = Dbl(l);
  subkey2_ = Dbl(subkey1_);
  ok_ = Cmac(std::string_view(reinterpret_cast<const char*>(kZeroIv), 16), &d_zero_);
  d_double_ = Dbl(d_zero_);
}

AesSivEncryptor::~AesSivEncryptor() {
  EVP_CIPHER_CTX_free(cbc_);
  EVP_CIPHER_CTX_free(ctr_);
}

bool AesSivEncryptor::AesBlock(const Block& in, Block* out) {
  // One CBC block from a zero IV is one AES block.
  int len = 0;
  return EVP_EncryptInit_ex(cbc_, nullptr, nullptr, nullptr, kZeroIv) == 1 &&
         EVP_EncryptUpdate(cbc_, out->data(), &len, in.data(), 16) == 1 && len == 16;
}

bool AesSivEncryptor::Cmac(std::string_view message, Block* mac) {
  // CMAC is the last block of the CBC encryption (zero IV) of the message whose final block is
  // xored with subkey 1 when complete, or padded (10*) and xored with subkey 2 when not.
  size_t blocks = message.empty() ? 1 : (message.size() + 15) / 16;
  bool complete = !message.empty() && message.size() % 16 == 0;
  scratch_.assign(message);
  scratch_.resize(blocks * 16, '\0');
  if (!complete) scratch_[message.size()] = static_cast<char>(0x80);
  const Block& subkey = complete ? subkey1_ : subkey2_;
  auto* last = reinterpret_cast<uint8_t*>(scratch_.data()) + (blocks - 1) * 16;
  for (size_t i = 0; i < 16; ++i)
    last[i] ^= subkey[i];
  auto* data = reinterpret_cast<unsigned char*>(scratch_.data());
  int len = 0;
  // Encrypting in place is allowed by OpenSSL for CBC; only the last block is kept.
  if (EVP_EncryptInit_ex(cbc_, nullptr, nullptr, nullptr, kZeroIv) != 1 ||
      EVP_EncryptUpdate(cbc_, data, &len, data, static_cast<int>(scratch_.size())) != 1 ||
      len != static_cast<int>(scratch_.size())) {
    return false;
  }
  std::memcpy(mac->data(), last, 16);
  return true;
}

bool AesSivEncryptor::Encrypt(std::string_view plain, std::string* out) {
  if (!ok_) return false;
  // S2V with no associated data: the plaintext is the only (and last) string.
  Block v{};
  std::string& t = s2v_input_;
  t.assign(plain);
  if (plain.size() >= 16) {
    for (size_t i = 0; i < 16; ++i)
      t[plain.size() - 16 + i] ^= static_cast<char>(d_zero_[i]);
  } else {
    Block padded{};
    std::memcpy(padded.data(), plain.data(), plain.size());
    padded[plain.size()] = 0x80;
    Block d = Dbl(d_zero_);
    for (size_t i = 0; i < 16; ++i)
      padded[i] ^= d[i];
    t.assign(reinterpret_cast<const char*>(padded.data()), 16);
  }
  if (t.size() == 16) {
    // CMAC of exactly one complete block is one AES block of it xored with subkey 1.
    Block one;
    for (size_t i = 0; i < 16; ++i)
      one[i] = static_cast<uint8_t>(t[i]) ^ subkey1_[i];
    if (!AesBlock(one, &v)) return false;
  } else if (!Cmac(t, &v)) {
    return false;
  }

  // CTR from V with the two bits RFC 5297 clears, so counters can be 32-bit on any platform.
  Block q = v;
  q[8] &= 0x7f;
  q[12] &= 0x7f;
  size_t start = out->size();
  out->append(reinterpret_cast<const char*>(v.data()), 16);
  out->resize(start + 16 + plain.size());
  int len = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out->data()) + start + 16;
  return EVP_EncryptInit_ex(ctr_, nullptr, nullptr, nullptr, q.data()) == 1 &&
         EVP_EncryptUpdate(ctr_, dst, &len, reinterpret_cast<const unsigned char*>(plain.data()),
                           static_cast<int>(plain.size())) == 1;
}

}  // namespace sluice
