// A model declared in a models file (docs/warehouse-models.md), not one of the six, loaded end
// to end through `sluice warehouse init/load --models` and `sluice run`: the same upsert, kept
// history, full-dump marking and rejects as the built-in models.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace sluice {
namespace {

using testing::PgTest;
using testing::RunResult;
using testing::RunSluice;
using testing::WriteTempFile;

// A vendor's podcasts: CSV headers that are not the columns, JSON that nests and lists.
constexpr const char* kModels = R"(models:
  - name: podcast
    table: podcasts
    key: [title]
    fields:
      - {column: title, type: text, csv: Title, json: meta.title}
      - {column: minutes, type: integer, csv: Length}
      - column: host
        type: text
        json: hosts[].name
        pick: last
        skip: [tbd]
      - {column: first_aired, type: date, json: "episodes[0].aired"}
  - name: episode
    table: episodes
    key: content-hash
    fields:
      - {column: podcast, type: text}
      - {column: plays, type: bigint, json: stats.plays}
      - {column: aired_at, type: timestamptz}
)";

class WarehouseUserModels : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    models_ = WriteTempFile("podcast-models.yaml", kModels);
  }

  RunResult Load(const std::string& model, const std::string& file, bool full_dump = false) {
    std::vector<std::string> args = {"warehouse", "load", "--models", models_, "-m", model};
    if (full_dump) args.push_back("--full-dump");
    args.push_back(file);
    return RunSluice(args, url());
  }

  std::string models_;
};

TEST_F(WarehouseUserModels, UpsertsKeepsHistoryMarksDeletionsAndKeepsRejects) {
  RunResult init = RunSluice({"warehouse", "init", "--models", models_}, url());
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(init.out, "warehouse ready: tables podcasts episodes and load_rejects\n");
  EXPECT_EQ(Scalar("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY "
                   "ordinal_position) FROM information_schema.columns WHERE table_name = "
                   "'podcasts' AND table_schema = current_schema()"),
            "title text, minutes integer, host text, first_aired date, first_seen_at timestamp "
            "with time zone, updated_at timestamp with time zone, deleted_in_source_at timestamp "
            "with time zone");

  // CSV, headers in another case and order than declared.
  const std::string csv = WriteTempFile("podcasts.csv",
                                        "length,TITLE,host,first_aired\n"
                                        "30,Alpha,Ann,2024-01-02\n"
                                        "45,Beta,Bob,\n"
                                        "20,Gamma,,2023-05-06\n");
  RunResult first = Load("podcast", csv, true);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("3 records, 3 inserted, 0 updated, 0 unchanged, 0 rejected, 0 marked "
                           "deleted in source"),
            std::string::npos)
      << first.out;

  // JSON: Alpha changed, Beta the same, Delta new, Gamma gone from the full dump.
  const std::string json = WriteTempFile("podcasts.json", R"([
    {"meta": {"title": "Alpha"}, "minutes": 35, "hosts": [{"name": "Ann"}, {"name": "Cy"}],
     "episodes": [{"aired": "2024-01-02"}]},
    {"meta": {"title": "Beta"}, "minutes": 45, "hosts": [{"name": "Bob"}, {"name": "tbd"}]},
    {"meta": {"title": "Delta"}, "minutes": "12", "hosts": []}
  ])");
  RunResult second = Load("podcasts", json, true);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("3 records, 1 inserted, 1 updated, 1 unchanged, 0 rejected, 1 marked "
                            "deleted in source"),
            std::string::npos)
      << second.out;
  EXPECT_EQ(
      Scalar("SELECT string_agg(concat_ws('|', title, minutes, host, first_aired, "
             "deleted_in_source_at IS NOT NULL, updated_at > first_seen_at), ' / ' ORDER BY "
             "title) FROM podcasts"),
      "Alpha|35|Cy|2024-01-02|f|t / Beta|45|Bob|f|f / Delta|12|f|f / Gamma|20|2023-05-06|t|f");

  // A missing key, a value of the wrong type and a key in another letter case are rejected,
  // named by position and field; the rest loads.
  const std::string bad = WriteTempFile("bad.ndjson",
                                        "{\"meta\": {\"title\": \"Epsilon\"}, \"minutes\": 5}\n"
                                        "{\"meta\": {}, \"minutes\": 5}\n"
                                        "{\"meta\": {\"title\": \"Zeta\"}, \"minutes\": \"x\"}\n"
                                        "{\"Meta\": {\"title\": \"Eta\"}}\n");
  RunResult rejects = Load("podcast", bad);
  EXPECT_EQ(rejects.exit_code, 3) << rejects.err;
  EXPECT_NE(rejects.out.find("4 records, 1 inserted, 0 updated, 0 unchanged, 3 rejected"),
            std::string::npos)
      << rejects.out;
  EXPECT_EQ(Scalar("SELECT string_agg(concat_ws('|', model, position, reason), ' / ' ORDER BY id) "
                   "FROM load_rejects"),
            "podcast|line 2|title is missing; it is the key of podcasts / podcast|line 3|minutes "
            "is not an integer (32-bit) / podcast|line 4|key 'Meta' is the model's 'meta' in "
            "another letter case; JSON keys are matched exactly, so it would load as missing");
  EXPECT_EQ(Scalar("SELECT count(*) FROM podcasts"), "5");
}

TEST_F(WarehouseUserModels, AContentHashModelLoadsEachDistinctRecordOnce) {
  const std::string json = WriteTempFile(
      "episodes.json",
      R"([{"podcast": "Alpha", "stats": {"plays": 9000000000}, "aired_at": "2024-01-02T10:00:00+01:00"},
          {"podcast": "Alpha", "stats": {"plays": 9000000000}, "aired_at": "2024-01-02T09:00:00Z"},
          {"podcast": "Beta", "stats": {"plays": 3}}])");
  RunResult first = Load("episode", json);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // The same instant in two offsets is the same record.
  EXPECT_NE(first.out.find("3 records, 2 inserted, 0 updated, 0 unchanged, 0 rejected, 1 repeated"),
            std::string::npos)
      << first.out;
  RunResult again = Load("episode", json);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 inserted, 0 updated, 2 unchanged"), std::string::npos) << again.out;
  EXPECT_EQ(Scalar("SELECT string_agg(podcast || '|' || plays, ' / ' ORDER BY podcast) FROM "
                   "episodes WHERE content_hash IS NOT NULL"),
            "Alpha|9000000000 / Beta|3");
}

TEST_F(WarehouseUserModels, APipelineFileRunsAUserModel) {
  const std::string csv = WriteTempFile("p.csv", "Title,Length,host,first_aired\nAlpha,30,Ann,\n");
  const std::string pipeline = WriteTempFile("podcasts.yaml",
                                             "job:\n  warehouse-load:\n"
                                             "    pg: ${SLUICE_PG_URL}\n"
                                             "    models: " +
                                                 models_ +
                                                 "\n"
                                                 "    model: podcast\n"
                                                 "    files: [" +
                                                 csv + "]\n");
  RunResult run = RunSluice({"run", pipeline}, url());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Scalar("SELECT title || '|' || minutes || '|' || host FROM podcasts"), "Alpha|30|Ann");
}

TEST_F(WarehouseUserModels, AModelsFileWithErrorsIsUsageAndTouchesNothing) {
  const std::string bad = WriteTempFile("bad-models.yaml", R"(models:
  - name: podcast
    table: podcasts
    key: [titel]
    fields:
      - {column: title, type: strin}
)");
  const std::string csv = WriteTempFile("p.csv", "title\nA\n");
  RunResult load = RunSluice({"warehouse", "load", "--models", bad, "-m", "podcast", csv}, url());
  EXPECT_EQ(load.exit_code, 2);
  EXPECT_EQ(load.err, bad +
                          ":4:11: models[0].key[0]: 'titel' is not a field of this model (did "
                          "you mean title?)\n" +
                          bad +
                          ":6:31: models[0].fields[0].type: 'strin' is not one of text, "
                          "integer, bigint, double, date, timestamptz\n");
  RunResult unknown =
      RunSluice({"warehouse", "load", "--models", models_, "-m", "podcst", csv}, url());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown model 'podcst' in " + models_ + " (did you mean podcast?)"),
            std::string::npos)
      << unknown.err;
  // The built-in models are not in a file that does not declare them.
  RunResult builtin =
      RunSluice({"warehouse", "load", "--models", models_, "-m", "movie", csv}, url());
  EXPECT_EQ(builtin.exit_code, 2);
  EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                   "current_schema()"),
            "0");
}

// A model declared anew over a table made for its earlier declaration: the load names every
// difference before writing anything, and the statement that adds a missing column; Sluice never
// alters a table itself. Once the column is added, the load goes on as before.
TEST_F(WarehouseUserModels, ATableMadeForAnEarlierDeclarationIsNamedNotAltered) {
  const std::string before = WriteTempFile("v1.yaml", R"(models:
  - {name: show, table: shows, key: [title], fields: [{column: title, type: text}]})");
  const std::string after = WriteTempFile("v2.yaml", R"(models:
  - name: show
    table: shows
    key: [title]
    fields:
      - {column: title, type: text}
      - {column: seasons, type: integer}
)");
  const std::string v1 = WriteTempFile("v1.csv", "title\nA\n");
  const std::string v2 = WriteTempFile("v2.csv", "title,seasons\nA,2\nB,1\n");
  ASSERT_EQ(RunSluice({"warehouse", "load", "--models", before, "-m", "show", v1}, url()).exit_code,
            0);
  RunResult stale = RunSluice({"warehouse", "load", "--models", after, "-m", "show", v2}, url());
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("table shows does not match model show: it has no column \"seasons\" "
                           "(integer). It was made for another declaration of the model, or "
                           "another model; a missing column can be added with ALTER TABLE "
                           "\"shows\" ADD COLUMN \"seasons\" integer"),
            std::string::npos)
      << stale.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM load_rejects"), "0");
  ASSERT_TRUE(conn().Exec("ALTER TABLE \"shows\" ADD COLUMN \"seasons\" integer", "alter").ok());
  RunResult loaded = RunSluice({"warehouse", "load", "--models", after, "-m", "show", v2}, url());
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_EQ(Scalar("SELECT string_agg(title || '|' || coalesce(seasons::text, '-') || '|' || "
                   "(updated_at > first_seen_at), ' ' ORDER BY title) FROM shows"),
            "A|2|true B|1|false");
  // Another key, a column of another type, and a NOT NULL column the model does not fill.
  ASSERT_TRUE(conn()
                  .Exec("CREATE TABLE other (title integer, extra text NOT NULL, first_seen_at "
                        "timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL "
                        "DEFAULT now(), deleted_in_source_at timestamptz, seasons integer "
                        "PRIMARY KEY)",
                        "create")
                  .ok());
  const std::string other = WriteTempFile("v3.yaml", R"(models:
  - name: show
    table: other
    key: [title]
    fields:
      - {column: title, type: text}
      - {column: seasons, type: integer}
)");
  RunResult wrong = RunSluice({"warehouse", "load", "--models", other, "-m", "show", v2}, url());
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("table other does not match model show: column \"title\" is integer, "
                           "the model's is text; column \"extra\" is NOT NULL without a "
                           "default, which the model does not fill; its primary key is on "
                           "\"seasons\", the model's key is \"title\". It was made"),
            std::string::npos)
      << wrong.err;
}

// A content-hash model's key is a hash of all its fields: a field added to the model changes
// every row's key, so no ALTER TABLE is offered (the rows would load again beside the old ones);
// the refusal says to load into a new table or drop and reload. A view is named as one.
TEST_F(WarehouseUserModels, AFieldAddedToAContentHashModelIsRefusedWithoutAnAlterTable) {
  const std::string before = WriteTempFile("h1.yaml", R"(models:
  - name: event
    table: day_events
    key: content-hash
    fields: [{column: day, type: date}, {column: kind, type: text}])");
  const std::string after = WriteTempFile("h2.yaml", R"(models:
  - name: event
    table: day_events
    key: content-hash
    fields: [{column: day, type: date}, {column: kind, type: text}, {column: n, type: bigint}])");
  const std::string csv = WriteTempFile("h.csv", "day,kind\n2024-01-01,a\n2024-01-02,b\n");
  ASSERT_EQ(
      RunSluice({"warehouse", "load", "--models", before, "-m", "event", csv}, url()).exit_code, 0);
  RunResult stale = RunSluice({"warehouse", "load", "--models", after, "-m", "event", csv}, url());
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("table day_events does not match model event: it has no column \"n\" "
                           "(bigint). It was made for another declaration of the model, or "
                           "another model. Model event's key is content-hash, a hash of all its "
                           "fields, so a field added or taken out (\"n\") changes the key of "
                           "every row"),
            std::string::npos)
      << stale.err;
  EXPECT_NE(stale.err.find("Give the model a new table (its table: in the models file) and load "
                           "every file into it, or drop table day_events (DROP TABLE "
                           "\"day_events\") and load every file again"),
            std::string::npos)
      << stale.err;
  EXPECT_EQ(stale.err.find("ADD COLUMN"), std::string::npos) << stale.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM day_events"), "2");

  // A field taken out is the same change of every key.
  ASSERT_TRUE(conn().Exec("ALTER TABLE day_events ADD COLUMN n bigint", "alter").ok());
  RunResult fewer = RunSluice({"warehouse", "load", "--models", before, "-m", "event", csv}, url());
  EXPECT_EQ(fewer.exit_code, 1);
  EXPECT_NE(fewer.err.find("column \"n\" is not a field of the model"), std::string::npos)
      << fewer.err;
  EXPECT_EQ(fewer.err.find("ADD COLUMN"), std::string::npos) << fewer.err;

  // As told: drop the table and load again, and every row is there once.
  ASSERT_TRUE(conn().Exec("DROP TABLE day_events", "drop").ok());
  // A content-hash model's file carries every column (each is part of the key).
  const std::string with_n = WriteTempFile("hn.csv", "day,kind,n\n2024-01-01,a,\n2024-01-02,b,\n");
  RunResult reloaded =
      RunSluice({"warehouse", "load", "--models", after, "-m", "event", with_n}, url());
  ASSERT_EQ(reloaded.exit_code, 0) << reloaded.err;
  EXPECT_EQ(Scalar("SELECT count(*) || ' ' || count(DISTINCT (day, kind)) FROM day_events"), "2 2");

  // A view of the model's name is not a table: no ALTER TABLE could make it one.
  ASSERT_TRUE(conn()
                  .Exec("ALTER TABLE day_events RENAME TO day_events_t; CREATE VIEW day_events "
                        "AS SELECT day, kind, first_seen_at FROM day_events_t",
                        "view")
                  .ok());
  RunResult view =
      RunSluice({"warehouse", "load", "--models", after, "-m", "event", with_n}, url());
  EXPECT_EQ(view.exit_code, 1);
  EXPECT_NE(view.err.find("day_events is a view, not a table"), std::string::npos) << view.err;
  EXPECT_EQ(view.err.find("ALTER TABLE"), std::string::npos) << view.err;
}

// `warehouse models` lists a file's models, or the statements init runs, without a server; a
// file with errors is exit status 2 with every error.
TEST_F(WarehouseUserModels, ModelsListsAndChecksAFileWithoutAServer) {
  RunResult list = RunSluice({"warehouse", "models", "--models", models_}, "");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "podcast: table podcasts, key title\n"
            "  title        text     csv Title        json meta.title\n"
            "  minutes      integer  csv Length       json minutes\n"
            "  host         text     csv host         json hosts[].name, pick last, skip [tbd]\n"
            "  first_aired  date     csv first_aired  json episodes[0].aired\n"
            "\n"
            "episode: table episodes, key content_hash (a hash of the values)\n"
            "  podcast   text         csv podcast   json podcast\n"
            "  plays     bigint       csv plays     json stats.plays\n"
            "  aired_at  timestamptz  csv aired_at  json aired_at\n");
  RunResult sql = RunSluice({"warehouse", "models", "--models", models_, "--sql"}, "");
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(sql.out.find("CREATE TABLE IF NOT EXISTS \"episodes\" (\n  \"podcast\" text,\n"),
            std::string::npos)
      << sql.out;
  EXPECT_NE(sql.out.find("CREATE TABLE IF NOT EXISTS load_rejects"), std::string::npos);
  const std::string bad = WriteTempFile("bad.yaml", "models:\n  - {name: x}\n");
  RunResult broken = RunSluice({"warehouse", "models", "--models", bad}, "");
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_EQ(broken.out, "");
  EXPECT_NE(broken.err.find(bad + ":2:5: models[0]: no table"), std::string::npos) << broken.err;
}

// The worked example of docs/warehouse-models.md: examples/warehouse-podcasts.yaml loads a vendor
// dump into the podcast model of examples/warehouse-podcast-models.yaml, which it names by a path
// relative to itself: found beside it whatever the working directory.
TEST_F(WarehouseUserModels, TheExamplePodcastPipelineLoadsAVendorDump) {
  const std::string examples = std::string(SLUICE_TESTS_DIR) + "/../examples/";
  const std::string dump = WriteTempFile("podcasts.json", R"([
    {"id": "pc-001", "attributes": {"title": "Night Signals", "language": "en"},
     "stats": {"episodes": 212, "listeners": 5300000000},
     "hosts": [{"name": "TBA"}, {"name": "Ann Lee"}, {"name": ""}],
     "feeds": [{"url": "https://example.com/rss", "updated": "2024-05-01T06:00:00+02:00"}]},
    {"id": "pc-002", "attributes": {"title": "Quiet Hours"}, "stats": {"episodes": "many"}}])");
  setenv("PODCASTS_FILE", dump.c_str(), 1);
  RunResult validate = RunSluice({"validate", examples + "warehouse-podcasts.yaml"}, url());
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  RunResult run = RunSluice({"run", examples + "warehouse-podcasts.yaml"}, url());
  unsetenv("PODCASTS_FILE");
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(Scalar("SELECT concat_ws('|', podcast_id, title, language, episodes, listeners, host, "
                   "feed_updated_at AT TIME ZONE 'UTC') FROM podcasts"),
            "pc-001|Night Signals|en|212|5300000000|Ann Lee|2024-05-01 04:00:00");
  EXPECT_EQ(Scalar("SELECT model || '|' || position || '|' || reason FROM load_rejects"),
            "podcast|index 1|episodes is not an integer (32-bit)");
}

// `sluice validate` reads the models file a warehouse-load job names, without any server: its
// errors at their own positions, an unknown model at the pipeline's `model` value.
TEST_F(WarehouseUserModels, ValidateChecksTheModelsFileAndTheModel) {
  const std::string bad = WriteTempFile("bad-models.yaml", "models:\n  - name: podcast\n");
  const auto pipeline = [](const std::string& models, const std::string& model) {
    return WriteTempFile("p.yaml", "job:\n  warehouse-load:\n    models: " + models +
                                       "\n    model: " + model + "\n    files: [x.csv]\n");
  };
  const std::string bad_file = pipeline(bad, "podcast");
  RunResult broken = RunSluice({"validate", bad_file}, url());
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_EQ(broken.err,
            bad + ":2:5: models[0]: no table: a model has name, table, key and fields\n" + bad +
                ":2:5: models[0]: no fields: a model has name, table, key and fields\n" + bad +
                ":2:5: models[0]: no key: give key: [FIELD, ...] (a natural key) or key: "
                "content-hash\n");
  const std::string typo = pipeline(models_, "podcst");
  RunResult unknown = RunSluice({"validate", typo}, url());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, typo + ":4:12: job.warehouse-load.model: unknown model 'podcst' in " +
                             models_ + " (did you mean podcast?)\n");
  RunResult sound = RunSluice({"validate", pipeline(models_, "episodes")}, url());
  EXPECT_EQ(sound.exit_code, 0) << sound.err;
  // A models file replaces the built-in models: movie is not one of its models.
  const std::string builtin = pipeline(models_, "movie");
  EXPECT_EQ(RunSluice({"validate", builtin}, url()).exit_code, 2);
}

}  // namespace
}  // namespace sluice
