#include <gtest/gtest.h>

#include "formats/json_reader.h"
#include "jobs/warehouse/models.h"
#include "jobs/warehouse/warehouse_load.h"

namespace sluice::warehouse {
namespace {

simdjson::dom::element Parse(simdjson::dom::parser& parser, std::string_view json) {
  auto doc = parser.parse(json);
  EXPECT_FALSE(doc.error());
  return doc.value();
}

std::optional<std::string> Extract(const Model& m, std::string_view column,
                                   const simdjson::dom::element& e) {
  for (const auto& f : m.fields) {
    if (f.column != column) continue;
    auto v = ExtractJsonPath(f.json, e);
    EXPECT_TRUE(v.ok());
    return *v;
  }
  ADD_FAILURE() << "no column " << column;
  return std::nullopt;
}

TEST(WarehouseModels, EveryModelIsFoundBySingularAndPluralName) {
  for (const char* name : {"movie", "user", "stream", "author", "book", "review"}) {
    const Model* m = FindModel(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(FindModel(m->table), m);
    EXPECT_FALSE(m->KeyColumns().empty());
  }
  EXPECT_EQ(FindModel("nope"), nullptr);
}

TEST(WarehouseModels, ReviewTakesTheRealMovieAndFirstBook) {
  simdjson::dom::parser parser;
  auto e = Parse(parser, R"({"content":{"text":"t"},"rating":{"rate":4},
      "books":[{"metadata":{"title":"A BOOK"}}],
      "movies":[{"id":0,"title":"end"},{"id":0,"title":"HEAT"}]})");
  const Model& m = *FindModel("review");
  EXPECT_EQ(Extract(m, "movie_title", e), "HEAT");
  EXPECT_EQ(Extract(m, "book_title", e), "A BOOK");
  EXPECT_EQ(Extract(m, "rating", e), "4");
  EXPECT_EQ(Extract(m, "text", e), "t");
  EXPECT_EQ(m.KeyColumns(), std::vector<std::string>{"content_hash"});
}

TEST(WarehouseModels, AuthorNationalityIsTheLastNonEmptySlug) {
  simdjson::dom::parser parser;
  auto e = Parse(parser, R"({"metadata":{"name":"N"},"nationalities":[
      {"label":"Singaporeans","slug":"singaporeans"},{"label":"","slug":null}]})");
  EXPECT_EQ(Extract(*FindModel("author"), "nationality", e), "singaporeans");
}

// The six models are examples/warehouse-models.yaml, compiled in; they were C++ before. These
// are the statements, CSV headers and JSON keys the C++ declared, so the file changes nothing.
TEST(WarehouseModels, TheExampleFileGivesTheTablesTheCodeGaveBefore) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"movie", R"(CREATE TABLE IF NOT EXISTS "movies" (
  "title" text NOT NULL,
  "duration_mins" integer,
  "original_language" text,
  "size_mb" integer,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_in_source_at timestamptz,
  CONSTRAINT "movies_pkey" PRIMARY KEY ("title")
))"},
      {"user", R"(CREATE TABLE IF NOT EXISTS "users" (
  "email" text NOT NULL,
  "first_name" text,
  "last_name" text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_in_source_at timestamptz,
  CONSTRAINT "users_pkey" PRIMARY KEY ("email")
))"},
      {"stream", R"(CREATE TABLE IF NOT EXISTS "streams" (
  "movie_title" text,
  "user_email" text,
  "size_mb" double precision,
  "start_at" timestamptz,
  "end_at" timestamptz,
  "content_hash" uuid NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_in_source_at timestamptz,
  CONSTRAINT "streams_pkey" PRIMARY KEY ("content_hash")
))"},
      {"author", R"(CREATE TABLE IF NOT EXISTS "authors" (
  "name" text NOT NULL,
  "birth_date" date,
  "died_at" date,
  "nationality" text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_in_source_at timestamptz,
  CONSTRAINT "authors_pkey" PRIMARY KEY ("name")
))"},
      {"book", R"(CREATE TABLE IF NOT EXISTS "books" (
  "title" text NOT NULL,
  "pages" integer,
  "author" text,
  "publisher" text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_in_source_at timestamptz,
  CONSTRAINT "books_pkey" PRIMARY KEY ("title")
))"},
      {"review", R"(CREATE TABLE IF NOT EXISTS "reviews" (
  "movie_title" text,
  "book_title" text,
  "rating" integer,
  "text" text,
  "content_hash" uuid NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_in_source_at timestamptz,
  CONSTRAINT "reviews_pkey" PRIMARY KEY ("content_hash")
))"},
  };
  ASSERT_EQ(Models().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Models()[i].name, expected[i].first);
    EXPECT_EQ(CreateTableSql(Models()[i]), expected[i].second);
  }
  const auto keys = [](const Model& m) {
    std::vector<std::string> out;
    for (const auto& f : m.fields) {
      std::string dotted;
      for (const auto& k : f.json.keys)
        dotted += (dotted.empty() ? "" : ".") + k;
      out.push_back(f.csv_header + "|" + dotted);
    }
    return out;
  };
  EXPECT_EQ(
      keys(*FindModel("author")),
      (std::vector<std::string>{"name|metadata.name", "birth_date|metadata.birth_date",
                                "died_at|metadata.died_at", "nationality|nationalities.slug"}));
  EXPECT_EQ(keys(*FindModel("book")),
            (std::vector<std::string>{"title|name", "pages|pages", "author|author",
                                      "publisher|publisher"}));
  EXPECT_EQ(keys(*FindModel("review")),
            (std::vector<std::string>{"movie_title|movies.title", "book_title|books.metadata.title",
                                      "rating|rating.rate", "text|content.text"}));
}

TEST(WarehouseModels, TheReviewPathsKeepTheirEdgeCases) {
  simdjson::dom::parser parser;
  const Model& m = *FindModel("review");
  // Only "end" and blanks: no movie. No books, or an empty list: no book.
  auto e = Parse(parser, R"({"movies":[{"title":"end"},{"title":""},{"id":1}],"books":[]})");
  EXPECT_EQ(Extract(m, "movie_title", e), std::nullopt);
  EXPECT_EQ(Extract(m, "book_title", e), std::nullopt);
  e = Parse(parser, R"({"movies":[{"title":"A"},"x",{"title":"end"}],"books":[null]})");
  EXPECT_EQ(Extract(m, "movie_title", e), "A");
  EXPECT_EQ(Extract(m, "book_title", e), std::nullopt);
  e = Parse(parser, R"({"books":[{"metadata":{"title":"B"}},{"metadata":{"title":"C"}}]})");
  EXPECT_EQ(Extract(m, "book_title", e), "B");
  EXPECT_EQ(Extract(m, "movie_title", e), std::nullopt);
}

TEST(WarehouseModels, DescribeModelSaysWhereEachColumnComesFrom) {
  EXPECT_EQ(DescribeModel(*FindModel("review")),
            "review: table reviews, key content_hash (a hash of the values)\n"
            "  movie_title  text     csv movie_title  json movies[].title, pick last, skip [end]\n"
            "  book_title   text     csv book_title   json books[0].metadata.title\n"
            "  rating       integer  csv rating       json rating.rate\n"
            "  text         text     csv text         json content.text\n");
  EXPECT_NE(DescribeModel(*FindModel("stream")).find("  size_mb      double       csv size_mb "),
            std::string::npos);
}

TEST(WarehouseModels, TableDefinitionHasKeyAndHistory) {
  std::string ddl = CreateTableSql(*FindModel("stream"));
  EXPECT_NE(ddl.find("\"start_at\" timestamptz"), std::string::npos);
  EXPECT_NE(ddl.find("PRIMARY KEY (\"content_hash\")"), std::string::npos);
  EXPECT_NE(ddl.find("deleted_in_source_at timestamptz"), std::string::npos);
}

TEST(WarehouseModels, FormatFromExtensionOrFlag) {
  EXPECT_EQ(*ResolveFormat("a/b.CSV", ""), FileFormat::kCsv);
  EXPECT_EQ(*ResolveFormat("a.ndjson", ""), FileFormat::kJson);
  EXPECT_EQ(*ResolveFormat("a.txt", "json"), FileFormat::kJson);
  EXPECT_FALSE(ResolveFormat("a.txt", "").ok());
}

}  // namespace
}  // namespace sluice::warehouse
