// `warehouse query --format json` and `warehouse questions --format json` as programs read them:
// one JSON document, timestamps in ISO 8601 whatever the server's DateStyle, json kept as JSON,
// arrays as JSON arrays.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::PgTest;
using testing::RunResult;
using testing::RunSluice;

class WarehouseJson : public PgTest {
 protected:
  // The test's URL with the session's DateStyle set to the SQL style, day first: what a server
  // configured for another locale prints by default.
  std::string SqlDateStyleUrl() {
    std::string u = url();
    const size_t options_end = u.find("&application_name=");
    return u.insert(options_end == std::string::npos ? u.size() : options_end,
                    "%20-cDateStyle%3DSQL%2CDMY");
  }
};

TEST_F(WarehouseJson, TimestampsAreIso8601WithTheirOffsetWhateverTheDateStyle) {
  const std::string sql =
      "SET TimeZone = 'Asia/Kolkata'; SELECT '2021-12-06 20:30:19+01'::timestamptz AS at, "
      "'2021-12-06 20:30:19.25'::timestamp AS naive, '2021-12-06 20:30:19'::timestamptz AS "
      "whole_hour, 'infinity'::timestamp AS never, DATE '2021-12-06' AS day";
  // The session really prints the SQL style: the CSV shows the server's own text.
  RunResult csv =
      RunSluice({"warehouse", "query", "-e", sql, "--format", "csv"}, SqlDateStyleUrl());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("07/12/2021 01:00:19 IST"), std::string::npos) << csv.out;

  RunResult json =
      RunSluice({"warehouse", "query", "-e", sql, "--format", "json"}, SqlDateStyleUrl());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out,
            "[\n {\"at\": \"2021-12-07T01:00:19+05:30\", \"naive\": \"2021-12-06T20:30:19.25\", "
            "\"whole_hour\": \"2021-12-06T20:30:19+05:30\", \"never\": \"infinity\", \"day\": "
            "\"2021-12-06\"}\n]\n");

  RunResult utc = RunSluice({"warehouse", "query", "-e",
                             "SET TimeZone = 'UTC'; SELECT '2021-12-06 20:30:19+01'::timestamptz "
                             "AS at",
                             "--format", "json"},
                            url());
  ASSERT_EQ(utc.exit_code, 0) << utc.err;
  EXPECT_EQ(utc.out, "[\n {\"at\": \"2021-12-06T19:30:19+00:00\"}\n]\n");
}

TEST_F(WarehouseJson, JsonColumnsStayJson) {
  RunResult json = RunSluice({"warehouse", "query", "-e",
                              "SELECT '{\"a\": [1, 2.5, null]}'::jsonb AS j, '[true, \"x\"]'::json "
                              "AS k, NULL::jsonb AS missing",
                              "--format", "json"},
                             url());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out,
            "[\n {\"j\": {\"a\": [1, 2.5, null]}, \"k\": [true, \"x\"], \"missing\": null}\n]\n");
}

// Arrays print as JSON arrays of their elements, each as its type prints: numbers, booleans,
// strings with PostgreSQL's quoting undone, NULL elements, nested dimensions, json elements as
// JSON, timestamps in ISO 8601; bounds other than 1 do not change the array.
TEST_F(WarehouseJson, ArraysAreJsonArrays) {
  const std::string sql =
      "SET TimeZone = 'UTC'; SELECT ARRAY[1, NULL, 3] AS ints, ARRAY[1.5, 'NaN']::numeric[] AS "
      "nums, ARRAY[true, false] AS flags, ARRAY['a b', 'NULL', 'say \"hi\"', 'back\\slash', "
      "'{x,y}', '', NULL] AS words, ARRAY[[1, 2], [3, 4]] AS grid, ARRAY['{\"k\": [1]}', "
      "'null']::jsonb[] AS docs, ARRAY['2021-12-06 20:30:19+01']::timestamptz[] AS ats, "
      "'[0:1]={7,8}'::int[] AS shifted, '{}'::text[] AS empty, NULL::int[] AS missing, "
      "ARRAY['(1,2)']::point[] AS points";
  RunResult json = RunSluice({"warehouse", "query", "-e", sql, "--format", "json"}, url());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(
      json.out,
      "[\n {\"ints\": [1,null,3], \"nums\": [1.5,\"NaN\"], \"flags\": [true,false], "
      "\"words\": [\"a b\",\"NULL\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"{x,y}\",\"\",null], "
      "\"grid\": [[1,2],[3,4]], \"docs\": [{\"k\": [1]},null], "
      "\"ats\": [\"2021-12-06T19:30:19+00:00\"], \"shifted\": [7,8], \"empty\": [], "
      "\"missing\": null, \"points\": \"{\\\"(1,2)\\\"}\"}\n]\n");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json.out).get(doc), simdjson::SUCCESS) << json.out;
}

TEST_F(WarehouseJson, QuestionsAreOneDocument) {
  RunResult init = RunSluice({"warehouse", "init"}, url());
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RunResult json = RunSluice({"warehouse", "questions", "--format", "json"}, url());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json.out).get(doc), simdjson::SUCCESS) << json.out;
  simdjson::dom::array questions;
  ASSERT_EQ(doc["questions"].get(questions), simdjson::SUCCESS) << json.out;
  ASSERT_EQ(questions.size(), 6u);
  int n = 0;
  for (simdjson::dom::element q : questions) {
    ++n;
    std::string_view id, title;
    simdjson::dom::array rows;
    ASSERT_EQ(q["id"].get(id), simdjson::SUCCESS);
    EXPECT_EQ(id, "q" + std::to_string(n));
    ASSERT_EQ(q["title"].get(title), simdjson::SUCCESS);
    EXPECT_FALSE(title.empty());
    ASSERT_EQ(q["rows"].get(rows), simdjson::SUCCESS) << id;
  }
}

}  // namespace
}  // namespace sluice
