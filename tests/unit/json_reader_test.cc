#include "formats/json_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice {
namespace {

struct Seen {
  std::string position;
  std::string error;
  std::string name;
};

std::vector<Seen> ReadAll(std::string_view text) {
  std::vector<Seen> seen;
  Status st =
      ForEachJsonRecordInString(text, JsonLayout::kAuto,
                                [&](const JsonPosition& pos, const simdjson::dom::element* e,
                                    std::string_view error, std::string_view) {
                                  Seen s{pos.ToString(), std::string(error), ""};
                                  if (e) {
                                    auto name = JsonScalarAt(*e, "metadata.name");
                                    s.name = name.ok() && *name ? **name : "<none>";
                                  }
                                  seen.push_back(s);
                                  return Status::Ok();
                                });
  EXPECT_TRUE(st.ok()) << st.message();
  return seen;
}

TEST(JsonReader, ArrayElementsWithIndexes) {
  auto seen = ReadAll(R"([{"metadata":{"name":"A"}}, {"metadata":{"name":null}}, {}])");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].name, "A");
  EXPECT_EQ(seen[1].name, "<none>");
  EXPECT_EQ(seen[2].position, "index 2");
}

TEST(JsonReader, NdjsonKeepsGoingPastABadLine) {
  auto seen = ReadAll("{\"metadata\":{\"name\":\"A\"}}\n{oops\n\n{\"metadata\":{\"name\":7}}\n");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].position, "line 2");
  EXPECT_NE(seen[1].error.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(seen[2].position, "line 4");
  EXPECT_EQ(seen[2].name, "7");
}

// Valid JSON with numbers simdjson cannot hold: read, and the value kept exactly as written.
TEST(JsonReader, BigNumbersAreReadInBothLayouts) {
  auto seen = ReadAll(
      "{\"metadata\":{\"name\":123456789012345678901234567890},\"x\":1e400}\n"
      "{\"metadata\":{\"name\":\"B\"},\"y\":-1e400}\n");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].error, "");
  EXPECT_EQ(seen[0].name, "123456789012345678901234567890");
  EXPECT_EQ(seen[1].name, "B");
  seen = ReadAll(R"([{"metadata":{"name":18446744073709551616}}, {"n":1e400}])");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].name, "18446744073709551616");
  EXPECT_EQ(seen[1].name, "<none>");
}

TEST(JsonReader, MinifyWritesBigNumbersBack) {
  std::vector<std::string> bodies;
  Status st = ForEachJsonRecordInString(
      R"([ {"a": 1e400, "b": "x"}, {"c": [18446744073709551616]} ])", JsonLayout::kAuto,
      [&](const JsonPosition&, const simdjson::dom::element* e, std::string_view,
          std::string_view) {
        bodies.push_back(JsonMinify(*e));
        return Status::Ok();
      });
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], R"({"a":1e400,"b":"x"})");
  EXPECT_EQ(bodies[1], R"({"c":[18446744073709551616]})");
}

// A dump of pretty-printed objects (`jq .` output) is read a value at a time, not a line at a
// time; each value's position is the line it starts on.
TEST(JsonReader, ValuesSpanningLinesAreOneRecordEach) {
  auto seen = ReadAll(
      "{\n  \"metadata\": {\n    \"name\": \"A }\"\n  }\n}\n\n"
      "{\"metadata\": {\"name\": \"B\"}}\n"
      "{\n  \"metadata\": {\"name\": 123456789012345678901234567890}\n}\n"
      "{\n  \"metadata\": oops\n}\n"
      "{\n  \"metadata\": {\"name\": \"cut\"}\n");
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].position, "line 1");
  EXPECT_EQ(seen[0].name, "A }");
  EXPECT_EQ(seen[1].position, "line 7");
  EXPECT_EQ(seen[1].name, "B");
  EXPECT_EQ(seen[2].position, "line 8");
  EXPECT_EQ(seen[2].name, "123456789012345678901234567890");
  EXPECT_EQ(seen[3].position, "line 11");
  EXPECT_NE(seen[3].error.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(seen[4].position, "line 14");  // the text ends inside it
  EXPECT_NE(seen[4].error.find("invalid JSON"), std::string::npos);
}

TEST(JsonReader, NdjsonWithABrokenFirstLineStaysLineByLine) {
  auto seen = ReadAll("{\"metadata\": [\n{\"metadata\":{\"name\":\"B\"}}\n");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0].error.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(seen[1].position, "line 2");
  EXPECT_EQ(seen[1].name, "B");
}

TEST(JsonReader, BrokenArrayFailsTheFileWithAReason) {
  Status st = ForEachJsonRecordInString("[{\"a\":1},", JsonLayout::kAuto,
                                        [](auto&, auto*, auto, auto) { return Status::Ok(); });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("invalid JSON"), std::string::npos);
}

TEST(JsonReader, ScalarTextOfEveryType) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(std::string_view(R"({"s":"x","i":-3,"d":1.5,"b":true,"o":{},"a":[]})"));
  ASSERT_FALSE(doc.error());
  simdjson::dom::element e = doc.value();
  EXPECT_EQ(**JsonScalarAt(e, "s"), "x");
  EXPECT_EQ(**JsonScalarAt(e, "i"), "-3");
  EXPECT_EQ(**JsonScalarAt(e, "d"), "1.5");
  EXPECT_EQ(**JsonScalarAt(e, "b"), "true");
  EXPECT_FALSE(JsonScalarAt(e, "missing")->has_value());
  EXPECT_FALSE(JsonScalarAt(e, "o").ok());
  EXPECT_NE(JsonScalarAt(e, "a").status().message().find("array"), std::string::npos);
}

}  // namespace
}  // namespace sluice
