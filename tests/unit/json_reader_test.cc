#include "formats/json_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <vector>

#include "formats/json_parse.h"

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

// Every record read, for the limit and BOM tests: position, error, raw size, and name.
struct ReadOutcome {
  Status status;
  std::vector<Seen> seen;
  std::vector<size_t> raw_sizes;
};

ReadOutcome ReadWith(std::string_view text, size_t limit, JsonLayout layout = JsonLayout::kAuto) {
  ReadOutcome out;
  JsonReadOptions options;
  options.max_record_bytes = limit;
  out.status = ForEachJsonRecordInString(
      text, layout,
      [&](const JsonPosition& pos, const simdjson::dom::element* e, std::string_view error,
          std::string_view raw) {
        Seen s{pos.ToString(), std::string(error), ""};
        if (e) {
          auto name = JsonScalarAt(*e, "name");
          s.name = name.ok() && *name ? **name : "<none>";
        }
        out.seen.push_back(s);
        out.raw_sizes.push_back(raw.size());
        return Status::Ok();
      },
      options);
  return out;
}

TEST(JsonReader, ALeadingByteOrderMarkIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  ReadOutcome array = ReadWith(bom + R"([{"name":"B1"},{"name":"B2"},{"name":"B3"}])", 1 << 20);
  ASSERT_TRUE(array.status.ok()) << array.status.message();
  ASSERT_EQ(array.seen.size(), 3u);
  EXPECT_EQ(array.seen[0].name, "B1");
  EXPECT_EQ(array.seen[2].name, "B3");
  ReadOutcome lines = ReadWith(bom + "{\"name\":\"A\"}\n{\"name\":\"B\"}\n", 1 << 20);
  ASSERT_EQ(lines.seen.size(), 2u);
  EXPECT_EQ(lines.seen[0].error, "");
  EXPECT_EQ(lines.seen[0].name, "A");
  EXPECT_EQ(lines.seen[0].position, "line 1");
  // Only a leading mark is skipped: one inside the text is still not JSON.
  ReadOutcome inside = ReadWith("{\"name\":\"A\"}\n" + bom + "{\"name\":\"B\"}\n", 1 << 20);
  ASSERT_EQ(inside.seen.size(), 2u);
  EXPECT_NE(inside.seen[1].error, "");
}

TEST(JsonReader, TextWithNoValueIsAnError) {
  for (std::string_view text : {"", " \n\t\r\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF \n"}) {
    for (auto layout : {JsonLayout::kAuto, JsonLayout::kNdjson, JsonLayout::kArray}) {
      ReadOutcome r = ReadWith(text, 1 << 20, layout);
      EXPECT_FALSE(r.status.ok());
      EXPECT_NE(r.status.message().find("the file is empty"), std::string::npos);
      EXPECT_TRUE(r.seen.empty());
    }
  }
  ReadOutcome empty_array = ReadWith("[]", 1 << 20);
  EXPECT_TRUE(empty_array.status.ok());
  EXPECT_TRUE(empty_array.seen.empty());
}

// A 2 MB line against a 1 MiB limit: rejected by its line and size, its text not handed on, and
// the lines after it read as before.
TEST(JsonReader, AnNdjsonLineOverTheLimitIsRejectedAloneAndNotKept) {
  const std::string big = "{\"name\":\"" + std::string(2'000'000, 'x') + "\"}";
  ReadOutcome r = ReadWith("{\"name\":\"A\"}\n" + big + "\n{\"name\":\"C\"}\n", 1 << 20);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.seen.size(), 3u);
  EXPECT_EQ(r.seen[1].position, "line 2");
  EXPECT_EQ(r.seen[1].error,
            "the record is over 1048576 bytes, the most one may take (it has 2000011); not kept");
  EXPECT_EQ(r.raw_sizes[1], 0u);
  EXPECT_EQ(r.seen[2].name, "C");
  EXPECT_EQ(r.seen[2].position, "line 3");
  // At the limit exactly, a record is read.
  ReadOutcome at = ReadWith(big, big.size());
  ASSERT_EQ(at.seen.size(), 1u);
  EXPECT_EQ(at.seen[0].error, "");
}

// Values spanning lines count every line: one over the limit is rejected at its first line.
TEST(JsonReader, APrettyPrintedValueOverTheLimitIsRejectedByItsFirstLine) {
  std::string big = "{\n  \"name\": \"A\"\n}\n{\n";
  for (int i = 0; i < 100; ++i)
    big += "  \"k" + std::to_string(i) + "\": \"" + std::string(100, 'v') + "\",\n";
  big += "  \"name\": \"B\"\n}\n{\n  \"name\": \"C\"\n}\n";
  ReadOutcome r = ReadWith(big, 4096);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_GE(r.seen.size(), 2u);
  EXPECT_EQ(r.seen[0].name, "A");
  EXPECT_EQ(r.seen[1].position, "line 4");
  EXPECT_NE(r.seen[1].error.find("over 4096 bytes"), std::string::npos) << r.seen[1].error;
  EXPECT_EQ(r.raw_sizes[1], 0u);
}

TEST(JsonReader, AnArrayElementOverTheLimitFailsTheFileNamingIt) {
  const std::string big = "{\"name\":\"" + std::string(2'000'000, 'x') + "\"}";
  ReadOutcome r = ReadWith("[{\"name\":\"A\"}, " + big + "]", 1 << 20);
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("index 1 (byte offset 15)"), std::string::npos)
      << r.status.message();
  EXPECT_NE(r.status.message().find("over 1048576 bytes"), std::string::npos);
  EXPECT_TRUE(r.seen.empty());
  // Brackets and commas inside strings do not end an element.
  ReadOutcome fine = ReadWith(R"([{"name":"a,]}"}, {"name":"b"}])", 64);
  ASSERT_TRUE(fine.status.ok()) << fine.status.message();
  EXPECT_EQ(fine.seen.size(), 2u);
}

// From a file, a line is held only up to the limit, whatever its length.
TEST(JsonReader, AFileLineOverTheLimitIsSkippedToItsEnd) {
  char path[] = "/tmp/json_reader_testXXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = "\xEF\xBB\xBF{\"name\":\"A\"}\n{\"name\":\"" +
                           std::string(2'000'000, 'x') + "\"}\n{\"name\":\"C\"}";
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  JsonReadOptions options;
  options.max_record_bytes = 1 << 20;
  std::vector<Seen> seen;
  Status st = ForEachJsonRecord(
      path, JsonLayout::kAuto,
      [&](const JsonPosition& pos, const simdjson::dom::element* e, std::string_view error,
          std::string_view raw) {
        Seen s{pos.ToString(), std::string(error), e ? std::string(raw) : ""};
        seen.push_back(s);
        return Status::Ok();
      },
      options);
  ::unlink(path);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].name, "{\"name\":\"A\"}");
  EXPECT_NE(seen[1].error.find("over 1048576 bytes"), std::string::npos) << seen[1].error;
  EXPECT_EQ(seen[2].position, "line 3");
  EXPECT_EQ(seen[2].name, "{\"name\":\"C\"}");
}

// An element the parser cannot take does not cost the rest of its array: it is reported by its
// index, as a bad NDJSON line is by its line, and the array's other elements are read.
TEST(JsonReader, AnArrayElementThatDoesNotParseIsReportedAlone) {
  std::string deep = "{\"metadata\":{\"name\":\"deep\"},\"x\":";
  for (size_t i = 0; i <= kMaxJsonDepth; ++i)
    deep += "[";
  for (size_t i = 0; i <= kMaxJsonDepth; ++i)
    deep += "]";
  deep += "}";
  auto seen = ReadAll("[{\"metadata\":{\"name\":\"A\"}},\n" + deep +
                      ",\n {\"metadata\":{\"name\":tru}},\n{\"metadata\":{\"name\":\"D\"}}]");
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].name, "A");
  EXPECT_EQ(seen[1].position, "index 1");
  EXPECT_NE(seen[1].error.find("nest deeper than 10000 levels"), std::string::npos)
      << seen[1].error;
  EXPECT_EQ(seen[2].position, "index 2");
  EXPECT_NE(seen[2].error.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(seen[3].name, "D");
  EXPECT_EQ(seen[3].position, "index 3");
}

}  // namespace
}  // namespace sluice
