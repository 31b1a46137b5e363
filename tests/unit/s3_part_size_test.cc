#include <gtest/gtest.h>

#include "connectors/s3/s3_client.h"

namespace sluice {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(PartSizeFor, DoublesEveryThousandPartsUpToFiveGiB) {
  EXPECT_EQ(PartSizeFor(1, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(PartSizeFor(1000, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(PartSizeFor(1001, 8 * kMiB), 16 * kMiB);
  EXPECT_EQ(PartSizeFor(2001, 8 * kMiB), 32 * kMiB);
  EXPECT_EQ(PartSizeFor(10000, 8 * kMiB), 4096 * kMiB);
  EXPECT_EQ(PartSizeFor(10000, 64 * kMiB), size_t{5} << 30);  // S3's largest part
}

TEST(PartSizeFor, TenThousandPartsHoldTerabytes) {
  // S3 allows 10,000 parts; summed, they must hold far more than a fixed part size would.
  size_t total_small = 0;
  size_t total_default = 0;
  for (int n = 1; n <= 10000; ++n) {
    total_small += PartSizeFor(n, 5 * kMiB);
    total_default += PartSizeFor(n, S3ObjectWriter::kDefaultPartSize);
  }
  EXPECT_GT(total_small, size_t{4} << 40);    // over 4 TiB from 5 MiB parts (not 49 GiB)
  EXPECT_GT(total_default, size_t{7} << 40);  // over 7 TiB from the default 8 MiB
}

// The ETag S3 gives a multipart object, as S3 (and the local server) computed it for a part of
// 5 MiB of 'a' and one of 100 'b'.
TEST(MultipartEtag, IsTheMd5OfThePartMd5sAndTheirCount) {
  EXPECT_EQ(MultipartEtag({"79b281060d337b9b2b84ccf390adcf74", "d84a935724eac27d7c9676679b6cdbaf"}),
            "16cafe8d6b8c1c55c3d339c8d69326c6-2");
  EXPECT_EQ(MultipartEtag({"79b281060d337b9b2b84ccf390adcf74"}).substr(33), "1");
  // An ETag that is not a hex MD5 (SSE-KMS, another store) cannot vouch for anything.
  EXPECT_EQ(MultipartEtag({"79b281060d337b9b2b84ccf390adcf7"}), "");
  EXPECT_EQ(MultipartEtag({"79b281060d337b9b2b84ccf390adcfzz"}), "");
}

}  // namespace
}  // namespace sluice
