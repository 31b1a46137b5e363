// The models file loader (jobs/warehouse/models_file.h) and JSON paths (json_path.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "jobs/warehouse/json_path.h"
#include "jobs/warehouse/models_file.h"
#include "jobs/warehouse/models_schema.h"

namespace sluice::warehouse {
namespace {

// The errors as `sluice` prints them, one a line.
std::string Errors(std::string_view yaml) {
  LoadedModels loaded = ParseModels(yaml);
  std::string out;
  for (const auto& e : loaded.errors)
    out += FormatPipelineError("m.yaml", e) + "\n";
  return out;
}

constexpr std::string_view kPodcast = R"(models:
  - name: podcast
    table: podcasts
    key: [title]
    fields:
      - {column: title, type: text, csv: Title, json: meta.title}
      - {column: minutes, type: integer}
      - column: host
        type: text
        json: hosts[].name
        pick: last
        skip: [tbd]
  - name: episode
    table: episodes
    key: content-hash
    fields:
      - {column: podcast, type: text}
      - {column: aired_at, type: timestamptz, json: "aired[0]"}
      - {column: plays, type: bigint}
      - {column: rating, type: double}
      - {column: aired_on, type: date}
)";

TEST(WarehouseModelsFile, LoadsModelsWithTheirFieldsAndKeys) {
  LoadedModels loaded = ParseModels(kPodcast);
  ASSERT_TRUE(loaded.ok()) << Errors(kPodcast);
  ASSERT_EQ(loaded.models.size(), 2u);
  const Model& podcast = loaded.models[0];
  EXPECT_EQ(podcast.name, "podcast");
  EXPECT_EQ(podcast.table, "podcasts");
  EXPECT_FALSE(podcast.content_hash_key);
  EXPECT_EQ(podcast.KeyColumns(), std::vector<std::string>{"title"});
  ASSERT_EQ(podcast.fields.size(), 3u);
  EXPECT_EQ(podcast.fields[0].csv_header, "Title");
  EXPECT_EQ(podcast.fields[0].json.keys, (std::vector<std::string>{"meta", "title"}));
  EXPECT_EQ(podcast.fields[1].type, ColumnType::kInt32);
  EXPECT_EQ(podcast.fields[1].csv_header, "minutes");
  EXPECT_EQ(podcast.fields[1].json.text, "minutes");
  EXPECT_EQ(podcast.fields[2].json.pick, JsonPick::kLast);
  EXPECT_EQ(podcast.fields[2].json.skip, std::vector<std::string>{"tbd"});
  const Model& episode = loaded.models[1];
  EXPECT_TRUE(episode.content_hash_key);
  EXPECT_EQ(episode.KeyColumns(), std::vector<std::string>{"content_hash"});
  std::vector<ColumnType> types;
  for (const auto& f : episode.fields)
    types.push_back(f.type);
  EXPECT_EQ(types,
            (std::vector<ColumnType>{ColumnType::kText, ColumnType::kTimestamptz,
                                     ColumnType::kInt64, ColumnType::kFloat64, ColumnType::kDate}));
  EXPECT_EQ(FindModel(loaded.models, "episodes"), &loaded.models[1]);
  EXPECT_EQ(ModelNames(loaded.models), "podcast, episode");
}

TEST(WarehouseModelsFile, TheExampleFileLoadsAsTheBuiltInModels) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/examples/warehouse-models.yaml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, BuiltinModelsYaml());
  EXPECT_EQ(ModelNames(), "movie, user, stream, author, book, review");
}

TEST(WarehouseModelsFile, EveryExampleModelsFileLoads) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SLUICE_SOURCE_DIR) + "/examples")) {
    const std::string name = entry.path().filename().string();
    if (name.find("models") == std::string::npos) continue;
    LoadedModels loaded = LoadModelsFile(entry.path().string());
    std::string errors;
    for (const auto& e : loaded.errors)
      errors += FormatPipelineError(name, e) + "\n";
    EXPECT_TRUE(loaded.ok()) << errors;
    ++files;
  }
  EXPECT_GE(files, 2);
}

TEST(WarehouseModelsFile, ReportsEveryErrorAtOnceWithPositionsAndPaths) {
  const std::string errors = Errors(R"(models:
  - name: podcast
    tabel: podcasts
    key: [titel]
    fields:
      - {column: title, type: strng}
      - {column: title, type: text}
      - {column: Bad-Name, type: text}
      - {column: updated_at, type: text}
      - {colum: x, type: text}
  - name: podcast
    table: load_rejects
    key: title
    fields: []
)");
  EXPECT_EQ(
      errors,
      "m.yaml:2:5: models[0]: no table: a model has name, table, key and fields\n"
      "m.yaml:3:5: models[0].tabel: unknown key (did you mean table?)\n"
      "m.yaml:4:11: models[0].key[0]: 'titel' is not a field of this model (did you mean "
      "title?)\n"
      "m.yaml:6:31: models[0].fields[0].type: 'strng' is not one of text, integer, bigint, "
      "double, date, timestamptz\n"
      "m.yaml:7:18: models[0].fields[1].column: column 'title' is already models[0].fields[0] "
      "(line 6, column 18)\n"
      "m.yaml:8:18: models[0].fields[2].column: 'Bad-Name' is not a plain lower-case name: a "
      "lower-case letter or '_', then lower-case letters, digits or '_' (so SQL can name it "
      "without quotes)\n"
      "m.yaml:9:18: models[0].fields[3].column: 'updated_at' is a column Sluice adds to every "
      "model's table: choose another name\n"
      "m.yaml:10:9: models[0].fields[4]: no column: a field has column and type\n"
      "m.yaml:10:10: models[0].fields[4].colum: unknown key (did you mean column?)\n"
      "m.yaml:11:11: models[1].name: 'podcast' is already the name of models[0] (line 2, "
      "column 11): --model must name one model\n"
      "m.yaml:12:12: models[1].table: 'load_rejects' is a table Sluice keeps itself: choose "
      "another name\n"
      "m.yaml:13:10: models[1].key: 'title' is not content-hash: give key: [FIELD, ...] or "
      "key: content-hash\n"
      "m.yaml:14:13: models[1].fields: expected a list of fields ({column: NAME, type: "
      "TYPE}), not an empty list\n");
}

TEST(WarehouseModelsFile, AFileWithErrorsStillNamesItsModels) {
  // A field's bad type leaves the models' names known, for checking a job's --model even so.
  LoadedModels loaded = ParseModels(R"(models:
  - name: show
    table: shows
    key: [title]
    fields:
      - {column: title, type: txt}
  - name: episode
    table: episodes
    key: content-hash
    fields:
      - {column: title, type: text}
)");
  EXPECT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.models.empty());
  EXPECT_TRUE(loaded.all_names_read);
  ASSERT_EQ(loaded.named.size(), 2u);
  EXPECT_NE(FindModel(loaded.named, "episodes"), nullptr);
  // A model whose name cannot be read: another name might be it.
  LoadedModels unnamed = ParseModels(
      "models:\n  - {name: Show, table: shows, key: [a], fields: [{column: a, type: text}]}\n");
  EXPECT_FALSE(unnamed.ok());
  EXPECT_FALSE(unnamed.all_names_read);
}

TEST(WarehouseModelsFile, RefusesMissingPartsAndWrongShapes) {
  EXPECT_EQ(Errors(""),
            "m.yaml: empty: a models file is models: [a list of models]; see "
            "docs/warehouse-models.md\n");
  EXPECT_EQ(Errors("[]"), "m.yaml:1:1: expected a map with models: [...], not a list\n");
  EXPECT_EQ(Errors("modls: []"),
            "m.yaml:1:1: modls: unknown key (did you mean models?)\n"
            "m.yaml:1:1: no models: a models file is models: [a list of models]\n");
  EXPECT_EQ(Errors("models: {}"), "m.yaml:1:9: models: expected a list of models, not a map\n");
  EXPECT_EQ(Errors("models: [x]"),
            "m.yaml:1:10: models[0]: expected a model as a map of name, table, key and fields, "
            "not text\n");
  EXPECT_EQ(Errors("models:\n  - {}\n"),
            "m.yaml:2:5: models[0]: no name: a model has name, table, key and fields\n"
            "m.yaml:2:5: models[0]: no table: a model has name, table, key and fields\n"
            "m.yaml:2:5: models[0]: no fields: a model has name, table, key and fields\n"
            "m.yaml:2:5: models[0]: no key: give key: [FIELD, ...] (a natural key) or key: "
            "content-hash\n");
  EXPECT_EQ(Errors("models:\n  - {name: a, table: b, key: [x], fields: [{column: x}]}\n"),
            "m.yaml:2:44: models[0].fields[0]: no type: a field has column and type\n");
  EXPECT_EQ(Errors("models:\n  - {name: a, table: b, key: x, fields: [{column: x, type: text}]}\n"),
            "m.yaml:2:30: models[0].key: a natural key is a list: key: [x]\n");
  EXPECT_EQ(Errors("models:\n  - {name: a, table: b, key: [x, x], fields: [{column: x, type: "
                   "text}]}\n"),
            "m.yaml:2:34: models[0].key[1]: 'x' is already in the key (line 2, column 31)\n");
  EXPECT_EQ(Errors("models:\n  - {name: a, table: b, key: {}, fields: [{column: x, type: {}}]}\n"),
            "m.yaml:2:30: models[0].key: expected a list of fields ([title]) or content-hash, not "
            "a map\n"
            "m.yaml:2:61: models[0].fields[0].type: expected text, not a map\n");
}

TEST(WarehouseModelsFile, ChecksNamesTablesAndHeaders) {
  EXPECT_EQ(
      Errors("models:\n"
             "  - {name: Movie, table: 1movies, key: content-hash, fields: [{column: a, type: "
             "text}]}\n"),
      "m.yaml:2:12: models[0].name: 'Movie' is not a model name: a lower-case letter, then "
      "lower-case letters, digits, '_' or '-'\n"
      "m.yaml:2:26: models[0].table: '1movies' is not a plain lower-case name: a lower-case "
      "letter or '_', then lower-case letters, digits or '_' (so SQL can name it without "
      "quotes)\n");
  // A name and a table share --model's namespace; a model may be named as its own table.
  EXPECT_EQ(
      Errors("models:\n"
             "  - {name: a, table: a, key: content-hash, fields: [{column: x, type: text}]}\n"
             "  - {name: b, table: a, key: content-hash, fields: [{column: x, type: text}]}\n"),
      "m.yaml:3:22: models[1].table: 'a' is already the name of models[0] (line 2, column "
      "12): --model must name one model\n");
  const std::string long_table(59, 't');
  EXPECT_EQ(Errors("models:\n  - {name: a, table: " + long_table +
                   ", key: content-hash, fields: [{column: x, type: text}]}\n"),
            "m.yaml:2:22: models[0].table: '" + long_table +
                "' is 59 bytes; at most 58 (PostgreSQL keeps 63 of a name, and the table's key "
                "adds _pkey)\n");
  EXPECT_EQ(Errors("models:\n  - name: a\n    table: b\n    key: content-hash\n    fields:\n"
                   "      - {column: x, type: text, csv: Title}\n"
                   "      - {column: y, type: text, csv: TITLE}\n"
                   "      - {column: z, type: text, csv: ' z'}\n"),
            "m.yaml:7:38: models[0].fields[1].csv: CSV header 'TITLE' is already "
            "models[0].fields[0]'s (line 6, column 38); headers match in any letter case\n"
            "m.yaml:8:38: models[0].fields[2].csv: begins or ends with blanks, which header names "
            "are matched without\n");
}

TEST(WarehouseModelsFile, ChecksLengthsAndLimits) {
  const std::string long_column(64, 'c');
  const std::string long_name(64, 'n');
  EXPECT_EQ(
      Errors("models:\n  - {name: " + long_name +
             ", table: sluice_stage, key: content-hash, "
             "fields: [{column: " +
             long_column + ", type: text}]}\n"),
      "m.yaml:2:12: models[0].name: '" + long_name +
          "' is 64 bytes; at most 63\n"
          "m.yaml:2:85: models[0].table: 'sluice_stage' is a table Sluice keeps itself: choose "
          "another name\n"
          "m.yaml:2:136: models[0].fields[0].column: '" +
          long_column + "' is 64 bytes; at most 63 (PostgreSQL keeps 63 of a name)\n");
  std::string many = "models:\n  - name: a\n    table: b\n    key: content-hash\n    fields:\n";
  for (size_t i = 0; i <= kMaxModelFields; ++i)
    many += "      - {column: c" + std::to_string(i) + ", type: text}\n";
  EXPECT_EQ(Errors(many), "m.yaml:6:7: models[0].fields: 1001 fields; at most 1000\n");
}

TEST(WarehouseModelsFile, ChecksJsonPathsPickAndSkip) {
  const auto one = [](std::string_view field) {
    return Errors(
        "models:\n  - name: a\n    table: b\n    key: content-hash\n    fields:\n"
        "      - " +
        std::string(field) + "\n");
  };
  EXPECT_EQ(one("{column: x, type: text, json: \"a[x].b\"}"),
            "m.yaml:6:42: models[0].fields[0].json: character 3 of 'a[x].b': an index is a whole "
            "number from 0 to 999999999 without leading zeros, or nothing ([] for every "
            "element)\n");
  EXPECT_EQ(one("{column: x, type: text, json: \"a[].b\"}"),
            "m.yaml:6:39: models[0].fields[0].json: a path with [] takes pick: first or last "
            "(which element's value the field takes)\n");
  EXPECT_EQ(one("{column: x, type: text, json: a.b, pick: last, skip: [end]}"),
            "m.yaml:6:50: models[0].fields[0].pick: applies to a json path with [] (every element "
            "of a list), and this field's has none\n"
            "m.yaml:6:62: models[0].fields[0].skip: applies to a json path with [] (every element "
            "of a list), and this field's has none\n");
  EXPECT_EQ(one("{column: x, type: text, json: \"a[]\", pick: middle}"),
            "m.yaml:6:52: models[0].fields[0].pick: 'middle' is not one of first, last\n");
  EXPECT_EQ(one("{column: x, type: text, json: \"a[]\", pick: first, skip: [[x], y]}"),
            "m.yaml:6:66: models[0].fields[0].skip[0]: expected text, not a list\n");
  EXPECT_EQ(one("{column: x, type: text, json: \"a[]\", pick: first, skip: end}"),
            "m.yaml:6:65: models[0].fields[0].skip: expected a list of values ([end]), not "
            "text\n");
  EXPECT_EQ(one("{column: x, type: text, json: \"a..b\"}"),
            "m.yaml:6:42: models[0].fields[0].json: character 3 of 'a..b': expected a key (a path "
            "starts with a key, and '.' is followed by one)\n");
  // Found by fuzzing: without json:, a column name holding "[]" was parsed as a path with [],
  // whose missing pick was then reported at the json: the field does not have (a null read).
  // The name is refused as a column, and the key it reads is that name, whole.
  const std::string bracketed = one("{column: \"a[]\", type: text}");
  EXPECT_NE(bracketed.find("models[0].fields[0].column"), std::string::npos) << bracketed;
  EXPECT_EQ(bracketed.find(".json"), std::string::npos) << bracketed;
}

TEST(WarehouseModelsFile, TheYamlRulesOfPipelineFilesHold) {
  EXPECT_EQ(Errors("models:\n  - &m {name: a}\n  - *m\n"),
            "m.yaml:2:5: an anchor (&m) is not allowed: write the value out\n"
            "m.yaml:2:5: models[0]: no table: a model has name, table, key and fields\n"
            "m.yaml:2:5: models[0]: no fields: a model has name, table, key and fields\n"
            "m.yaml:2:5: models[0]: no key: give key: [FIELD, ...] (a natural key) or key: "
            "content-hash\n"
            "m.yaml:3:5: an alias (*m) is not allowed: write the value out\n");
  EXPECT_EQ(Errors("models: []\nmodels: []\n"),
            "m.yaml:1:9: models: expected a list of models, not an empty list\n"
            "m.yaml:2:1: 'models' is given twice (first at line 1, column 1)\n");
  EXPECT_EQ(Errors(std::string(kMaxModelsFileBytes + 1, '#')),
            "m.yaml: larger than 1 MiB: a models file is at most 1,048,576 bytes\n");
  // Errors are counted past a hundred, not listed.
  std::string many = "models:\n";
  for (int i = 0; i < 150; ++i)
    many += "  - x\n";
  LoadedModels loaded = ParseModels(many);
  ASSERT_EQ(loaded.errors.size(), kMaxModelErrors + 1);
  EXPECT_EQ(loaded.errors.back().message, "50 more errors not shown");
}

TEST(WarehouseModelsFile, AFileThatCannotBeReadIsOneError) {
  LoadedModels loaded = LoadModelsFile("/nonexistent/models.yaml");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].message, "cannot read: No such file or directory");
  loaded = LoadModelsFile("/tmp");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].message, "is a directory, not a models file");
  // A device (or a pipe) is refused unread: reading it might never end.
  loaded = LoadModelsFile("/dev/zero");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].message,
            "is not a regular file (a pipe or a device), not a models file");
}

TEST(WarehouseModelsFile, TheJsonSchemaIsJsonAndItsPathPatternIsTheParsersGrammar) {
  const std::string schema = ModelsJsonSchema();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(schema).get(root));
  std::string_view draft;
  ASSERT_FALSE(root["$schema"].get_string().get(draft));
  EXPECT_EQ(draft, "https://json-schema.org/draft/2020-12/schema");
  simdjson::dom::array types;
  ASSERT_FALSE(
      root.at_pointer("/properties/models/items/properties/fields/items/properties/type/enum")
          .get_array()
          .get(types));
  std::vector<std::string> names;
  for (auto t : types)
    names.emplace_back(t.get_string().value());
  EXPECT_EQ(names, ModelTypeNames());
  // The pattern accepts what the parser accepts, but for what it cannot count (a second []).
  const std::regex pattern{std::string(kJsonPathPattern)};
  for (std::string_view text : {"a", "a.b", "books[0].metadata.title", "n[].slug", "m[1][2]",
                                "a b.c d", "x[999999999]", "", ".a", "a.", "a[", "a]", "a[01]",
                                "a[-1]", "a[1234567890]", "a[0]b", "[0]", "a..b", "a[x]"}) {
    JsonPath path;
    EXPECT_EQ(std::regex_match(std::string(text), pattern), !ParseJsonPath(text, &path)) << text;
  }
}

JsonPath Path(std::string_view text, JsonPick pick = JsonPick::kNone,
              std::vector<std::string> skip = {}) {
  JsonPath path;
  auto error = ParseJsonPath(text, &path);
  EXPECT_FALSE(error) << text << ": " << error->message;
  path.pick = pick;
  path.skip = std::move(skip);
  return path;
}

std::string Extracted(const JsonPath& path, std::string_view json) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  EXPECT_FALSE(doc.error());
  auto value = ExtractJsonPath(path, doc.value());
  if (!value.ok()) return "error: " + value.status().message();
  return *value ? **value : "null";
}

TEST(WarehouseJsonPath, ParsesKeysIndexesAndEach) {
  JsonPath p = Path("books[0].metadata.title");
  ASSERT_EQ(p.steps.size(), 4u);
  EXPECT_EQ(p.steps[1].kind, JsonPathStep::Kind::kIndex);
  EXPECT_EQ(p.keys, (std::vector<std::string>{"books", "metadata", "title"}));
  EXPECT_TRUE(Path("a[]").HasEach());
  EXPECT_FALSE(p.HasEach());
  EXPECT_EQ(Path("m[1][2]").steps.size(), 3u);
  for (std::string_view bad :
       {"", ".a", "a.", "a[", "a]", "a[01]", "a[-1]", "a[1234567890]", "a[][]", "a[0]b", "[0]"}) {
    JsonPath out;
    EXPECT_TRUE(ParseJsonPath(bad, &out)) << bad;
  }
}

TEST(WarehouseJsonPath, ExtractsAsTheRuleSays) {
  EXPECT_EQ(Extracted(Path("a.b"), R"({"a":{"b":12}})"), "12");
  EXPECT_EQ(Extracted(Path("a.b"), R"({"a":null})"), "null");
  EXPECT_EQ(Extracted(Path("a.b"), R"({"a":5})"), "error: a.b: expected an object");
  EXPECT_EQ(Extracted(Path("a.b"), R"({"a":{"b":[1]}})"),
            "error: a.b: expected a value, found an array");
  EXPECT_EQ(Extracted(Path("a[1]"), R"({"a":[1,2]})"), "2");
  EXPECT_EQ(Extracted(Path("a[2]"), R"({"a":[1,2]})"), "null");
  EXPECT_EQ(Extracted(Path("a[0]"), R"({"a":{"0":1}})"), "error: a[0]: expected an array");
  const JsonPath last = Path("a[].s", JsonPick::kLast, {"end"});
  const JsonPath first = Path("a[].s", JsonPick::kFirst, {"end"});
  const std::string list = R"({"a":[{"s":"x"},{"s":""},7,{"s":{}},{"s":"y"},{"s":"end"},{}]})";
  EXPECT_EQ(Extracted(last, list), "y");
  EXPECT_EQ(Extracted(first, list), "x");
  EXPECT_EQ(Extracted(last, R"({"a":[]})"), "null");
  EXPECT_EQ(Extracted(last, R"({})"), "null");
  EXPECT_EQ(Extracted(last, R"({"a":"s"})"), "error: a[].s: expected an array");
}

}  // namespace
}  // namespace sluice::warehouse
