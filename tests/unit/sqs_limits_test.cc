// What SQS takes in a message and how bodies are packed into batches (connectors/sqs/sqs_limits).
#include "connectors/sqs/sqs_limits.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(SqsBody, ValidUtf8OfTheAllowedCharactersPasses) {
  EXPECT_FALSE(FindSqsBodyProblem("{\"a\":1}"));
  EXPECT_FALSE(FindSqsBodyProblem("tab\there\r\nnewline"));
  EXPECT_FALSE(FindSqsBodyProblem("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(FindSqsBodyProblem("\xEE\x80\x80\xEF\xBF\xBD"));                   // U+E000, U+FFFD
  EXPECT_FALSE(FindSqsBodyProblem("\xF4\x8F\xBF\xBF"));                           // U+10FFFF
}

TEST(SqsBody, EachProblemIsNamedWithItsByteOffset) {
  auto latin1 = FindSqsBodyProblem("{\"n\":\"caf\xE9\"}");
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->byte_offset, 9u);
  EXPECT_EQ(latin1->reason, "is not valid UTF-8");

  auto nul = FindSqsBodyProblem(std::string_view("ab\0c", 4));
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->byte_offset, 2u);
  EXPECT_EQ(nul->reason, "U+0000 is not allowed in an SQS message");

  auto control = FindSqsBodyProblem("a\x01");
  ASSERT_TRUE(control);
  EXPECT_EQ(control->reason, "U+0001 is not allowed in an SQS message");
  auto fffe = FindSqsBodyProblem("x\xEF\xBF\xBE");  // U+FFFE
  ASSERT_TRUE(fffe);
  EXPECT_EQ(fffe->byte_offset, 1u);
  EXPECT_EQ(fffe->reason, "U+FFFE is not allowed in an SQS message");

  // Surrogates, overlong forms, past U+10FFFF, cut short: none is UTF-8.
  for (std::string_view bad :
       {"\xED\xA0\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xF4\x90\x80\x80", "ok\xE2\x82", "\x80"}) {
    auto p = FindSqsBodyProblem(bad);
    ASSERT_TRUE(p) << bad;
    EXPECT_NE(p->reason.find("not valid UTF-8"), std::string::npos) << bad;
  }
  EXPECT_EQ(FindSqsBodyProblem("ok\xE2\x82")->byte_offset, 2u);
  EXPECT_TRUE(FindSqsBodyProblem(""));
}

// Sizes of the bodies in each batch a packer makes of `sizes` under `max`.
std::vector<std::vector<size_t>> Pack(const std::vector<size_t>& sizes, size_t max) {
  SqsBatchPacker packer(max);
  std::vector<std::vector<size_t>> batches;
  auto flush = [&] {
    std::vector<size_t> batch;
    for (const auto& b : packer.Take())
      batch.push_back(b.size());
    if (!batch.empty()) batches.push_back(batch);
  };
  for (size_t s : sizes) {
    if (packer.NeedsFlushBefore(s)) flush();
    packer.Add(std::string(s, 'x'));
  }
  flush();
  return batches;
}

TEST(SqsBatchPacker, TenEntriesAtMost) {
  auto batches = Pack(std::vector<size_t>(23, 1), 262144);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 10u);
  EXPECT_EQ(batches[1].size(), 10u);
  EXPECT_EQ(batches[2].size(), 3u);
}

// The case sqs-batch-over-size-limit: ten ~200 KB messages under a 1 MiB queue limit.
TEST(SqsBatchPacker, ABatchClosesBeforeItsBytesPassTheLimit) {
  auto batches = Pack(std::vector<size_t>(10, 200000), 1048576);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].size(), 5u);  // 1,000,000 bytes; a sixth would make 1,200,000
  EXPECT_EQ(batches[1].size(), 5u);
  // 256 KiB: 30 KB messages, eight to a batch.
  auto small = Pack(std::vector<size_t>(10, 30000), 262144);
  ASSERT_EQ(small.size(), 2u);
  EXPECT_EQ(small[0].size(), 8u);
}

TEST(SqsBatchPacker, ExactlyTheLimitFitsAndOrderIsKept) {
  EXPECT_EQ(Pack({100, 924, 1, 1024, 500, 600}, 1024),
            (std::vector<std::vector<size_t>>{{100, 924}, {1}, {1024}, {500}, {600}}));
  EXPECT_EQ(Pack({300, 300, 300, 124}, 1024),
            (std::vector<std::vector<size_t>>{{300, 300, 300, 124}}));
}

}  // namespace
}  // namespace sluice
