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
    auto v = f.from_json ? f.from_json(e) : JsonScalarAt(e, f.json_path);
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
