// The plain SHA-256 functions: see the header for why.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "transforms/hmac_sha256.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace sluice {

struct HmacSha256Keyed::States {
  SHA256_CTX inner;
  SHA256_CTX outer;
};

HmacSha256Keyed::HmacSha256Keyed(std::string_view key) : states_(new States{}) {
  // RFC 2104: keys longer than the block are hashed first; shorter ones are zero-padded.
  unsigned char block[64] = {};
  if (key.size() > sizeof block) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char ipad[64], opad[64];
  for (size_t i = 0; i < 64; ++i) {
    ipad[i] = block[i] ^ 0x36;
    opad[i] = block[i] ^ 0x5c;
  }
  ok_ = SHA256_Init(&states_->inner) == 1 && SHA256_Update(&states_->inner, ipad, 64) == 1 &&
        SHA256_Init(&states_->outer) == 1 && SHA256_Update(&states_->outer, opad, 64) == 1;
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
}

HmacSha256Keyed::~HmacSha256Keyed() {
  // The states are as good as the key: wiped before the memory is handed back.
  OPENSSL_cleanse(states_, sizeof *states_);
  delete states_;
}

bool HmacSha256Keyed::Mac(std::string_view message, std::array<uint8_t, 32>* out) {
  if (!ok_) return false;
  SHA256_CTX work = states_->inner;
  unsigned char inner_hash[32];
  bool ok = SHA256_Update(&work, message.data(), message.size()) == 1 &&
            SHA256_Final(inner_hash, &work) == 1;
  work = states_->outer;
  ok = ok && SHA256_Update(&work, inner_hash, sizeof inner_hash) == 1 &&
       SHA256_Final(out->data(), &work) == 1;
  OPENSSL_cleanse(&work, sizeof work);
  return ok;
}

}  // namespace sluice
