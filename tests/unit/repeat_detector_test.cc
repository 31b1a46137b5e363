#include "core/repeat_detector.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

TEST(RepeatDetector, SaysNeverOnlyWhenNoKeyCameTwice) {
  RepeatDetector d;
  std::vector<std::string> keys;
  for (int i = 0; i < 100000; ++i)
    keys.push_back("user" + std::to_string(i) + "@x");
  for (const auto& k : keys)
    d.Add({k});
  EXPECT_FALSE(d.MaybeRepeated());
  d.Add({keys[77]});
  EXPECT_TRUE(d.MaybeRepeated());
}

TEST(RepeatDetector, KeyPartsAreKeptApart) {
  RepeatDetector d;
  d.Add({"ab", "c"});
  d.Add({"a", "bc"});
  d.Add({"", "abc"});
  EXPECT_FALSE(d.MaybeRepeated());
  d.Add({"a", "bc"});
  EXPECT_TRUE(d.MaybeRepeated());
}

TEST(RepeatDetector, PastItsLimitItAnswersMaybe) {
  RepeatDetector d(3);
  d.Add({"a"});
  d.Add({"b"});
  d.Add({"c"});
  EXPECT_FALSE(d.MaybeRepeated());
  d.Add({"d"});
  EXPECT_TRUE(d.MaybeRepeated());
}

}  // namespace
}  // namespace sluice
