#include "transforms/aes_siv.h"

#include <algorithm>
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

void XorBlock(uint8_t* into, const Block& with) {
  for (size_t i = 0; i < 16; ++i)
    into[i] ^= with[i];
}

// Adds one to a 128-bit big-endian counter (RFC 5297's CTR counts modulo 2^128).
void Increment(Block* counter) {
  for (size_t i = 16; i-- > 0;) {
    if (++(*counter)[i] != 0) break;
  }
}

const uint8_t kZeroIv[16] = {};

}  // namespace

AesSivEncryptor::AesSivEncryptor(std::string_view key) {
  if (key.size() != 64) return;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  cbc_ = EVP_CIPHER_CTX_new();
  ecb_ = EVP_CIPHER_CTX_new();
  ctr_ = EVP_CIPHER_CTX_new();
  if (!cbc_ || !ecb_ || !ctr_ ||
      EVP_EncryptInit_ex(cbc_, EVP_aes_256_cbc(), nullptr, k, kZeroIv) != 1 ||
      EVP_EncryptInit_ex(ecb_, EVP_aes_256_ecb(), nullptr, k, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctr_, EVP_aes_256_ecb(), nullptr, k + 32, nullptr) != 1) {
    return;
  }
  // Only whole blocks go in, so nothing is ever held back or padded.
  EVP_CIPHER_CTX_set_padding(cbc_, 0);
  EVP_CIPHER_CTX_set_padding(ecb_, 0);
  EVP_CIPHER_CTX_set_padding(ctr_, 0);
  Block l{};
  if (!AesBlock(Block{}, &l)) return;
  subkey1_ = Dbl(l);
  subkey2_ = Dbl(subkey1_);
  // CMAC of the zero block, one complete block: AES of it xored with subkey 1.
  if (!AesBlock(subkey1_, &d_zero_)) return;
  d_double_ = Dbl(d_zero_);
  ok_ = true;
}

AesSivEncryptor::~AesSivEncryptor() {
  EVP_CIPHER_CTX_free(cbc_);
  EVP_CIPHER_CTX_free(ecb_);
  EVP_CIPHER_CTX_free(ctr_);
}

bool AesSivEncryptor::AesBlock(const Block& in, Block* out) {
  int len = 0;
  return EVP_EncryptUpdate(ecb_, out->data(), &len, in.data(), 16) == 1 && len == 16;
}

bool AesSivEncryptor::CbcMacInPlace(uint8_t* blocks, size_t size, Block* mac) {
  // CMAC chains from a zero IV. cbc_ chains on from the last block it wrote, so the first
  // block is xored with that block first: the two cancel, and no IV has to be set.
  XorBlock(blocks, cbc_chain_);
  int len = 0;
  if (EVP_EncryptUpdate(cbc_, blocks, &len, blocks, static_cast<int>(size)) != 1 ||
      len != static_cast<int>(size)) {
    // The chain is unknown now; set it back to zero the slow way.
    ok_ = EVP_EncryptInit_ex(cbc_, nullptr, nullptr, nullptr, kZeroIv) == 1;
    cbc_chain_ = Block{};
    return false;
  }
  std::memcpy(cbc_chain_.data(), blocks + size - 16, 16);
  *mac = cbc_chain_;
  return true;
}

bool AesSivEncryptor::Encrypt(std::string_view prefix, std::string_view plain, std::string* out) {
  if (!ok_) return false;
  const size_t n = prefix.size() + plain.size();
  // S2V with no associated data: the plaintext P is the only (and last) string, so
  // V = CMAC(P xorend D) when P is a block or longer, else CMAC(dbl(D) xor pad(P)), where D is
  // CMAC(zero block), fixed per key.
  Block v{};
  if (n < 16) {
    Block t = d_double_;
    for (size_t i = 0; i < prefix.size(); ++i)
      t[i] ^= static_cast<uint8_t>(prefix[i]);
    for (size_t i = 0; i < plain.size(); ++i)
      t[prefix.size() + i] ^= static_cast<uint8_t>(plain[i]);
    t[n] ^= 0x80;
    // CMAC of one complete block is one AES block of it xored with subkey 1.
    XorBlock(t.data(), subkey1_);
    if (!AesBlock(t, &v)) return false;
  } else {
    // CMAC over T = P xorend D: its last block is xored with subkey 1 when complete, or padded
    // (10*) and xored with subkey 2 when not.
    const size_t blocks = (n + 15) / 16;
    s2v_input_.resize(blocks * 16);
    auto* t = reinterpret_cast<uint8_t*>(s2v_input_.data());
    // std::copy, not memcpy: an empty view's data() may be null, which memcpy may not take.
    std::copy(plain.begin(), plain.end(), std::copy(prefix.begin(), prefix.end(), t));
    std::memset(t + n, 0, blocks * 16 - n);
    XorBlock(t + n - 16, d_zero_);
    uint8_t* last = t + (blocks - 1) * 16;
    if (n % 16 != 0) {
      t[n] = 0x80;
      XorBlock(last, subkey2_);
    } else {
      XorBlock(last, subkey1_);
    }
    if (blocks == 1) {
      Block one;
      std::memcpy(one.data(), last, 16);
      if (!AesBlock(one, &v)) return false;
    } else if (!CbcMacInPlace(t, blocks * 16, &v)) {
      return false;
    }
  }

  // CTR from V with the two bits RFC 5297 clears, so counters can be 32-bit on any platform:
  // the key stream is the counter blocks Q, Q+1, ... encrypted.
  Block q = v;
  q[8] &= 0x7f;
  q[12] &= 0x7f;
  const size_t blocks = (n + 15) / 16;
  stream_.resize(blocks * 16);
  auto* stream = reinterpret_cast<uint8_t*>(stream_.data());
  for (size_t b = 0; b < blocks; ++b) {
    std::memcpy(stream + b * 16, q.data(), 16);
    Increment(&q);
  }
  int len = 0;
  if (blocks > 0 &&
      (EVP_EncryptUpdate(ctr_, stream, &len, stream, static_cast<int>(blocks * 16)) != 1 ||
       len != static_cast<int>(blocks * 16))) {
    return false;
  }
  const size_t start = out->size();
  out->resize(start + 16 + n);
  auto* dst = reinterpret_cast<uint8_t*>(out->data()) + start;
  std::memcpy(dst, v.data(), 16);
  dst += 16;
  for (size_t i = 0; i < prefix.size(); ++i)
    dst[i] = static_cast<uint8_t>(prefix[i]) ^ stream[i];
  dst += prefix.size();
  stream += prefix.size();
  for (size_t i = 0; i < plain.size(); ++i)
    dst[i] = static_cast<uint8_t>(plain[i]) ^ stream[i];
  return true;
}

}  // namespace sluice
