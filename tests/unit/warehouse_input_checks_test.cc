// The warehouse's checks on input it must not guess about: CSV headers and JSON keys that make
// the mapping ambiguous, and JSON arrays with bytes PostgreSQL text cannot store.
#include <gtest/gtest.h>

#include <string>

#include "formats/csv_reader.h"
#include "formats/json_parse.h"
#include "jobs/warehouse/csv_header.h"
#include "jobs/warehouse/json_checks.h"

namespace sluice::warehouse {
namespace {

using namespace std::string_literals;

Result<CsvHeaderMap> Map(const std::string& model, std::string header, bool extra = false) {
  auto reader = CsvReader::FromString(std::move(header), {});
  CsvRecord record;
  EXPECT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  return MapCsvHeader(*FindModel(model), record, extra);
}

TEST(CsvHeader, MapsColumnsByNameInAnyOrderAndCase) {
  auto map = Map("user", "EMAIL , last_name,First_Name\n");
  ASSERT_TRUE(map.ok()) << map.status().message();
  EXPECT_EQ(map->source_index, (std::vector<size_t>{0, 2, 1}));
}

TEST(CsvHeader, AColumnNamedTwiceInAnyCaseIsAmbiguous) {
  auto map = Map("movie", "title,duration_mins,Title,original_language,size_mb\n");
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.status().message(),
            "line 1: the header names column 'title' twice (columns 1 and 3, written 'title' and "
            "'Title'): which one to load is ambiguous");
  // Even a column the model does not load, and even with extra columns allowed.
  EXPECT_FALSE(Map("user", "email,first_name,last_name,note, NOTE\n", true).ok());
}

TEST(CsvHeader, AnUnknownColumnBesideKnownOnesFailsUnlessAllowed) {
  auto map = Map("movie", "title,duration_mins,original_language,size_mb,titel\n");
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.status().message().find("line 1: the header has column 5 'titel' beside the "
                                        "columns of model movie (title, duration_mins, "
                                        "original_language, size_mb)"),
            std::string::npos)
      << map.status().message();
  EXPECT_NE(map.status().message().find("--ignore-extra-columns"), std::string::npos);
  EXPECT_TRUE(Map("movie", "title,duration_mins,original_language,size_mb,titel\n", true).ok());
  // The issue's own example lacks optional columns too: they are named beside the unknown ones.
  auto missing = Map("movie", "title,genre,titel\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(
                "line 1: the header has column 2 'genre', column 3 'titel' beside the columns of "
                "model movie"),
            std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find(
                "(the file has no column 'duration_mins', 'original_language', 'size_mb')"),
            std::string::npos)
      << missing.status().message();
}

// A file written before a field was added to the model still loads: a missing optional column
// is NULL. A key column, or any column of a content-hash model (its key), is still required.
TEST(CsvHeader, AMissingOptionalColumnIsAbsentAndAMissingKeyColumnFails) {
  auto older = Map("movie", "size_mb,Title\n");
  ASSERT_TRUE(older.ok()) << older.status().message();
  EXPECT_EQ(older->absent, (std::vector<std::string>{"duration_mins", "original_language"}));
  EXPECT_EQ(older->source_index,
            (std::vector<size_t>{1, CsvHeaderMap::kAbsent, CsvHeaderMap::kAbsent, 0}));
  auto no_key = Map("movie", "duration_mins,original_language,size_mb\n");
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().message(),
            "line 1: the header has no column 'title', part of model movie's key (found: "
            "duration_mins, original_language, size_mb)");
  auto hashed = Map("stream", "movie_title\n");
  ASSERT_FALSE(hashed.ok());
  EXPECT_NE(hashed.status().message().find("part of model stream's key"), std::string::npos)
      << hashed.status().message();
}

TEST(CsvHeader, AHeaderThatIsNotUtf8NamesWhere) {
  auto map = Map("user", "email,f\xE9rst_name,last_name\n");
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.status().message(),
            "line 1, column 8 (header column 2): byte 0xE9 is not valid UTF-8; a header must be "
            "UTF-8 text");
}

std::optional<std::string> Ambiguity(const std::string& model, const std::string& json) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  EXPECT_FALSE(doc.error()) << json;
  return FindAmbiguousKeys(*FindModel(model), doc.value());
}

TEST(JsonKeys, RepeatedAndCaseVariantKeysAreAmbiguous) {
  EXPECT_FALSE(Ambiguity("book", R"({"name":"A","pages":1,"extra":{"Name":2}})"));
  EXPECT_EQ(Ambiguity("book", R"({"name":"A","pages":1,"name":"B"})"),
            "key 'name' appears twice in one object (keys 1 and 3): which value to load is "
            "ambiguous");
  EXPECT_EQ(Ambiguity("book", R"({"name":"A","Name":"B"})"),
            "keys 'name' and 'Name' of one object (keys 1 and 2) differ only in letter case: "
            "which one is the model's 'name' is ambiguous");
  EXPECT_EQ(Ambiguity("book", R"({"name":"A","Pages":7})"),
            "key 'Pages' is the model's 'pages' in another letter case; JSON keys are matched "
            "exactly, so it would load as missing");
  // Keys the model does not read are not quoted: they may be data.
  EXPECT_EQ(Ambiguity("book", R"({"name":"A","tags":{"a@x":1,"a@x":2}})"),
            "an object repeats a key (its keys 1 and 2)");
  // Nested, and inside arrays, where the custom extractors read.
  EXPECT_TRUE(Ambiguity("author", R"({"metadata":{"name":"A","NAME":"B"}})"));
  EXPECT_TRUE(Ambiguity("review", R"({"movies":[{"title":"A"},{"Title":"B"}]})"));
  EXPECT_FALSE(Ambiguity("review", R"({"movies":[{"title":"A"},{"title":"B"}]})"));
}

TEST(JsonArrays, ElementsWithBadBytesAreCutOutAsNull) {
  const std::string text =
      "[{\"name\":\"A\",\"s\":\"a,]}\\\"[\"},\n {\"name\":\"Caf\xE9\"} ,\n"
      " [1,{\"x\":\"\\\\\"}],\"\0\"]"s;
  auto isolated = IsolateUnstorableElements(text);
  ASSERT_TRUE(isolated.ok()) << isolated.status().message();
  EXPECT_EQ(isolated->text,
            "[{\"name\":\"A\",\"s\":\"a,]}\\\"[\"},\n null ,\n"
            " [1,{\"x\":\"\\\\\"}],null]");
  ASSERT_EQ(isolated->elements.size(), 2u);
  EXPECT_EQ(isolated->elements[0].index, 1u);
  EXPECT_EQ(isolated->elements[0].raw, "{\"name\":\"Caf\xE9\"}");
  EXPECT_EQ(isolated->elements[0].reason,
            "line 2, column 14: byte 0xE9 is not valid UTF-8 (record stored escaped)");
  EXPECT_EQ(isolated->elements[1].index, 3u);
  EXPECT_EQ(isolated->elements[1].reason,
            "line 3, column 18: a NUL byte, which PostgreSQL text cannot hold (record stored "
            "escaped)");
}

// RFC 8259 lets a \u escape name half a surrogate pair; simdjson refuses the whole array.
TEST(JsonArrays, ElementsWithALoneSurrogateEscapeAreCutOutToo) {
  auto isolated = IsolateUnstorableElements(
      R"([{"a":"\ud83c\udfac"},{"a":"\ud800"},{"a":"\\ud800"},{"a":"x\uDC00y"}])");
  ASSERT_TRUE(isolated.ok()) << isolated.status().message();
  EXPECT_EQ(isolated->text, R"([{"a":"\ud83c\udfac"},null,{"a":"\\ud800"},null])");
  ASSERT_EQ(isolated->elements.size(), 2u);
  EXPECT_EQ(isolated->elements[0].index, 1u);
  EXPECT_EQ(isolated->elements[0].reason,
            "line 1, column 29: \\ud800 is half of a UTF-16 surrogate pair, which no text can "
            "hold");
  EXPECT_EQ(isolated->elements[1].index, 3u);
  EXPECT_FALSE(IsolateUnstorableElements(R"([{"a":"\ud83c\udfac"}])")->elements.size());
}

TEST(JsonArrays, ABadByteOutsideEveryElementNamesItsOffset) {
  auto after = IsolateUnstorableElements("[1,2]\n\xE9");
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.status().message().find("line 2, column 1 (byte offset 6): byte 0xE9"),
            std::string::npos)
      << after.status().message();
  EXPECT_FALSE(IsolateUnstorableElements("[{\"a\":\"\xE9\"").ok());  // never closed
  auto clean = IsolateUnstorableElements("[1]");
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->elements.empty());
}

// The key check walks records as deep as the parser reads them without growing the thread's
// stack, and still finds a repeated key at the bottom.
TEST(JsonKeys, ADeepRecordIsWalkedWholeOnItsOwnStack) {
  std::string open, close;
  for (size_t i = 0; i < kMaxJsonDepth - 2; ++i) {
    open += i % 2 == 0 ? "{\"a\":" : "[";
    close.insert(0, i % 2 == 0 ? "}" : "]");
  }
  JsonParser parser;
  simdjson::dom::element root;
  const std::string clean = R"({"name":"A","x":)" + open + R"({"k":1,"K":2})" + close + "}";
  ASSERT_EQ(parser.Parse(clean, &root), simdjson::SUCCESS);
  EXPECT_FALSE(FindAmbiguousKeys(*FindModel("book"), root));
  const std::string repeated = R"({"name":"A","x":)" + open + R"({"k":1,"k":2})" + close + "}";
  ASSERT_EQ(parser.Parse(repeated, &root), simdjson::SUCCESS);
  EXPECT_EQ(FindAmbiguousKeys(*FindModel("book"), root),
            "an object repeats a key (its keys 1 and 2)");
}

}  // namespace
}  // namespace sluice::warehouse
