// Small wrappers over OpenSSL 3's one-shot digests and encodings, shared by the AWS signer,
// masking and report checksums.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

std::array<uint8_t, 32> Sha256(std::string_view data);
std::array<uint8_t, 32> HmacSha256(std::string_view key, std::string_view data);
std::string Md5Base64(std::string_view data);

std::string HexLower(const uint8_t* data, size_t size);
template <size_t N>
std::string HexLower(const std::array<uint8_t, N>& bytes) {
  return HexLower(bytes.data(), N);
}
inline std::string AsBytes(const std::array<uint8_t, 32>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

std::string Base64Encode(std::string_view data);
// Returns false on input that is not standard base64.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace sluice
