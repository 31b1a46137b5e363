#include "formats/json_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

// The numbers of case json-big-number-unused-field and their kin: valid JSON (RFC 8259 §6 sets
// no limit) that simdjson's DOM cannot hold.
const char* const kOutsized[] = {
    "123456789012345678901234567890",  // beyond 64 bits
    "18446744073709551616",            // 2^64
    "-9223372036854775809",            // below int64
    "-123456789012345678901234567890",
    "1e400",
    "-1e400",
    "1.5E+309",
    "123456789012345678901234567890e300",
};

TEST(JsonParse, NumbersBeyondSimdjsonAreKeptExactly) {
  JsonParser parser;
  for (const char* number : kOutsized) {
    const std::string text =
        std::string(R"({"user_id":"u-1","n":)") + number + ",\"after\":[" + number + ",true]}";
    simdjson::dom::element root;
    ASSERT_EQ(parser.Parse(text, &root), simdjson::SUCCESS) << number;
    EXPECT_EQ(std::string_view(root["user_id"]), "u-1");
    auto n = OutsizedNumber(root["n"].value());
    ASSERT_TRUE(n.has_value()) << number;
    EXPECT_EQ(*n, number);
    EXPECT_STREQ(JsonTypeName(root["n"].value()), "a number");
    EXPECT_EQ(OutsizedNumber(root["after"].at(0).value()).value_or(""), number);
    EXPECT_EQ(JsonMinify(root), text);
  }
}

TEST(JsonParse, NumbersSimdjsonHoldsAreUntouched) {
  JsonParser parser;
  simdjson::dom::element root;
  const std::string text =
      R"({"a":18446744073709551615,"b":-9223372036854775808,"c":1e-400,"d":1.7976931348623157e308,"e":3.14159265358979323846264338327950288})";
  ASSERT_EQ(parser.Parse(text, &root), simdjson::SUCCESS);
  EXPECT_EQ(uint64_t(root["a"]), 18446744073709551615u);
  EXPECT_EQ(int64_t(root["b"]), INT64_MIN);
  EXPECT_EQ(double(root["c"]), 0.0);
  for (const char* key : {"a", "b", "c", "d", "e"})
    EXPECT_FALSE(OutsizedNumber(root[key].value())) << key;
}

TEST(JsonParse, StringsThatLookLikeTheRewriteStayStrings) {
  JsonParser parser;
  simdjson::dom::element root;
  // A key and strings holding what the rewrite writes, beside a number that needs it.
  const std::string text =
      R"({"#1e400":"#1e400","k":["\"#1e400",1e400,"1e400"],"esc\\":"\u00ff1e400","z":1e400})";
  ASSERT_EQ(parser.Parse(text, &root), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(root["#1e400"]), "#1e400");
  EXPECT_EQ(std::string_view(root["k"].at(0)), "\"#1e400");
  EXPECT_EQ(OutsizedNumber(root["k"].at(1).value()).value_or(""), "1e400");
  EXPECT_FALSE(OutsizedNumber(root["k"].at(2).value()));
  EXPECT_FALSE(OutsizedNumber(root["esc\\"].value()));
  EXPECT_STREQ(JsonTypeName(root["esc\\"].value()), "a string");
  EXPECT_EQ(OutsizedNumber(root["z"].value()).value_or(""), "1e400");
}

TEST(JsonParse, InvalidNumbersAreStillErrors) {
  JsonParser parser;
  simdjson::dom::element root;
  for (const char* bad :
       {R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":1e})", R"({"a":.5})", R"({"a":+1})",
        R"({"a":1e400,"b":01})", R"({"a":123456789012345678901234567890x})", R"([1e400)"}) {
    EXPECT_NE(parser.Parse(bad, &root), simdjson::SUCCESS) << bad;
  }
}

TEST(JsonParse, AWholeDocumentCanBeOneOutsizedNumber) {
  JsonParser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.Parse("  1e400 ", &root), simdjson::SUCCESS);
  EXPECT_STREQ(JsonTypeName(root), "a number");
  EXPECT_EQ(JsonMinify(root), "1e400");
}

TEST(JsonParse, TheParserIsReusedAcrossBothPaths) {
  JsonParser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.Parse(R"({"a":1e400})", &root), simdjson::SUCCESS);
  ASSERT_EQ(parser.Parse(R"({"a":"#x"})", &root), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(root["a"]), "#x");
  EXPECT_FALSE(OutsizedNumber(root["a"].value()));
}

TEST(JsonParse, NumberTokenGrammar) {
  for (const char* good : {"0", "-0", "1", "10", "1.5", "-1.5e10", "1E+2", "1e-2", "0.0"})
    EXPECT_TRUE(IsJsonNumberToken(good)) << good;
  for (const char* bad : {"", "-", "01", "1.", ".1", "1e", "1e+", "+1", "1..2", "1e2e3", "--1"})
    EXPECT_FALSE(IsJsonNumberToken(bad)) << bad;
}

// `levels` arrays and objects, alternating, around `inner`: {"a":[{"a":[ ... inner ... ]}]}.
std::string Nested(size_t levels, const std::string& inner) {
  std::string open, close;
  for (size_t i = 0; i < levels; ++i) {
    open += i % 2 == 0 ? "{\"a\":" : "[";
    close.insert(0, i % 2 == 0 ? "}" : "]");
  }
  return open + inner + close;
}

// RFC 8259 section 9 lets a parser limit nesting; Sluice's limit is kMaxJsonDepth, far above
// simdjson's default of 1024, and every walk over the document (minify, the big-number tags)
// keeps its own stack at that depth.
TEST(JsonParse, NestingUpToTheLimitIsRead) {
  JsonParser parser;
  simdjson::dom::element root;
  for (size_t levels : {size_t{1025}, size_t{5000}, kMaxJsonDepth}) {
    const std::string text = Nested(levels, "\"deep\"");
    ASSERT_EQ(parser.Parse(text, &root), simdjson::SUCCESS) << levels;
    EXPECT_EQ(JsonMinify(root), text);
  }
  // Big numbers at the bottom and around it: the tags land on the right strings.
  const std::string mixed = R"({"k":"v","n":1e400,"d":)" +
                            Nested(kMaxJsonDepth - 3, R"(["s",1e401,{"1e402":1e402}])") +
                            R"(,"z":-1e400})";
  ASSERT_EQ(parser.Parse(mixed, &root), simdjson::SUCCESS);
  EXPECT_EQ(JsonMinify(root), mixed);
  EXPECT_EQ(OutsizedNumber(root["n"].value()).value_or(""), "1e400");
  EXPECT_EQ(OutsizedNumber(root["z"].value()).value_or(""), "-1e400");
  EXPECT_EQ(std::string_view(root["k"]), "v");
}

TEST(JsonParse, NestingBeyondTheLimitIsAnErrorNamingIt) {
  JsonParser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.Parse(Nested(kMaxJsonDepth + 1, "1"), &root), simdjson::DEPTH_ERROR);
  EXPECT_EQ(parser.Parse(Nested(kMaxJsonDepth + 1, "1e400"), &root), simdjson::DEPTH_ERROR);
  EXPECT_EQ(JsonErrorText(simdjson::DEPTH_ERROR),
            "arrays and objects nest deeper than 10000 levels, the most Sluice reads (RFC 8259 "
            "section 9 lets a parser set such a limit)");
  // The parser is still good for the next text.
  EXPECT_EQ(parser.Parse("[1]", &root), simdjson::SUCCESS);
}

}  // namespace
}  // namespace sluice
