#include "core/text_check.h"

#include <gtest/gtest.h>

#include <string>

#include "core/json_writer.h"

namespace sluice {
namespace {

using namespace std::string_literals;

TEST(TextCheck, FindsTheFirstByteTextCannotHold) {
  EXPECT_FALSE(FindUnstorableByte("plain, caf\xC3\xA9, \xF0\x9F\x8E\xAC"));
  auto latin1 = FindUnstorableByte("Caf\xE9 Noir");
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->offset, 3u);
  EXPECT_EQ(latin1->byte, 0xE9);
  EXPECT_EQ(latin1->Describe(), "byte 0xE9 is not valid UTF-8");
  auto nul = FindUnstorableByte("ab\0c"s);
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->offset, 2u);
  EXPECT_EQ(nul->Describe(), "a NUL byte, which PostgreSQL text cannot hold");
}

// RFC 3629 section 4: what PostgreSQL refuses, this refuses, each at its first byte.
TEST(TextCheck, RefusesEveryIllFormedSequence) {
  for (const std::string& bad : {"x\xC0\x80"s,          // overlong NUL
                                 "x\xE0\x80\xAF"s,      // overlong '/'
                                 "x\xED\xA0\x80"s,      // a surrogate
                                 "x\xF4\x90\x80\x80"s,  // past U+10FFFF
                                 "x\xE2\x82"s,          // cut short at the end
                                 "x\x80"s,              // a lone continuation byte
                                 "x\xFF"s}) {
    auto fault = FindUnstorableByte(bad);
    ASSERT_TRUE(fault) << bad;
    EXPECT_EQ(fault->offset, 1u) << bad;
  }
}

TEST(TextCheck, EscapesOnlyWhatTextCannotHoldAndEveryBackslash) {
  EXPECT_EQ(EscapeUnstorable("Caf\xE9 \\ \xC3\xA9\0!"s), "Caf\\351 \\\\ \xC3\xA9\\000!");
  EXPECT_EQ(EscapeUnstorable("clean"), "clean");
  EXPECT_FALSE(FindUnstorableByte(EscapeUnstorable("\xFF\xFE\0\x80"s)));
}

TEST(TextCheck, ForTerminalEscapesControlsAndBadBytesAndKeepsText) {
  EXPECT_EQ(ForTerminal("evil\x1b]0;pwned\x07\x1b[2J.csv"), "evil\\033]0;pwned\\007\\033[2J.csv");
  EXPECT_EQ(ForTerminal("30\n30.csv\r"), "30\\01230.csv\\015");
  EXPECT_EQ(ForTerminal("a\tb \xC3\xA9 \xE9 \x7f \\"), "a\tb \xC3\xA9 \\351 \\177 \\\\");
  EXPECT_EQ(ForTerminal("plain Zo\xC3\xAB"), "plain Zo\xC3\xAB");
}

// JSON documents (manifests, --format json, /health) stay valid UTF-8 whatever the names hold.
TEST(TextCheck, JsonWriterWritesBytesThatAreNotUtf8Escaped) {
  JsonWriter json;
  json.BeginObject().Key("k\xff").String("A, \"B\"\xc3").EndObject();
  EXPECT_EQ(json.str(), "{\"k\\\\377\":\"A, \\\"B\\\"\\\\303\"}");
  EXPECT_FALSE(FindUnstorableByte(json.str()));
}

TEST(TextCheck, PointsAtLineAndColumn) {
  TextPoint p = PointOf("ab\ncde\nf", 5);
  EXPECT_EQ(p.line, 2u);
  EXPECT_EQ(p.column, 3u);
  p = PointOf("abc", 0);
  EXPECT_EQ(p.line, 1u);
  EXPECT_EQ(p.column, 1u);
}

}  // namespace
}  // namespace sluice
