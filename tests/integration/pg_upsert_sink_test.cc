// The upsert-with-history behaviour of warehouse loads, against a real PostgreSQL.
#include <gtest/gtest.h>

#include "jobs/warehouse/warehouse_load.h"
#include "support/test_env.h"

namespace sluice::warehouse {
namespace {

using sluice::testing::PgTest;
using sluice::testing::WriteTempFile;

class UpsertTest : public PgTest {
 protected:
  LoadReport Load(const std::string& model, const std::string& path, bool full_dump = false) {
    LoadRequest request{FindModel(model), path, *ResolveFormat(path, ""), full_dump};
    auto report = LoadFile(&conn(), request);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : LoadReport{};
  }
};

TEST_F(UpsertTest, FirstLoadGoesStraightInAndRebuildsTheKey) {
  auto path = WriteTempFile("movies.csv",
                            "title,duration_mins,original_language,size_mb\n"
                            "Heat,170,English,900\n\"Good, Bad\",161,Italian,800\n");
  LoadReport r = Load("movie", path);
  EXPECT_TRUE(r.merge.direct_load);
  EXPECT_EQ(r.merge.inserted, 2u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "2");
  EXPECT_EQ(Scalar("SELECT duration_mins FROM movies WHERE title = 'Good, Bad'"), "161");
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'movies'::regclass "
                   "AND contype = 'p'"),
            "1");
}

TEST_F(UpsertTest, IdenticalReloadRewritesNothing) {
  auto path = WriteTempFile("users.csv", "first_name,last_name,email\nA,B,a@x\nC,D,c@x\n");
  Load("user", path);
  std::string before = Scalar(
      "SELECT string_agg(xmin::text || ctid::text, ',' ORDER BY email) "
      "FROM users");
  LoadReport r = Load("user", path);
  EXPECT_FALSE(r.merge.direct_load);
  EXPECT_EQ(r.merge.inserted, 0u);
  EXPECT_EQ(r.merge.updated, 0u);
  EXPECT_EQ(r.merge.unchanged, 2u);
  // The same transaction id and tuple position: the rows were not rewritten.
  EXPECT_EQ(Scalar("SELECT string_agg(xmin::text || ctid::text, ',' ORDER BY email) FROM users"),
            before);
}

TEST_F(UpsertTest, ChangedRecordIsUpdatedInPlaceKeepingFirstSeen) {
  Load("user", WriteTempFile("u1.csv", "first_name,last_name,email\nA,B,a@x\nC,D,c@x\n"));
  ASSERT_TRUE(conn()
                  .Exec("UPDATE users SET first_seen_at = '2020-01-01', updated_at = "
                        "'2020-01-01'",
                        "backdate")
                  .ok());
  LoadReport r =
      Load("user", WriteTempFile("u2.csv", "first_name,last_name,email\nAnn,B,a@x\nC,D,c@x\n"));
  EXPECT_EQ(r.merge.updated, 1u);
  EXPECT_EQ(r.merge.unchanged, 1u);
  EXPECT_EQ(Scalar("SELECT first_name FROM users WHERE email = 'a@x'"), "Ann");
  EXPECT_EQ(Scalar("SELECT count(*) FROM users WHERE first_seen_at = '2020-01-01'"), "2");
  EXPECT_EQ(Scalar("SELECT count(*) FROM users WHERE updated_at > '2020-01-01'"), "1");
}

TEST_F(UpsertTest, RepeatedKeysKeepTheLastRowOnBothPaths) {
  auto dupes = WriteTempFile("dupes.csv",
                             "first_name,last_name,email\nOld,X,a@x\nNew,X,a@x\n"
                             "Z,Z,z@x\n");
  LoadReport first = Load("user", dupes);
  EXPECT_TRUE(first.merge.direct_load);
  EXPECT_EQ(first.merge.duplicates, 1u);
  EXPECT_EQ(Scalar("SELECT first_name FROM users WHERE email = 'a@x'"), "New");
  auto again = WriteTempFile("again.csv", "first_name,last_name,email\nOne,X,b@x\nTwo,X,b@x\n");
  LoadReport second = Load("user", again);
  EXPECT_FALSE(second.merge.direct_load);
  EXPECT_EQ(second.merge.duplicates, 1u);
  EXPECT_EQ(Scalar("SELECT first_name FROM users WHERE email = 'b@x'"), "Two");
  EXPECT_EQ(Scalar("SELECT count(*) FROM users"), "3");
}

// The merge skips rows identical to the table's; a repeated key must still end with its last
// row when that last row is the unchanged one.
TEST_F(UpsertTest, TheLastRowOfARepeatedKeyWinsEvenWhenItIsUnchanged) {
  Load("user", WriteTempFile("u.csv", "first_name,last_name,email\nA,B,a@x\n"));
  LoadReport r = Load("user", WriteTempFile("u2.csv",
                                            "first_name,last_name,email\n"
                                            "Changed,B,a@x\nA,B,a@x\n"));
  EXPECT_FALSE(r.merge.direct_load);
  EXPECT_EQ(r.merge.duplicates, 1u);
  EXPECT_EQ(r.merge.updated, 0u);
  EXPECT_EQ(r.merge.unchanged, 1u);
  EXPECT_EQ(Scalar("SELECT first_name FROM users"), "A");
}

// A table emptied by DELETE still has pages that COPY could refill out of file order, so it
// goes through the staging table, where the last row still wins.
TEST_F(UpsertTest, AnEmptiedTableKeepsTheLastRowOfARepeatedKey) {
  Load("user", WriteTempFile("u.csv", "first_name,last_name,email\nA,B,a@x\n"));
  ASSERT_TRUE(conn().Exec("DELETE FROM users", "emptying").ok());
  LoadReport r = Load("user", WriteTempFile("u2.csv",
                                            "first_name,last_name,email\n"
                                            "First,B,b@x\nLast,B,b@x\n"));
  EXPECT_FALSE(r.merge.direct_load);
  EXPECT_EQ(r.merge.duplicates, 1u);
  EXPECT_EQ(Scalar("SELECT string_agg(first_name, ',') FROM users"), "Last");
}

TEST_F(UpsertTest, FullDumpMarksMissingRecordsAndUnmarksReturningOnes) {
  auto both = WriteTempFile("b.json", R"([{"name":"B1","pages":1},{"name":"B2","pages":2}])");
  auto one = WriteTempFile("b1.json", R"([{"name":"B1","pages":1}])");
  Load("book", both, true);
  LoadReport r = Load("book", one, true);
  EXPECT_EQ(r.merge.marked_deleted, 1u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM books"), "2");  // nothing is ever deleted
  EXPECT_EQ(Scalar("SELECT title FROM books WHERE deleted_in_source_at IS NOT NULL"), "B2");
  std::string updated = Scalar("SELECT updated_at FROM books WHERE title = 'B2'");
  r = Load("book", both, true);
  EXPECT_EQ(r.merge.marked_deleted, 0u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM books WHERE deleted_in_source_at IS NOT NULL"), "0");
  // Coming back is not a change of content.
  EXPECT_EQ(Scalar("SELECT updated_at FROM books WHERE title = 'B2'"), updated);
}

TEST_F(UpsertTest, ContentHashKeyMakesStreamLoadsIdempotent) {
  auto path = WriteTempFile("s.csv",
                            "movie_title,user_email,size_mb,start_at,end_at\n"
                            "Heat,a@x,1.5,2021-12-06T19:30:19.099+0100,2021-12-06T21:00:00+0100\n"
                            "Heat,a@x,1.50,2021-12-06T18:30:19.099Z,2021-12-06T20:00:00Z\n"
                            "Heat,b@x,2,2021-12-06T19:30:19.099+0100,2021-12-06T21:00:00+0100\n");
  LoadReport r = Load("stream", path);
  // Rows 1 and 2 are the same instant and size written differently: the same record.
  EXPECT_EQ(r.merge.duplicates, 1u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM streams"), "2");
  EXPECT_EQ(Scalar("SELECT to_char(start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') "
                   "FROM streams LIMIT 1"),
            "2021-12-06 18:30:19.099");
  r = Load("stream", path);
  EXPECT_EQ(r.merge.inserted, 0u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM streams"), "2");
}

TEST_F(UpsertTest, RejectsAreKeptWithFilePositionAndReasonWhileTheRestLoads) {
  auto path = WriteTempFile("m.csv",
                            "title,duration_mins,original_language,size_mb\n"
                            "Ok,100,English,5\n"
                            ",90,English,5\n"
                            "Bad,ninety,English,5\n"
                            "Short,1\n"
                            "\"Broken\"x,1,English,5\n"
                            "Fine,120,French,7\n");
  LoadReport r = Load("movie", path);
  EXPECT_EQ(r.read.records, 6u);
  EXPECT_EQ(r.read.rejected, 4u);
  EXPECT_EQ(Scalar("SELECT string_agg(title, ',' ORDER BY title) FROM movies"), "Fine,Ok");
  EXPECT_EQ(Scalar("SELECT string_agg(position || ': ' || reason, ' | ' ORDER BY id) "
                   "FROM load_rejects"),
            "line 3: title is missing; it is the key of movies | "
            "line 4: duration_mins is not an integer (32-bit) | "
            "line 5: expected 4 fields, found 2 | "
            "line 6: field 1 has text after its closing quote (a quote inside a quoted field "
            "is written twice: \"\")");
  EXPECT_EQ(Scalar("SELECT record FROM load_rejects WHERE position = 'line 4'"),
            "Bad,ninety,English,5");
  EXPECT_EQ(Scalar("SELECT DISTINCT source_file FROM load_rejects"), path);
}

TEST_F(UpsertTest, ManyRejectsAreAllKept) {
  // More rejects than one in-memory batch holds, so they go through the spool file.
  std::string text = "title,duration_mins,original_language,size_mb\n";
  for (int i = 0; i < 10000; ++i) {
    text += "M" + std::to_string(i) + (i % 3 == 0 ? ",90,English,1\n" : ",long,English,1\n");
  }
  LoadReport r = Load("movie", WriteTempFile("many.csv", text));
  EXPECT_EQ(r.read.rejected, 6666u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies"), "3334");
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects WHERE reason LIKE 'duration_mins is not %'"),
            "6666");
  EXPECT_EQ(Scalar("SELECT record FROM load_rejects WHERE position = 'line 10000'"),
            "M9998,long,English,1");
}

TEST_F(UpsertTest, JsonRejectsNameTheArrayIndex) {
  auto path = WriteTempFile("a.json", R"([{"metadata":{"name":"A","birth_date":"1950-01-01"}},
      {"metadata":{"name":null}}, 7,
      {"metadata":{"name":"C","birth_date":"soon"}}])");
  LoadReport r = Load("author", path);
  EXPECT_EQ(r.read.rejected, 3u);
  EXPECT_EQ(Scalar("SELECT string_agg(position || ': ' || reason, ' | ' ORDER BY id) "
                   "FROM load_rejects"),
            "index 1: name is missing; it is the key of authors | "
            "index 2: expected a JSON object | "
            "index 3: birth_date is not a date (expected YYYY-MM-DD)");
}

TEST_F(UpsertTest, AFileThatCannotBeReadLeavesTheTableAsItWas) {
  Load("book", WriteTempFile("ok.json", R"([{"name":"B1","pages":1}])"));
  LoadRequest request{FindModel("book"), WriteTempFile("bad.json", "[{\"name\":\"B2\"},"),
                      FileFormat::kJson, false};
  auto report = LoadFile(&conn(), request);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("bad.json"), std::string::npos);
  EXPECT_NE(report.status().message().find("invalid JSON"), std::string::npos);
  EXPECT_EQ(Scalar("SELECT count(*) FROM books"), "1");
  // The connection is usable afterwards.
  EXPECT_EQ(Scalar("SELECT 1"), "1");
}

}  // namespace
}  // namespace sluice::warehouse
