// The file source reads a file as `queue send` does: a JSON array's elements, or NDJSON lines.
#include "connectors/file/ndjson_source.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "core/text_check.h"
#include "formats/json_record_stream.h"

namespace sluice {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/ndjson_source_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<InboundMessage> ReadAll(NdjsonFileSource& source) {
  std::vector<InboundMessage> all;
  while (!source.Finished()) {
    for (auto& m : source.NextBatch(2, {}))
      all.push_back(std::move(m));
  }
  return all;
}

// Case: `logins run --file` on a JSON array (which `queue send` accepts) made every line a
// reject. An array file is read as its elements.
TEST(NdjsonFileSource, AJsonArrayIsReadAsItsElements) {
  const std::string path = Write("array.json",
                                 "  [\n  {\"user_id\": \"a 1\",\n   \"n\": 1e400},\n"
                                 "  [1, 2],\n  {\"user_id\":\"a3\"}\n]\n");
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_NE((*source)->CheckpointName().find("#array"), std::string::npos);
  auto all = ReadAll(**source);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].body, R"({"user_id":"a 1","n":1e400})");
  EXPECT_EQ(all[1].body, "[1,2]");
  EXPECT_EQ(all[2].body, R"({"user_id":"a3"})");
  EXPECT_EQ(all[2].sequence, 3u);
  EXPECT_TRUE(all[2].id.ends_with(".json:[2]")) << all[2].id;
  EXPECT_TRUE((*source)->Close().ok());

  // A resumed run starts after the committed checkpoint, counted in elements.
  auto again = NdjsonFileSource::Open(path);
  ASSERT_TRUE(again.ok());
  (*again)->SkipThrough(2);
  auto rest = ReadAll(**again);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].sequence, 3u);
  std::remove(path.c_str());
}

TEST(NdjsonFileSource, ABrokenArrayFailsUpFrontNamingWhere) {
  for (const char* text : {"[{\"user_id\": \"a\"},\n{\"user_id\": \"b\"", "[{\"a\":1},,{}]",
                           "[{\"a\":1}] {\"b\":2}\n", "[{\"a\": \"unterminated}]"}) {
    const std::string path = Write("broken.json", text);
    auto source = NdjsonFileSource::Open(path);
    ASSERT_FALSE(source.ok()) << text;
    EXPECT_NE(source.status().message().find(path + ": "), std::string::npos);
    EXPECT_NE(source.status().message().find("byte offset"), std::string::npos)
        << source.status().message();
    EXPECT_NE(source.status().message().find("read as one JSON array"), std::string::npos);
    std::remove(path.c_str());
  }
}

TEST(NdjsonFileSource, NdjsonIsStillOneMessagePerLine) {
  const std::string path = Write("lines.ndjson", "{\"user_id\":\"a\"}\n\nnot json\r\n{\"x\":[1]}");
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->CheckpointName().find("#array"), std::string::npos);
  auto all = ReadAll(**source);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].body, "not json");
  EXPECT_EQ(all[1].sequence, 3u);
  EXPECT_TRUE(all[2].id.ends_with(".ndjson:4")) << all[2].id;
  std::remove(path.c_str());
}

// Pretty-printed objects (`jq .` output) are read one value per message, not one line each.
TEST(NdjsonFileSource, ValuesSpanningLinesAreOneMessageEach) {
  const std::string path = Write("pretty.json",
                                 "{\n  \"user_id\": \"a\",\n  \"tags\": [\n    \"}\"\n  ]\n}\n"
                                 "\n"
                                 "{\n  \"user_id\": \"b\"\n}\n"
                                 "{\"user_id\": \"c\"}\n"
                                 "{\n  \"user_id\": \"d\"\n");  // ends inside a value
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto all = ReadAll(**source);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].body, "{\n  \"user_id\": \"a\",\n  \"tags\": [\n    \"}\"\n  ]\n}");
  EXPECT_TRUE(all[0].id.ends_with(".json:1")) << all[0].id;
  EXPECT_EQ(all[0].sequence, 6u);
  EXPECT_EQ(all[1].body, "{\n  \"user_id\": \"b\"\n}");
  EXPECT_TRUE(all[1].id.ends_with(".json:8")) << all[1].id;
  EXPECT_EQ(all[2].body, "{\"user_id\": \"c\"}");
  EXPECT_EQ(all[2].sequence, 11u);
  EXPECT_EQ(all[3].body, "{\n  \"user_id\": \"d\"");  // its consumer rejects it, visibly

  // Resuming after a committed value's last line goes on with the next value.
  auto again = NdjsonFileSource::Open(path);
  ASSERT_TRUE(again.ok());
  (*again)->SkipThrough(10);
  auto rest = ReadAll(**again);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].body, "{\"user_id\": \"c\"}");
  std::remove(path.c_str());
}

// NDJSON whose first line is broken stays NDJSON: one bad line never swallows the next ones.
TEST(NdjsonFileSource, ABrokenFirstLineDoesNotMakeValuesSpanLines) {
  const std::string path = Write("broken-first.ndjson",
                                 "{\"user_id\": \"a\", \"x\": [1,\n"
                                 "{\"user_id\": \"b\"}\n{\"user_id\": \"c\"}\n");
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto all = ReadAll(**source);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].body, "{\"user_id\": \"b\"}");
  std::remove(path.c_str());
}

TEST(NdjsonFileSource, AnEmptyFileHasNoMessages) {
  for (const char* text : {"", "\n \n", "[]", " [ ]\n"}) {
    const std::string path = Write("empty.json", text);
    auto source = NdjsonFileSource::Open(path);
    ASSERT_TRUE(source.ok()) << source.status().message();
    EXPECT_TRUE(ReadAll(**source).empty()) << text;
    std::remove(path.c_str());
  }
}

TEST(NdjsonFileSource, AMissingFileSaysWhy) {
  auto source = NdjsonFileSource::Open(::testing::TempDir() + "/no-such-file.ndjson");
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("No such file"), std::string::npos)
      << source.status().message();
}

// Case: `queue send` and `logins run --file` read one file alike, so a file sent to a queue
// gives the messages --file would read: the same bodies, at the same lines or indexes.
TEST(NdjsonFileSource, QueueSendReadsTheSameMessages) {
  const std::string files[] = {
      // jq . output, CRLF and blank lines included
      "{\r\n  \"user_id\": \"a\",\r\n  \"tags\": [\r\n    \"}\"\r\n  ]\r\n}\r\n\r\n"
      "{\n  \"user_id\": \"b\"\n}\n{\"user_id\": \"c\"}\n{\n  \"user_id\": \"d\"\n",
      // an array, pretty-printed
      "[\n  {\n    \"user_id\": \"a b\",\n    \"n\": 1e400\n  },\n  [1, 2],\n  \"s\"\n]\n",
      // NDJSON with blank lines and a line that is not JSON
      "{\"user_id\": \"a\"}\n\n   \nnot json\n{\"user_id\": \"b\"}  \n",
      // a broken first line: NDJSON still
      "{\"user_id\": \"a\", \"x\": [1,\n{\"user_id\": \"b\"}\n",
  };
  int n = 0;
  for (const std::string& text : files) {
    const std::string path = Write("same-" + std::to_string(n++), text);
    auto source = NdjsonFileSource::Open(path);
    ASSERT_TRUE(source.ok()) << source.status().message();
    std::vector<std::string> from_file;
    for (const auto& m : ReadAll(**source)) {
      from_file.push_back(m.id.substr(m.id.rfind(':') + 1) + " " + m.body);
    }
    std::vector<std::string> sent;
    ASSERT_TRUE(ForEachRawJsonRecord(path, 1 << 20, [&](const RawJsonRecord& r) {
                  const std::string at = r.position.is_array_index
                                             ? "[" + std::to_string(r.position.number) + "]"
                                             : std::to_string(r.position.number);
                  sent.push_back(at + " " + std::string(r.text));
                  return Status::Ok();
                }).ok());
    EXPECT_FALSE(sent.empty());
    EXPECT_EQ(sent, from_file) << text;
    std::remove(path.c_str());
  }
}

// Case: `logins run --file` held a 200 MB line whole (629 MB peak). A line over the limit is
// measured, never held, and handed on as a message with no body and the reason naming its size;
// the next line is read as usual.
TEST(NdjsonFileSource, ALineOverTheLimitIsAnUnreadMessageAndTheRestAreRead) {
  const size_t over = NdjsonFileSource::kMaxMessageBytes + 1;
  const std::string path = Write("long_line.ndjson", "{\"a\":1}\n" + std::string(over, 'x') +
                                                         "\n{\"b\":2}\n" + std::string(over, 'y'));
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto all = ReadAll(**source);
  std::remove(path.c_str());
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].body, "{\"a\":1}");
  EXPECT_TRUE(all[0].unread_reason.empty());
  for (size_t i : {1, 3}) {
    EXPECT_TRUE(all[i].body.empty());
    EXPECT_EQ(all[i].unread_reason,
              fmt::format("{} bytes, over the {} bytes a --file message may have; not read", over,
                          NdjsonFileSource::kMaxMessageBytes));
    EXPECT_EQ(all[i].sequence, i + 1);
  }
  EXPECT_EQ(all[2].body, "{\"b\":2}");
  EXPECT_NE(all[3].id.find(":4"), std::string::npos) << all[3].id;
}

// A value spanning lines that grows past the limit is one unread message, named by its first
// line, and the next value is found.
TEST(NdjsonFileSource, AValueSpanningLinesOverTheLimitIsOneUnreadMessage) {
  std::string text = "{\n  \"a\": 1\n}\n[\n";
  const std::string piece(1 << 20, 'z');
  for (size_t i = 0; i <= NdjsonFileSource::kMaxMessageBytes / piece.size(); ++i)
    text += "\"" + piece + "\",\n";
  text += "1\n]\n{\n  \"b\": 2\n}\n";
  const std::string path = Write("long_value.json", text);
  std::string().swap(text);
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto all = ReadAll(**source);
  std::remove(path.c_str());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].body, "{\n  \"a\": 1\n}");
  EXPECT_TRUE(all[1].body.empty());
  EXPECT_NE(all[1].unread_reason.find("over the 67108864 bytes"), std::string::npos);
  EXPECT_EQ(all[1].id.substr(all[1].id.rfind(':')), ":4");
  EXPECT_EQ(all[2].body, "{\n  \"b\": 2\n}");
}

// Case: a UTF-8 byte-order mark made a JSON array one reject and the first NDJSON line a reject.
TEST(NdjsonFileSource, ALeadingByteOrderMarkIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string array = Write("bom.json", bom + "[{\"a\":1},\n {\"b\":2}]");
  auto source = NdjsonFileSource::Open(array);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_NE((*source)->CheckpointName().find("#array"), std::string::npos);
  auto elements = ReadAll(**source);
  ASSERT_EQ(elements.size(), 2u);
  EXPECT_EQ(elements[0].body, "{\"a\":1}");
  const std::string lines = Write("bom.ndjson", bom + "{\"a\":1}\n{\"b\":2}\n");
  source = NdjsonFileSource::Open(lines);
  ASSERT_TRUE(source.ok());
  auto all = ReadAll(**source);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].body, "{\"a\":1}");
  EXPECT_EQ(all[0].sequence, 1u);
  const std::string pretty = Write("bom_pretty.json", bom + "{\n  \"a\": 1\n}\n");
  source = NdjsonFileSource::Open(pretty);
  ASSERT_TRUE(source.ok());
  all = ReadAll(**source);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].body, "{\n  \"a\": 1\n}");
  for (const auto& p : {array, lines, pretty})
    std::remove(p.c_str());
}

// Case: a path that is not UTF-8 failed the whole run ("invalid byte sequence for encoding
// UTF8") when the checkpoint was read. Ids and the checkpoint name carry it escaped, the same
// way each time.
TEST(NdjsonFileSource, APathThatIsNotUtf8IsEscapedTheSameWayEachTime) {
  const std::string dir = ::testing::TempDir() + "/ndjson_source_bad\xE9name";
  ::mkdir(dir.c_str(), 0700);
  const std::string path = dir + "/ev.ndjson";
  std::ofstream(path, std::ios::binary) << "{\"a\":1}\n";
  auto source = NdjsonFileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status().message();
  const std::string name = (*source)->CheckpointName();
  EXPECT_NE(name.find("bad\\351name/ev.ndjson#inode="), std::string::npos) << name;
  EXPECT_FALSE(FindUnstorableByte(name));
  auto all = ReadAll(**source);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(FindUnstorableByte(all[0].id));
  EXPECT_NE(all[0].id.find("bad\\351name/ev.ndjson:1"), std::string::npos) << all[0].id;
  auto again = NdjsonFileSource::Open(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->CheckpointName(), name);
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace sluice
