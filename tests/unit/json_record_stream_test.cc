// Streaming records out of NDJSON and JSON array files as text (formats/json_record_stream).
#include "formats/json_record_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace sluice {
namespace {

struct Seen {
  std::string position;
  std::string text;
  uint64_t size;
  bool oversized;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << s.position << " '" << s.text << "' " << s.size << (s.oversized ? " oversized" : "");
}

std::string TempFile(const std::string& text) {
  static int n = 0;
  std::string path = ::testing::TempDir() + "/json_record_stream_" + std::to_string(getpid()) +
                     "_" + std::to_string(n++);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

Result<std::vector<Seen>> Records(const std::string& text, size_t max = 1 << 20) {
  std::vector<Seen> seen;
  std::string path = TempFile(text);
  Status st = ForEachRawJsonRecord(path, max, [&](const RawJsonRecord& r) {
    seen.push_back({r.position.ToString(), std::string(r.text), r.size, r.oversized});
    return Status::Ok();
  });
  std::remove(path.c_str());
  if (!st.ok()) return st;
  return seen;
}

TEST(JsonRecordStream, NdjsonLinesAsTheyAreWithBlankLinesSkipped) {
  auto r = Records("{\"a\": 1}\r\n\n   \nnot json  \n{\"b\":\"x y\"}");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<Seen>{{"line 1", "{\"a\": 1}", 8, false},
                                   {"line 4", "not json", 8, false},
                                   {"line 5", "{\"b\":\"x y\"}", 11, false}}));
}

TEST(JsonRecordStream, AnOversizedLineIsMeasuredNotHeld) {
  std::string big(200000, 'x');
  auto r = Records("short\n" + big + "\nafter\n", 1000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1], (Seen{"line 2", "", 200000, true}));
  EXPECT_EQ((*r)[2], (Seen{"line 3", "after", 5, false}));
  // Exactly the limit fits, trailing blanks aside.
  auto edge = Records(std::string(1000, 'y') + " \r\n" + std::string(1001, 'z'), 1000);
  ASSERT_TRUE(edge.ok());
  EXPECT_FALSE((*edge)[0].oversized);
  EXPECT_EQ((*edge)[0].size, 1000u);
  EXPECT_TRUE((*edge)[1].oversized);
  EXPECT_EQ((*edge)[1].size, 1001u);
}

TEST(JsonRecordStream, ArrayElementsLoseOnlyTheWhitespaceOutsideStrings) {
  auto r = Records(
      " [\n  {\"a\" : [1, 2],\n   \"s\": \"keep  these , ] } spaces\\\" \"},\n  \"str\" ,"
      "  12345678901234567890123 , [ ] ,{}, true\n]\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 6u);
  EXPECT_EQ((*r)[0].text, "{\"a\":[1,2],\"s\":\"keep  these , ] } spaces\\\" \"}");
  EXPECT_EQ((*r)[0].position, "index 0");
  EXPECT_EQ((*r)[1].text, "\"str\"");
  EXPECT_EQ((*r)[2].text, "12345678901234567890123");  // numbers are passed on, not parsed
  EXPECT_EQ((*r)[3].text, "[]");
  EXPECT_EQ((*r)[4].text, "{}");
  EXPECT_EQ((*r)[5].text, "true");
  EXPECT_EQ((*r)[5].position, "index 5");
  // Tokens that whitespace kept apart stay apart, so invalid JSON stays invalid.
  auto merged = Records("[1 2, tru e]");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ((*merged)[0].text, "1 2");
  EXPECT_EQ((*merged)[1].text, "tru e");
  auto empty = Records("  []  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(JsonRecordStream, AnOversizedElementIsMeasuredAndTheRestGoOn) {
  std::string text = "[\"" + std::string(5000, 'x') + "\", 1]";
  auto r = Records(text, 100);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (Seen{"index 0", "", 5002, true}));
  EXPECT_EQ((*r)[1], (Seen{"index 1", "1", 1, false}));
}

TEST(JsonRecordStream, ABrokenArrayFailsBeforeAnyRecordIsPassedOn) {
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"[1, 2", "byte offset 5: the file ends inside the array (element 1)"},
           {"[1, {\"a\": 2]}]", "byte offset 11: ']' does not close anything open in element 1"},
           {"[1,,2]", "byte offset 3: element 1 is empty"},
           {"[1,]", "byte offset 3: element 1 is empty"},
           {"[1] [2]", "byte offset 4: text after the array's closing ']'"},
           {"[\"open string]", "the file ends inside the array (element 0)"}}) {
    int calls = 0;
    std::string path = TempFile(text);
    Status st = ForEachRawJsonRecord(path, 1000, [&](const RawJsonRecord&) {
      ++calls;
      return Status::Ok();
    });
    std::remove(path.c_str());
    EXPECT_FALSE(st.ok()) << text;
    EXPECT_NE(st.message().find(why), std::string::npos) << text << ": " << st.message();
    EXPECT_EQ(calls, 0) << text;
  }
}

TEST(JsonRecordStream, InvalidUtf8IsPassedOnForTheCallerToJudge) {
  auto r = Records("{\"a\":\"caf\xE9\"}\n[\"x\xFF\"]\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].text, "{\"a\":\"caf\xE9\"}");
  auto arr = Records("[\"x\xFF\"]");
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ((*arr)[0].text, "\"x\xFF\"");
}

// Records do not depend on where the reads end: the file reader's 64 KiB chunks split lines,
// strings and escapes anywhere.
TEST(JsonRecordStream, ChunkBoundariesDoNotChangeTheRecords) {
  const std::string array = " [ {\"a\" : [1, 2], \"s\": \"keep  , ] } \\\" \"}, \"str\", 1 2 ]";
  const std::string ndjson = "{\"a\": 1}\r\n\n  \nnot json\n{\"b\":\"x y\"}";
  const std::string pretty = "\n{\r\n  \"a\": [\n    \"]\"\n  ]\n}\n\n{\"b\": 1}\n{\n \"c\": {}\n}";
  for (const std::string& text : {array, ndjson, pretty}) {
    std::vector<std::string> whole;
    ASSERT_TRUE(ForEachRawJsonRecordInString(text, 100, [&](const RawJsonRecord& r) {
                  whole.emplace_back(r.text);
                  return Status::Ok();
                }).ok());
    ASSERT_FALSE(whole.empty());
    for (size_t chunk : {1, 2, 3, 7}) {
      std::vector<std::string> pieces;
      ASSERT_TRUE(ForEachRawJsonRecordInString(
                      text, 100,
                      [&](const RawJsonRecord& r) {
                        pieces.emplace_back(r.text);
                        return Status::Ok();
                      },
                      chunk)
                      .ok());
      EXPECT_EQ(pieces, whole) << "chunks of " << chunk;
    }
  }
}

// Case: `queue send` of `jq .` output sent each line as a message. A file whose first value
// spans lines is read a value at a time, as `logins run --file` reads it.
TEST(JsonRecordStream, ValuesSpanningLinesAreOneRecordEach) {
  auto r = Records(
      "{\r\n  \"user_id\": \"a\",\r\n  \"tags\": [\"}\"]\r\n}\r\n\n"
      "{\n  \"user_id\": \"caf\xE9\"\n}\n"
      "{\"user_id\": \"c\"}\n"
      "{\n  \"user_id\": \"d\"\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto seen = [](std::string position, std::string text) {
    const uint64_t size = text.size();
    return Seen{std::move(position), std::move(text), size, false};
  };
  EXPECT_EQ(*r, (std::vector<Seen>{
                    seen("line 1", "{\n  \"user_id\": \"a\",\n  \"tags\": [\"}\"]\n}"),
                    // A bad byte stays in its own value, for the caller to reject alone.
                    seen("line 6", "{\n  \"user_id\": \"caf\xE9\"\n}"),
                    seen("line 9", "{\"user_id\": \"c\"}"),
                    // The file ends inside a value: it is passed on, for its consumer to reject.
                    seen("line 10", "{\n  \"user_id\": \"d\"")}));
}

TEST(JsonRecordStream, AnOversizedValueSpanningLinesIsMeasuredAndTheNextOneFound) {
  const std::string big =
      "{\n  \"a\": \"" + std::string(3000, 'x') + "\",\n  \"b\": [\n    1\n  ]\n}\n";
  auto r = Records("{\n  \"first\": 1\n}\n" + big + "{\n  \"after\": 2\n}\n", 1000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1], (Seen{"line 4", "", big.size() - 1, true}));
  EXPECT_EQ((*r)[2], (Seen{"line 10", "{\n  \"after\": 2\n}", 16, false}));
}

// NDJSON whose first line is merely broken stays one record per line.
TEST(JsonRecordStream, ABrokenFirstLineKeepsOneRecordPerLine) {
  auto r = Records("{\"a\": [1,\n{\"b\": 2}\n{\"c\": 3}\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1], (Seen{"line 2", "{\"b\": 2}", 8, false}));
}

// The --file source pulls an array's elements instead of holding them all: the same texts as
// ForEachRawJsonRecord, across many read chunks.
TEST(JsonArrayElementReader, PullsTheElementsForEachRawJsonRecordGives) {
  std::string text = "[\n";
  for (int i = 0; i < 20000; ++i) {
    text += (i ? ",\n" : "") + std::string("  {\"user_id\": \"u ") + std::to_string(i) +
            "\", \"tags\": [1, \"]\"]}";
  }
  text += "\n]\n";
  const std::string path = TempFile(text);
  std::vector<std::string> pushed;
  ASSERT_TRUE(ForEachRawJsonRecord(path, 1 << 20, [&](const RawJsonRecord& r) {
                pushed.emplace_back(r.text);
                return Status::Ok();
              }).ok());
  auto reader = JsonArrayElementReader::Open(path, 1 << 20);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  std::vector<std::string> pulled;
  JsonArrayElementReader::Element e;
  for (;;) {
    auto more = (*reader)->Next(&e);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    EXPECT_EQ(e.index, pulled.size());
    pulled.push_back(e.text);
  }
  EXPECT_EQ(pulled.size(), 20000u);
  EXPECT_EQ(pulled, pushed);
  std::remove(path.c_str());
}

TEST(JsonArrayElementReader, ABrokenArrayOrAnOversizedElementFailsOpen) {
  const std::string broken = TempFile("[{\"a\": 1}, {\"b\": 2]");
  auto r = JsonArrayElementReader::Open(broken, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("byte offset 18"), std::string::npos) << r.status().message();
  const std::string big = TempFile("[1, \"" + std::string(200, 'x') + "\", 3]");
  auto b = JsonArrayElementReader::Open(big, 100);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("an element is 202 bytes, over the 100 bytes"),
            std::string::npos)
      << b.status().message();
  std::remove(broken.c_str());
  std::remove(big.c_str());
}

TEST(JsonRecordStream, AMissingFileIsAnError) {
  Status st = ForEachRawJsonRecord("/nonexistent/sluice/file.ndjson", 10,
                                   [](const RawJsonRecord&) { return Status::Ok(); });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot open /nonexistent/sluice/file.ndjson"), std::string::npos);
}

// The peak resident set, in kB, since the last ResetPeakRss (proc(5), /proc/self/clear_refs 5).
uint64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}
uint64_t RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}
bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

// Case: `queue send` held a whole 200 MB line (424 MB peak) to reject it against a 1 MiB limit,
// and grew without end on /dev/zero: the first-value probe read the first line whole. A file
// with no line end at all, or one huge record on a line, is one record rejected by its size,
// in bounded memory.
TEST(JsonRecordStream, AFileWithNoLineEndIsOneOversizedRecordInBoundedMemory) {
  for (char fill : {'a', '\0', '{'}) {
    std::string text = fill == '{' ? "{\"a\":\"" : "";
    text += std::string(20 << 20, fill == '{' ? 'x' : fill);
    if (fill == '{') text += "\"}\n";  // one whole record, far over the limit
    const std::string path = TempFile(text);
    const size_t size = text.size() - (fill == '{' ? 1 : 0);
    std::string().swap(text);
    if (!ResetPeakRss()) GTEST_SKIP() << "cannot reset the peak RSS (/proc/self/clear_refs)";
    const uint64_t before = RssKb();
    std::vector<Seen> seen;
    Status st = ForEachRawJsonRecord(path, 1 << 20, [&](const RawJsonRecord& r) {
      seen.push_back({r.position.ToString(), std::string(r.text), r.size, r.oversized});
      return Status::Ok();
    });
    const uint64_t peak = PeakRssKb();
    std::remove(path.c_str());
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(seen, (std::vector<Seen>{{"line 1", "", size, true}})) << int(fill);
    // Nothing near the record's size is held, by the probe for values spanning lines or after.
    EXPECT_LT(peak - before, uint64_t{8} << 10) << int(fill);
  }
}

TEST(BoundedLineReader, HoldsALineUpToTheLimitAndMeasuresTheRest) {
  const std::string path =
      TempFile("ab\r\n" + std::string(5000, 'x') + "\n\n" + std::string(100, 'y'));
  std::FILE* file = std::fopen(path.c_str(), "rb");
  ASSERT_NE(file, nullptr);
  BoundedLineReader reader(file, 100);
  BoundedLineReader::Line line;
  std::vector<Seen> seen;
  for (;;) {
    auto more = reader.Next(&line);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    seen.push_back({"", std::string(line.text), line.size, line.oversized});
  }
  std::fclose(file);
  std::remove(path.c_str());
  EXPECT_EQ(seen, (std::vector<Seen>{{"", "ab\r", 3, false},
                                     {"", "", 5000, true},
                                     {"", "", 0, false},
                                     {"", std::string(100, 'y'), 100, false}}));
}

// `logins run --file /dev/zero` did not end on SIGTERM: the line in hand has no end. A reader
// told to stop ends at its next read.
TEST(BoundedLineReader, EndsOnceStoppedEvenInsideALineWithNoEnd) {
  std::FILE* zero = std::fopen("/dev/zero", "rb");
  if (!zero) GTEST_SKIP() << "no /dev/zero";
  std::atomic<bool> stop{true};
  BoundedLineReader reader(zero, 1024, &stop);
  BoundedLineReader::Line line;
  auto more = reader.Next(&line);
  std::fclose(zero);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

// Case: a UTF-8 byte-order mark before an array made `queue send` send the whole array as one
// message; before NDJSON it made the first line a reject. It is skipped, in every shape.
TEST(JsonRecordStream, ALeadingByteOrderMarkIsSkippedInEveryShape) {
  const std::string bom = "\xEF\xBB\xBF";
  for (const std::string& text :
       {std::string("[{\"a\": 1}, {\"b\": 2}]"), std::string("{\"a\": 1}\n{\"b\": 2}\n"),
        std::string("\n  [ {\"a\":1} ]"), std::string("{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n")}) {
    auto plain = Records(text);
    auto marked = Records(bom + text);
    ASSERT_TRUE(plain.ok() && marked.ok()) << text;
    EXPECT_EQ(*marked, *plain) << text;
    EXPECT_GE(plain->size(), 1u);
    std::vector<Seen> in_string;
    Status st = ForEachRawJsonRecordInString(bom + text, 1 << 20, [&](const RawJsonRecord& r) {
      in_string.push_back({r.position.ToString(), std::string(r.text), r.size, r.oversized});
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(in_string, *plain) << text;
  }
  // Only at the start: a mark inside a line is the line's.
  auto later = Records("{\"a\":1}\n" + bom + "{\"b\":2}\n");
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 2u);
  EXPECT_EQ((*later)[1].text, bom + "{\"b\":2}");
  // The array reader --file uses skips it too.
  const std::string path = TempFile(bom + "[1, 2]");
  auto reader = JsonArrayElementReader::Open(path, 100);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  JsonArrayElementReader::Element element;
  ASSERT_TRUE(*(*reader)->Next(&element));
  EXPECT_EQ(element.text, "1");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice
