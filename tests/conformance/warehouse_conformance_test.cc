// Conformance: the warehouse on the reference data in ../shared/fixtures/strider gives the
// published row counts and the six answers of SPEC section 3, each under its own question.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "jobs/warehouse/warehouse_load.h"
#include "jobs/warehouse/warehouse_query.h"
#include "support/test_env.h"

namespace sluice::warehouse {
namespace {

using sluice::testing::PgTest;
using sluice::testing::RunResult;
using sluice::testing::RunSluice;
using sluice::testing::SharedDir;

class WarehouseConformance : public PgTest {
 protected:
  void SetUp() override {
    if (SharedDir().empty()) {
      GTEST_SKIP() << sluice::testing::kNoSharedDirMessage;
    }
    PgTest::SetUp();
  }

  // Loads every reference file through the CLI, as a user would, with the models of the example
  // file (compiled in as the built-in ones too), so the published answers pin that file.
  void LoadAll() {
    const std::string models = std::string(SLUICE_TESTS_DIR) + "/../examples/warehouse-models.yaml";
    const std::string data = SharedDir() + "/fixtures/strider/data/";
    const std::vector<std::pair<std::string, std::string>> files = {
        {"movie", "internal/movies.csv"},   {"user", "internal/users.csv"},
        {"stream", "internal/streams.csv"}, {"author", "vendor/authors.json"},
        {"book", "vendor/books.json"},      {"review", "vendor/reviews.json"}};
    for (const auto& [model, file] : files) {
      RunResult r = RunSluice(
          {"warehouse", "load", "--models", models, "--model", model, data + file}, url());
      // authors.json carries one author without a name: rejected, exit status 3.
      int expected = model == "author" ? 3 : 0;
      ASSERT_EQ(r.exit_code, expected) << file << "\n" << r.out << r.err;
    }
  }

  std::map<std::string, std::string> Counts() {
    std::map<std::string, std::string> counts;
    for (const char* t : {"movies", "users", "streams", "authors", "books", "reviews"}) {
      counts[t] = Scalar(std::string("SELECT count(*) FROM ") + t);
    }
    return counts;
  }

  // Each row of a result as its values' JSON text in column order ("0.93", "\"text\"", "null").
  using Rows = std::vector<std::vector<std::string>>;

  // Splits `sluice warehouse questions --format json` into each question's rows, by question id.
  // The command prints one JSON array per question in the order of Questions() and no id, so
  // the n-th array belongs to the n-th question; more or fewer arrays than questions fail.
  // `questions --format json`'s one document: {"questions": [{"id", "title", "rows": [...]}]},
  // one entry per shipped question, in order.
  std::map<std::string, Rows> AnswersByQuestion(const std::string& out) {
    std::map<std::string, Rows> answers;
    const std::vector<Question>& questions = Questions();
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (auto error = parser.parse(out).get(doc)) {
      ADD_FAILURE() << "the output is not one JSON document: " << simdjson::error_message(error);
      return answers;
    }
    simdjson::dom::array entries;
    if (auto error = doc["questions"].get(entries)) {
      ADD_FAILURE() << "no \"questions\" array: " << simdjson::error_message(error);
      return answers;
    }
    size_t n = 0;
    for (simdjson::dom::element entry : entries) {
      if (n == questions.size()) {
        ADD_FAILURE() << "more answers than the " << questions.size() << " questions";
        return answers;
      }
      std::string_view id, title;
      simdjson::dom::array rows;
      if (entry["id"].get(id) || entry["title"].get(title) || entry["rows"].get(rows)) {
        ADD_FAILURE() << "answer " << n + 1 << " lacks an id, a title or its rows";
        return answers;
      }
      EXPECT_EQ(id, questions[n].id);
      EXPECT_EQ(title, questions[n].title);
      Rows& own = answers[std::string(id)];
      for (simdjson::dom::element row : rows) {
        simdjson::dom::object columns;
        if (auto error = row.get_object().get(columns)) {
          ADD_FAILURE() << id << ": a row is not an object: " << simdjson::error_message(error);
          return answers;
        }
        std::vector<std::string> values;
        for (simdjson::dom::key_value_pair column : columns) {
          values.push_back(simdjson::minify(column.value));
        }
        own.push_back(std::move(values));
      }
      ++n;
    }
    EXPECT_EQ(n, questions.size()) << "one answer per question";
    return answers;
  }

  std::string Answer(const std::string& id, bool shift_an_hour = false) {
    for (const auto& q : Questions()) {
      if (q.id != id) continue;
      std::string sql = q.sql;
      if (shift_an_hour) {
        // The reference implementation read the windows as UTC: the same literals at +00:00.
        for (size_t p = sql.find("+01:00"); p != std::string::npos; p = sql.find("+01:00", p)) {
          sql.replace(p, 6, "+00:00");
        }
      }
      return Scalar(sql);
    }
    ADD_FAILURE() << "no question " << id;
    return "";
  }
};

TEST_F(WarehouseConformance, RowCountsAndTheSixAnswers) {
  LoadAll();
  const std::map<std::string, std::string> expected = {{"movies", "91"},    {"users", "783"},
                                                       {"streams", "9652"}, {"authors", "200"},
                                                       {"books", "103"},    {"reviews", "501"}};
  EXPECT_EQ(Counts(), expected);
  EXPECT_EQ(Scalar("SELECT reason FROM load_rejects"), "name is missing; it is the key of authors");

  EXPECT_EQ(Answer("q1"), "0.93");
  EXPECT_EQ(Answer("q2"), "4");
  EXPECT_EQ(Answer("q3"), "3");
  EXPECT_EQ(Answer("q4"), "43336");
  EXPECT_EQ(Answer("q5"), "0.94");
  EXPECT_EQ(Answer("q6"), "747");
  // With the windows an hour off, as the reference implementation read them, its published
  // numbers come back: the load itself matches.
  EXPECT_EQ(Answer("q2", true), "5");
  EXPECT_EQ(Answer("q6", true), "746");
}

TEST_F(WarehouseConformance, LoadingEverythingTwiceChangesNothing) {
  LoadAll();
  auto counts = Counts();
  std::string before = Scalar(
      "SELECT string_agg(xmin::text, ',' ORDER BY content_hash) FROM "
      "reviews");
  LoadAll();
  EXPECT_EQ(Counts(), counts);
  EXPECT_EQ(Scalar("SELECT string_agg(xmin::text, ',' ORDER BY content_hash) FROM reviews"),
            before);
  EXPECT_EQ(Scalar("SELECT count(*) FROM movies WHERE updated_at <> first_seen_at"), "0");
}

TEST_F(WarehouseConformance, QuestionsCommandPrintsEachAnswerUnderItsQuestion) {
  LoadAll();
  RunResult r = RunSluice({"warehouse", "questions", "--format", "json"}, url());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // SPEC section 3's table: each question's one row of one value, typed as JSON numbers.
  const std::map<std::string, Rows> expected = {{"q1", {{"0.93"}}}, {"q2", {{"4"}}},
                                                {"q3", {{"3"}}},    {"q4", {{"43336"}}},
                                                {"q5", {{"0.94"}}}, {"q6", {{"747"}}}};
  EXPECT_EQ(AnswersByQuestion(r.out), expected) << r.out;
}

}  // namespace
}  // namespace sluice::warehouse
