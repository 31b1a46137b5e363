// Warehouse loads of input PostgreSQL cannot store as it is (bytes that are not UTF-8, NUL) and
// of input whose mapping is ambiguous (columns or keys named twice, unknown columns), against a
// real PostgreSQL: the first kind becomes per-record rejects kept in a storable form, the second
// fails with an error naming the ambiguity.
#include <gtest/gtest.h>

#include "jobs/warehouse/warehouse_load.h"
#include "support/test_env.h"

namespace sluice::warehouse {
namespace {

using namespace std::string_literals;
using sluice::testing::PgTest;
using sluice::testing::RunResult;
using sluice::testing::RunSluice;
using sluice::testing::WriteTempFile;

constexpr const char* kMovieHeader = "title,duration_mins,original_language,size_mb\n";

class WarehouseInput : public PgTest {
 protected:
  Result<LoadReport> Load(const std::string& model, const std::string& path,
                          bool allow_extra_columns = false) {
    LoadRequest request{FindModel(model), path, *ResolveFormat(path, ""), false,
                        allow_extra_columns};
    return LoadFile(&conn(), request);
  }
  // The stored record turned back into the bytes read, as docs/warehouse.md tells users to.
  std::string RawRecord(const std::string& position) {
    return Scalar(
        "SELECT encode(decode(record, 'escape'), 'hex') FROM load_rejects WHERE "
        "position = '" +
        position + "'");
  }
  static std::string Hex(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out;
  }
};

// The case invalid-utf8-record, reduced: one Latin-1 byte in one CSV record.
TEST_F(WarehouseInput, ALatin1ByteRejectsOnlyItsRecordAndKeepsItsBytes) {
  const std::string bad = "Caf\xE9 Noir,95,French,700";
  auto path = WriteTempFile(
      "movies_latin1.csv", kMovieHeader + "Good One,100,English,5\n"s + bad + "\nGood Two,1,x,1\n");
  RunResult r = RunSluice({"warehouse", "load", "--model", "movie", path}, url());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM movies"),
            "Good One,Good Two");
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects"), "1");
  EXPECT_EQ(Scalar("SELECT position || ': ' || reason FROM load_rejects"),
            "line 3: line 3, column 4, field 1 (title): byte 0xE9 is not valid UTF-8 (record "
            "stored escaped)");
  EXPECT_EQ(Scalar("SELECT record FROM load_rejects"), "Caf\\351 Noir,95,French,700");
  EXPECT_EQ(RawRecord("line 3"), Hex(bad));
}

TEST_F(WarehouseInput, BadBytesAnywhereInACsvRecordRejectItNamingTheField) {
  // A NUL in the key, a bad byte in a column the model does not load, one on the second line of
  // a quoted field, one in a record with broken quoting, and backslashes beside one.
  auto path = WriteTempFile("m.csv",
                            "title,duration_mins,original_language,size_mb,notes\n"
                            "A\0B,1,x,1,n\n"s
                            "Ok,1,x,1,caf\xE9\n"
                            "\"Two\nLin\xE9s\",1,x,1,n\n"
                            "\"Broken\xE9,1,x,1,n\n"
                            "C:\\dir\\\xFF,1,x,1,n\n"
                            "Fine,2,y,2,n\n");
  auto report = Load("movie", path, true);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->read.rejected, 5u);
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',') FROM movies"), "Fine");
  EXPECT_EQ(Scalar("SELECT string_agg(position || ': ' || reason, ' | ' ORDER BY id) "
                   "FROM load_rejects"),
            "line 2: line 2, column 2, field 1 (title): a NUL byte, which PostgreSQL text cannot "
            "hold (record stored escaped) | "
            "line 3: line 3, column 13, field 5 (notes): byte 0xE9 is not valid UTF-8 (record "
            "stored escaped) | "
            "line 4: line 5, column 4, field 1 (title): byte 0xE9 is not valid UTF-8 (record "
            "stored escaped) | "
            "line 6: line 6, column 8, field 1 (title): byte 0xE9 is not valid UTF-8 (record "
            "stored escaped) | "
            "line 7: line 7, column 8, field 1 (title): byte 0xFF is not valid UTF-8 (record "
            "stored escaped)");
  EXPECT_EQ(RawRecord("line 2"), Hex("A\0B,1,x,1,n"s));
  EXPECT_EQ(RawRecord("line 4"), Hex("\"Two\nLin\xE9s\",1,x,1,n"));
  EXPECT_EQ(Scalar("SELECT record FROM load_rejects WHERE position = 'line 7'"),
            "C:\\\\dir\\\\\\377,1,x,1,n");
  EXPECT_EQ(RawRecord("line 7"), Hex("C:\\dir\\\xFF,1,x,1,n"));
  // Reasons name places, never values.
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects WHERE reason ~ '(Two|Broken|dir|caf)'"), "0");
}

TEST_F(WarehouseInput, AHeaderThatIsNotUtf8FailsTheFileNamingWhere) {
  auto path = WriteTempFile("h.csv", "title,dur\xE9\x65,original_language,size_mb\nA,1,x,1\n");
  auto report = Load("movie", path);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find(
                "line 1, column 10 (header column 2): byte 0xE9 is not valid UTF-8"),
            std::string::npos)
      << report.status().message();
}

TEST_F(WarehouseInput, NdjsonLinesWithBadBytesOrNulAreRejectedAlone) {
  auto path = WriteTempFile("b.ndjson",
                            "{\"name\":\"One\",\"pages\":1}\n"
                            "{\"name\":\"Caf\xE9\",\"pages\":2}\n"
                            "{\"n\xE9\":\"Key\",\"name\":\"K\"}\n"
                            "{\"name\":\"Nul\0\"}\n"s
                            "{\"name\":\"Escaped\\u0000\"}\n"
                            "{\"name\":\"Half \\uDC00\"}\n"
                            "{\"name\":\"Two\",\"pages\":3}\n");
  auto report = Load("book", path);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->read.rejected, 5u);
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM books"), "One,Two");
  EXPECT_EQ(Scalar("SELECT string_agg(position || ': ' || reason, ' | ' ORDER BY id) "
                   "FROM load_rejects"),
            "line 2: line 2, column 13: byte 0xE9 is not valid UTF-8 (record stored escaped) | "
            "line 3: line 3, column 4: byte 0xE9 is not valid UTF-8 (record stored escaped) | "
            "line 4: line 4, column 13: a NUL byte, which PostgreSQL text cannot hold (record "
            "stored escaped) | "
            "line 5: title contains a NUL byte, which PostgreSQL text cannot hold | "
            "line 6: line 6, column 15: \\uDC00 is half of a UTF-16 surrogate pair, which no "
            "text can hold");
  EXPECT_EQ(RawRecord("line 2"), Hex("{\"name\":\"Caf\xE9\",\"pages\":2}"));
  EXPECT_EQ(RawRecord("line 4"), Hex("{\"name\":\"Nul\0\"}"s));
}

// Pretty-printed records (jq . output) span lines: the reject names the bad byte's own line.
TEST_F(WarehouseInput, APrettyPrintedRecordWithABadByteNamesItsLine) {
  const std::string bad = "{\n  \"name\": \"Caf\xE9\",\n  \"pages\": 1\n}";
  auto path = WriteTempFile("p.ndjson", "{\n  \"name\": \"Two\"\n}\n" + bad + "\n");
  auto report = Load("book", path);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(Scalar("SELECT title FROM books"), "Two");
  EXPECT_EQ(Scalar("SELECT position || ': ' || reason FROM load_rejects"),
            "line 4: line 5, column 15: byte 0xE9 is not valid UTF-8 (record stored escaped)");
  EXPECT_EQ(RawRecord("line 4"), Hex(bad));
}

TEST_F(WarehouseInput, AJsonArrayWithABadByteRejectsOnlyThatElement) {
  auto path = WriteTempFile("b.json",
                            "[\n {\"name\":\"One\",\"pages\":1},\n"
                            " {\"name\":\"Caf\xE9\",\"pages\":2},\n"
                            " {\"name\":\"Two\",\"pages\":3}\n]\n");
  RunResult r = RunSluice({"warehouse", "load", "-m", "book", path}, url());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM books"), "One,Two");
  EXPECT_EQ(Scalar("SELECT position || ': ' || reason FROM load_rejects"),
            "index 1: line 3, column 14: byte 0xE9 is not valid UTF-8 (record stored escaped)");
  EXPECT_EQ(RawRecord("index 1"), Hex("{\"name\":\"Caf\xE9\",\"pages\":2}"));
}

TEST_F(WarehouseInput, AJsonArrayWithALoneSurrogateRejectsOnlyThatElement) {
  auto path = WriteTempFile(
      "s.json", R"([{"name":"One"},{"name":"Half \ud800 pair"},{"name":"Pair \ud83c\udfac"}])");
  RunResult r = RunSluice({"warehouse", "load", "-m", "book", path}, url());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM books"),
            "One,Pair \xF0\x9F\x8E\xAC");
  EXPECT_EQ(Scalar("SELECT position || ': ' || reason FROM load_rejects"),
            "index 1: line 1, column 31: \\ud800 is half of a UTF-16 surrogate pair, which no "
            "text can hold");
  EXPECT_EQ(Scalar("SELECT record FROM load_rejects"), R"({"name":"Half \ud800 pair"})");
}

TEST_F(WarehouseInput, AJsonArrayThatCannotBeSplitNamesTheByteOffset) {
  auto path = WriteTempFile("b.json", "[{\"name\":\"One\"}]\n\xE9\n");
  auto report = Load("book", path);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("line 2, column 1 (byte offset 17): byte 0xE9"),
            std::string::npos)
      << report.status().message();
}

TEST_F(WarehouseInput, AFileNameThatIsNotUtf8IsStoredEscaped) {
  auto path = WriteTempFile("caf\xE9.csv", kMovieHeader + ",1,x,1\nOk,1,x,1\n"s);
  auto report = Load("movie", path);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->read.rejected, 1u);
  EXPECT_EQ(Scalar("SELECT encode(decode(source_file, 'escape'), 'hex') FROM load_rejects"),
            Hex(path));
}

TEST_F(WarehouseInput, AmbiguousCsvHeadersFailTheFileAndLoadNothing) {
  RunResult twice = RunSluice(
      {"warehouse", "load", "-m", "movie",
       WriteTempFile("t.csv", "title,duration_mins,original_language,size_mb, Title\nA,1,x,1,B\n")},
      url());
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("line 1: the header names column 'title' twice (columns 1 and 5"),
            std::string::npos)
      << twice.err;
  auto typo =
      WriteTempFile("typo.csv", "title,duration_mins,original_language,size_mb,titel\nA,1,x,1,B\n");
  RunResult unknown = RunSluice({"warehouse", "load", "-m", "movie", typo}, url());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("column 5 'titel' beside the columns of model movie"),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "0");
  RunResult allowed =
      RunSluice({"warehouse", "load", "-m", "movie", "--ignore-extra-columns", typo}, url());
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(Scalar("SELECT title FROM movies"), "A");
}

TEST_F(WarehouseInput, ReasonsNameTheFieldButNeverQuoteTheValue) {
  auto path = WriteTempFile("a.ndjson",
                            "{\"metadata\":{\"name\":\"A\",\"birth_date\":\" 1999-02-30 \"}}\n"
                            "{\"metadata\":{\"name\":\"B\",\"died_at\":\"secret@x.org\"}}\n");
  auto report = Load("author", path);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(Scalar("SELECT string_agg(reason, ' | ' ORDER BY id) FROM load_rejects"),
            "birth_date is not a valid calendar date | died_at is not a date (expected "
            "YYYY-MM-DD)");
}

TEST_F(WarehouseInput, AmbiguousJsonKeysRejectTheRecord) {
  auto path = WriteTempFile("k.ndjson",
                            "{\"name\":\"A\",\"name\":\"B\"}\n"
                            "{\"name\":\"C\",\"Name\":\"D\"}\n"
                            "{\"name\":\"E\",\"Pages\":5}\n"
                            "{\"name\":\"F\",\"pages\":6}\n");
  auto report = Load("book", path);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->read.rejected, 3u);
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',') FROM books"), "F");
  EXPECT_EQ(Scalar("SELECT string_agg(position, ',' ORDER BY id) FROM load_rejects WHERE "
                   "reason LIKE '%ambiguous%' OR reason LIKE '%letter case%'"),
            "line 1,line 2,line 3");
}

// A file with no header, or no JSON value, is a failed export rather than an empty source: it
// fails, and a --full-dump of it marks nothing deleted.
TEST_F(WarehouseInput, AnEmptyFileFailsAndMarksNothingDeleted) {
  auto full = WriteTempFile("movies_full.csv", kMovieHeader + "Heat,170,English,9\n"s);
  ASSERT_EQ(RunSluice({"warehouse", "load", "-m", "movie", "--full-dump", full}, url()).exit_code,
            0);
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{WriteTempFile("empty.csv", "")}, "the file has no header line"},
      {{WriteTempFile("blank.csv", "\n\r\n\n")}, "the file has no header line"},
      {{WriteTempFile("bom.csv", "\xEF\xBB\xBF")}, "the file has no header line"},
      {{"--format", "csv", "/dev/null"}, "/dev/null: the file has no header line"},
      {{WriteTempFile("empty.json", "")}, "the file is empty"},
      {{WriteTempFile("blank.ndjson", " \n\t\n")}, "the file is empty"},
      {{"--format", "json", "/dev/null"}, "/dev/null: the file is empty"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"warehouse", "load", "-m", "movie", "--full-dump"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = RunSluice(args, url());
    EXPECT_EQ(r.exit_code, 1) << c.args.back() << r.out;
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies WHERE deleted_in_source_at IS NULL"), "1");
}

// A dump that reads but holds no record ([] or a bare CSV header) marks every row deleted only
// when --allow-empty-dump says the source really is empty.
TEST_F(WarehouseInput, AFullDumpOfNoRecordsNeedsAllowEmptyDump) {
  ASSERT_EQ(RunSluice({"warehouse", "load", "-m", "book", "--full-dump",
                       WriteTempFile("books.json", R"([{"name":"B1"},{"name":"B2"}])")},
                      url())
                .exit_code,
            0);
  for (const std::string& path : {WriteTempFile("none.json", "[]"),
                                  WriteTempFile("none.csv", "title,pages,author,publisher\n")}) {
    RunResult r = RunSluice({"warehouse", "load", "-m", "book", "--full-dump", path}, url());
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_NE(r.err.find("holds no record"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--allow-empty-dump"), std::string::npos) << r.err;
    EXPECT_EQ(Scalar("SELECT count(*) FROM books WHERE deleted_in_source_at IS NULL"), "2");
  }
  // Without --full-dump nothing is marked, so an empty array is simply nothing to load.
  EXPECT_EQ(RunSluice({"warehouse", "load", "-m", "book", WriteTempFile("n.json", "[]")}, url())
                .exit_code,
            0);
  RunResult allowed = RunSluice({"warehouse", "load", "-m", "book", "--full-dump",
                                 "--allow-empty-dump", WriteTempFile("none2.json", "[]")},
                                url());
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_NE(allowed.out.find("2 marked deleted in source"), std::string::npos) << allowed.out;
  EXPECT_EQ(Scalar("SELECT count(*) FROM books WHERE deleted_in_source_at IS NULL"), "0");
}

// A full dump with a rejected record is not known to be complete: the keys it lacks may be in
// the records that could not be read, so it marks nothing deleted (and says so), while its good
// rows and its reject still load. The next clean dump marks them.
TEST_F(WarehouseInput, AFullDumpWithRejectsMarksNothingDeleted) {
  ASSERT_EQ(RunSluice({"warehouse", "load", "-m", "movie", "--full-dump",
                       WriteTempFile("m1.csv", kMovieHeader + "A,1,English,1\nB,2,English,2\n"s)},
                      url())
                .exit_code,
            0);
  RunResult partial =
      RunSluice({"warehouse", "load", "-m", "movie", "--full-dump",
                 WriteTempFile("m2.csv", kMovieHeader + "A,1,English,1\nC,x,English,3\n"s)},
                url());
  EXPECT_EQ(partial.exit_code, 3) << partial.err;
  EXPECT_NE(partial.out.find("no deletions marked"), std::string::npos) << partial.out;
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies WHERE deleted_in_source_at IS NOT NULL"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects WHERE model = 'movie'"), "1");

  RunResult clean = RunSluice({"warehouse", "load", "-m", "movie", "--full-dump",
                               WriteTempFile("m3.csv", kMovieHeader + "A,1,English,1\n"s)},
                              url());
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("1 marked deleted in source"), std::string::npos) << clean.out;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM movies WHERE "
                   "deleted_in_source_at IS NOT NULL"),
            "B");
}

// A UTF-8 byte-order mark before a JSON array or the first NDJSON line is skipped, as in CSV.
TEST_F(WarehouseInput, AByteOrderMarkBeforeJsonIsSkipped) {
  const std::string bom = "\xEF\xBB\xBF";
  RunResult array = RunSluice(
      {"warehouse", "load", "-m", "book",
       WriteTempFile("bom3.json", bom + R"([{"name":"B1"},{"name":"B2"},{"name":"B3"}])")},
      url());
  EXPECT_EQ(array.exit_code, 0) << array.out << array.err;
  EXPECT_NE(array.out.find("3 records, 3 inserted"), std::string::npos) << array.out;
  RunResult lines =
      RunSluice({"warehouse", "load", "-m", "book",
                 WriteTempFile("bom.ndjson", bom + "{\"name\":\"N1\"}\n{\"name\":\"N2\"}\n")},
                url());
  EXPECT_EQ(lines.exit_code, 0) << lines.out << lines.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM books"), "B1,B2,B3,N1,N2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects"), "0");
}

// Valid JSON nested deeper than simdjson's default 1024 levels, in a key the model does not read,
// loads; an element nested beyond Sluice's limit is rejected alone, naming the limit, and the
// rest of its array loads.
TEST_F(WarehouseInput, DeepNestingLoadsAndAnElementBeyondTheLimitIsRejectedAlone) {
  const auto nested = [](size_t levels) {
    return std::string(levels, '[') + "1" + std::string(levels, ']');
  };
  auto path = WriteTempFile("books_deep.json",
                            R"([{"name":"Deep","pages":1,"tree":)" + nested(3000) + "},\n" +
                                R"({"name":"Too deep","pages":2,"tree":)" + nested(10000) + "},\n" +
                                R"({"name":"After","pages":3}])");
  RunResult r = RunSluice({"warehouse", "load", "--model", "book", path}, url());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM books"), "After,Deep");
  EXPECT_EQ(Scalar("SELECT position || ': ' || reason FROM load_rejects"),
            "index 1: invalid JSON: arrays and objects nest deeper than 10000 levels, the most "
            "Sluice reads (RFC 8259 section 9 lets a parser set such a limit)");
}

}  // namespace
}  // namespace sluice::warehouse
