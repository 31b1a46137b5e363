#include "transforms/hmac_sha256.h"

#include <cstring>

namespace sluice {

HmacSha256Keyed::HmacSha256Keyed(std::string_view key) {
  inner_ = EVP_MD_CTX_new();
  outer_ = EVP_MD_CTX_new();
  work_ = EVP_MD_CTX_new();
  // RFC 2104: keys longer than the block are hashed first; shorter ones are zero-padded.
  unsigned char block[64] = {};
  if (key.size() > sizeof block) {
    unsigned int len = 0;
    EVP_Digest(key.data(), key.size(), block, &len, EVP_sha256(), nullptr);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char ipad[64], opad[64];
  for (size_t i = 0; i < 64; ++i) {
    ipad[i] = block[i] ^ 0x36;
    opad[i] = block[i] ^ 0x5c;
  }
  EVP_DigestInit_ex(inner_, EVP_sha256(), nullptr);
  EVP_DigestUpdate(inner_, ipad, sizeof ipad);
  EVP_DigestInit_ex(outer_, EVP_sha256(), nullptr);
  EVP_DigestUpdate(outer_, opad, sizeof opad);
}

HmacSha256Keyed::~HmacSha256Keyed() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
  EVP_MD_CTX_free(work_);
}

bool HmacSha256Keyed::Mac(std::string_view message, std::array<uint8_t, 32>* out) {
  unsigned int len = 0;
  unsigned char inner_hash[32];
  return EVP_MD_CTX_copy_ex(work_, inner_) == 1 &&
         EVP_DigestUpdate(work_, message.data(), message.size()) == 1 &&
         EVP_DigestFinal_ex(work_, inner_hash, &len) == 1 &&
         EVP_MD_CTX_copy_ex(work_, outer_) == 1 &&
         EVP_DigestUpdate(work_, inner_hash, sizeof inner_hash) == 1 &&
         EVP_DigestFinal_ex(work_, out->data(), &len) == 1;
}

}  // namespace sluice
