// The SIV encryptor and keyed HMAC must give exactly what OpenSSL's own SIV cipher and HMAC
// give, for every length around the block boundaries.
#include "transforms/aes_siv.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <random>

#include "transforms/hmac_sha256.h"

namespace sluice {
namespace {

std::string OpenSslSiv(const std::string& key, const std::string& plain) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::string out(16 + plain.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex2(ctx, cipher, reinterpret_cast<const unsigned char*>(key.data()),
                                nullptr, nullptr),
            1);
  // OpenSSL takes the plaintext in exactly one update, and wants one even when it is empty.
  unsigned char empty = 0;
  EXPECT_EQ(EVP_EncryptUpdate(
                ctx, o + 16, &len,
                plain.empty() ? &empty : reinterpret_cast<const unsigned char*>(plain.data()),
                static_cast<int>(plain.size())),
            1);
  EXPECT_EQ(EVP_EncryptFinal_ex(ctx, o + 16 + len, &len), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, o), 1);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  return out;
}

TEST(AesSiv, MatchesOpenSslForEveryLengthAroundTheBlocks) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 4; ++round) {
    std::string key(64, '\0');
    for (char& c : key)
      c = static_cast<char>(rng());
    AesSivEncryptor siv(key);
    ASSERT_TRUE(siv.ok());
    for (size_t n = 1; n <= 70; ++n) {
      std::string plain(n, '\0');
      for (char& c : plain)
        c = static_cast<char>(rng());
      std::string mine;
      ASSERT_TRUE(siv.Encrypt(plain, &mine));
      EXPECT_EQ(mine, OpenSslSiv(key, plain)) << "length " << n;
      std::string again;
      ASSERT_TRUE(siv.Encrypt(plain, &again));
      EXPECT_EQ(again, mine);  // no state carries over between messages
    }
  }
}

// The masker passes a format byte as a prefix to save a copy: prefix and text are one plaintext,
// whatever the split, and lengths taken in random order leave no chaining state behind.
TEST(AesSiv, APrefixIsPartOfThePlaintextAndOrderCarriesNoState) {
  std::mt19937 rng(99);
  std::string key(64, '\0');
  for (char& c : key)
    c = static_cast<char>(rng());
  AesSivEncryptor siv(key);
  ASSERT_TRUE(siv.ok());
  for (int round = 0; round < 300; ++round) {
    std::string prefix(rng() % 18, '\0'), plain(rng() % 70, '\0');
    for (char& c : prefix)
      c = static_cast<char>(rng());
    for (char& c : plain)
      c = static_cast<char>(rng());
    if (prefix.empty() && plain.empty()) continue;
    std::string mine;
    ASSERT_TRUE(siv.Encrypt(prefix, plain, &mine));
    EXPECT_EQ(mine, OpenSslSiv(key, prefix + plain))
        << "prefix " << prefix.size() << ", text " << plain.size();
  }
}

TEST(AesSiv, RejectsAKeyOfTheWrongSize) {
  EXPECT_FALSE(AesSivEncryptor("short").ok());
}

TEST(HmacSha256Keyed, MatchesOpenSslHmac) {
  for (std::string key : {std::string("k"), std::string(64, 'x'), std::string(100, 'y')}) {
    HmacSha256Keyed mac(key);
    for (std::string msg : {std::string(), std::string("199.172.111.135"), std::string(300, 'z')}) {
      std::array<uint8_t, 32> mine;
      ASSERT_TRUE(mac.Mac(msg, &mine));
      unsigned char expected[32];
      unsigned int len = 0;
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), expected, &len);
      EXPECT_EQ(0, std::memcmp(mine.data(), expected, 32));
    }
  }
}

}  // namespace
}  // namespace sluice
