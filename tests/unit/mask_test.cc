#include "transforms/mask.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace sluice {
namespace {

// Two fixed test keys (not secrets: they protect nothing).
const std::string kKeyA =
    "ka:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
const std::string kKeyB =
    "kb:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw==";

MaskKeyring Ring(const std::string& text) {
  auto ring = MaskKeyring::Parse(text, "test");
  EXPECT_TRUE(ring.ok()) << ring.status().message();
  return std::move(ring).value();
}

std::string MaskOf(Masker& m, std::string_view plain) {
  std::string out;
  EXPECT_TRUE(m.Mask(plain, &out).ok());
  return out;
}

TEST(Mask, DeterministicReversibleAndKeyed) {
  MaskKeyring ring = Ring(kKeyA);
  Masker masker(ring, MaskMode::kSiv);
  std::string a = MaskOf(masker, "199.172.111.135");
  EXPECT_EQ(a, MaskOf(masker, "199.172.111.135"));
  EXPECT_NE(a, MaskOf(masker, "199.172.111.136"));
  EXPECT_TRUE(a.starts_with("ka:"));
  EXPECT_EQ(a.find("199"), std::string::npos);
  EXPECT_EQ(*masker.Reveal(a), "199.172.111.135");
  EXPECT_EQ(*masker.Reveal(MaskOf(masker, "")), "");

  MaskKeyring other = Ring("ka:" + kKeyB.substr(3));  // same id, different material
  Masker stranger(other, MaskMode::kSiv);
  EXPECT_NE(MaskOf(stranger, "199.172.111.135"), a);
  EXPECT_FALSE(stranger.Reveal(a).ok());
}

TEST(Mask, TamperingIsDetected) {
  MaskKeyring ring = Ring(kKeyA);
  Masker masker(ring, MaskMode::kSiv);
  std::string a = MaskOf(masker, "593-47-5928");
  std::string flipped = a;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  auto r = masker.Reveal(flipped);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("forged or damaged"), std::string::npos);
  EXPECT_FALSE(masker.Reveal("ka:").ok());
  EXPECT_FALSE(masker.Reveal("nokey").ok());
  EXPECT_EQ(masker.Reveal("zz:abcd").status().code(), StatusCode::kNotFound);
}

TEST(Mask, RotationKeepsOldValuesReadable) {
  MaskKeyring old_ring = Ring(kKeyA);
  Masker old_masker(old_ring, MaskMode::kSiv);
  std::string before = MaskOf(old_masker, "10.0.0.1");
  MaskKeyring rotated = Ring("# new key first\n" + kKeyB + "\n" + kKeyA + "\n");
  Masker masker(rotated, MaskMode::kSiv);
  std::string after = MaskOf(masker, "10.0.0.1");
  EXPECT_TRUE(after.starts_with("kb:"));
  EXPECT_EQ(*masker.Reveal(before), "10.0.0.1");
  EXPECT_EQ(*masker.Reveal(after), "10.0.0.1");
}

TEST(Mask, HmacTokensAreDeterministicAndIrreversible) {
  MaskKeyring ring = Ring(kKeyA);
  Masker masker(ring, MaskMode::kHmac);
  std::string t = MaskOf(masker, "199.172.111.135");
  EXPECT_EQ(t, MaskOf(masker, "199.172.111.135"));
  EXPECT_TRUE(t.starts_with("h.ka:"));
  EXPECT_FALSE(masker.Reveal(t).ok());
  EXPECT_LE(t.size(), 256u);
}

TEST(Mask, MaskedValuesFitTheColumnUpToTheAdvertisedLength) {
  MaskKeyring ring = Ring(kKeyA);
  Masker masker(ring, MaskMode::kSiv);
  size_t max = masker.MaxPlainLength(256);
  EXPECT_GT(max, 150u);
  EXPECT_LE(MaskOf(masker, std::string(max, 'x')).size(), 256u);
  EXPECT_GT(MaskOf(masker, std::string(max + 3, 'x')).size(), 256u);
}

TEST(Mask, BadKeyFilesSayWhereWithoutPrintingTheKey) {
  auto r = MaskKeyring::Parse("ka:c2VjcmV0LXNob3J0\n", "keys.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("keys.txt: line 1"), std::string::npos);
  EXPECT_EQ(r.status().message().find("c2VjcmV0"), std::string::npos);
  EXPECT_FALSE(MaskKeyring::Parse("# only a comment\n", "k").ok());
  EXPECT_FALSE(MaskKeyring::Parse("bad id!:" + kKeyA.substr(3), "k").ok());
}

TEST(Mask, KeygenWritesAPrivateFileAndNeverOverwrites) {
  std::string path = ::testing::TempDir() + "/sluice_keygen_test.key";
  std::remove(path.c_str());
  ASSERT_TRUE(MaskKeyring::GenerateFile(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto ring = MaskKeyring::LoadFile(path);
  ASSERT_TRUE(ring.ok()) << ring.status().message();
  EXPECT_EQ(ring->primary().material.size(), 64u);
  Status again = MaskKeyring::GenerateFile(path);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  auto reloaded = MaskKeyring::LoadFile(path);
  EXPECT_EQ(reloaded->primary().material, ring->primary().material);
  std::remove(path.c_str());
}

// A key file others can read still loads, with a warning naming it and its mode; a private one
// loads silently.
TEST(Mask, AKeyFileOthersCanReadIsWarnedAbout) {
  std::string path = ::testing::TempDir() + "/sluice_key_mode_test.key";
  std::remove(path.c_str());
  ASSERT_TRUE(MaskKeyring::GenerateFile(path).ok());
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(MaskKeyring::LoadFile(path).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  for (mode_t mode : {0640, 0604}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    ::testing::internal::CaptureStderr();
    EXPECT_TRUE(MaskKeyring::LoadFile(path).ok());
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find(path + " has mode " + (mode == 0640 ? "0640" : "0604")), std::string::npos)
        << err;
    EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice
