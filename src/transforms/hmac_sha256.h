// HMAC-SHA256 with the keyed inner and outer hash states computed once: each token then costs
// two digest continuations instead of a fresh HMAC setup (measured in bench/micro).
//
// The states are OpenSSL's plain SHA256_CTX structs, copied by value per token: copying an EVP
// digest context allocates, copies and frees the provider's state every time, which cost as
// much as a short message's hashing (callgrind, bench/micro_instructions.sh). The plain SHA-256
// functions are deprecated in OpenSSL 3 but kept by every 3.x release, and use the same
// hardware code (SHA-NI, AVX2) as EVP.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice {

class HmacSha256Keyed {
 public:
  explicit HmacSha256Keyed(std::string_view key);
  ~HmacSha256Keyed();
  HmacSha256Keyed(const HmacSha256Keyed&) = delete;
  HmacSha256Keyed& operator=(const HmacSha256Keyed&) = delete;

  bool Mac(std::string_view message, std::array<uint8_t, 32>* out);

 private:
  struct States;  // SHA-256 after (key ^ ipad) and after (key ^ opad)
  States* states_ = nullptr;
  bool ok_ = false;
};

}  // namespace sluice
