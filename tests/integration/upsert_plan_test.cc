// The plans of the upsert sink's statements over a whole batch or table, at a size where a
// nested loop over the batch would take minutes: each is EXPLAINed (FORMAT JSON) just before it
// runs, and a Nested Loop node anywhere in it fails the test, with the plan in the message.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "connectors/postgres/pg_upsert_sink.h"
#include "jobs/warehouse/models.h"
#include "support/test_env.h"

namespace sluice {
namespace {

using sluice::testing::PgTest;

constexpr int kRows = 100000;

// Node types found anywhere under `plan` (a "Plan" object of EXPLAIN's JSON).
void CollectNodeTypes(simdjson::dom::element plan, std::vector<std::string>* out) {
  std::string_view type;
  if (!plan["Node Type"].get_string().get(type)) out->emplace_back(type);
  simdjson::dom::array children;
  if (plan["Plans"].get_array().get(children)) return;
  for (simdjson::dom::element child : children)
    CollectNodeTypes(child, out);
}

class UpsertPlans : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(conn().Exec(warehouse::CreateTableSql(model()), "creating streams").ok());
  }

  static const warehouse::Model& model() { return *warehouse::FindModel("stream"); }

  // Appends rows in the streams load schema; every `repeat_every`th row repeats the key of the
  // row before it with other content, and `salt` changes every row's content (not its key).
  static void AppendRows(Batch& batch, int first, int count, int repeat_every,
                         const std::string& salt) {
    std::string error;
    for (int i = first; i < first + count; ++i) {
      const int id = repeat_every > 0 && i % repeat_every == 0 ? i - 1 : i;
      EXPECT_TRUE(batch.column(0).AppendParsed("Movie " + std::to_string(id % 90), &error));
      EXPECT_TRUE(batch.column(1).AppendParsed("u" + std::to_string(i) + salt + "@x", &error));
      EXPECT_TRUE(batch.column(2).AppendParsed(std::to_string(i % 3000), &error));
      EXPECT_TRUE(batch.column(3).AppendParsed("2021-12-06T19:30:19+01:00", &error));
      EXPECT_TRUE(batch.column(4).AppendParsed("2021-12-06T21:30:19+01:00", &error));
      std::string key(16, '\0');
      for (int b = 0; b < 4; ++b)
        key[b] = static_cast<char>((id >> (8 * b)) & 0xff);
      batch.column(5).AppendText(key);
    }
  }

  static Batch Rows(int first, int count, int repeat_every, const std::string& salt) {
    Batch batch(model().LoadSchema());
    AppendRows(batch, first, count, repeat_every, salt);
    return batch;
  }

  // Loads the rows through the sink, EXPLAINing every bulk statement it runs; returns the
  // statistics and the statements explained.
  MergeStats Load(const Batch& rows, bool full_dump, int* explained) {
    PgUpsertSink::Options options;
    options.full_dump = full_dump;
    options.before_bulk_statement = [&](std::string_view sql) -> Status {
      ++*explained;
      auto plan = conn().Query("EXPLAIN (FORMAT JSON) " + std::string(sql), "explaining");
      if (!plan.ok()) return plan.status();
      std::string text(plan->Value(0, 0));
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      EXPECT_EQ(parser.parse(text).get(root), simdjson::SUCCESS) << text;
      std::vector<std::string> types;
      for (simdjson::dom::element statement : root.get_array())
        CollectNodeTypes(statement["Plan"].value(), &types);
      EXPECT_FALSE(types.empty()) << text;
      for (const auto& t : types) {
        EXPECT_NE(t, "Nested Loop") << "a nested loop over " << kRows << " rows in:\n"
                                    << sql << "\n"
                                    << text;
      }
      return Status::Ok();
    };
    UpsertTarget target{model().table, model().LoadSchema(), model().KeyColumns()};
    auto sink = PgUpsertSink::Begin(&conn(), target, options);
    EXPECT_TRUE(sink.ok()) << sink.status().message();
    if (!sink.ok()) return {};
    EXPECT_TRUE((*sink)->Write(rows).ok());
    auto stats = (*sink)->Finish();
    EXPECT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_TRUE((*sink)->Commit().ok());
    return stats.ok() ? *stats : MergeStats{};
  }
};

TEST_F(UpsertPlans, NoStatementOverTheBatchIsANestedLoop) {
  // First load with 1% repeated keys: the direct path de-duplicates the table itself.
  int explained = 0;
  MergeStats first = Load(Rows(1, kRows, 100, "a"), false, &explained);
  EXPECT_TRUE(first.direct_load);
  EXPECT_EQ(first.duplicates, static_cast<uint64_t>(kRows / 100));
  EXPECT_EQ(explained, 1);  // the de-duplication
  EXPECT_EQ(Scalar("SELECT count(*) FROM streams"), std::to_string(kRows - kRows / 100));
  // The last row of a repeated key won: row 100 repeats row 99's key.
  EXPECT_EQ(Scalar("SELECT string_agg(user_email, ',') FROM streams "
                   "WHERE user_email IN ('u99a@x', 'u100a@x')"),
            "u100a@x");

  // A full-dump re-load: half the rows changed, a tenth gone, 1% repeated in the batch.
  explained = 0;
  Batch both = Rows(kRows / 10, kRows / 2, 100, "b");
  AppendRows(both, kRows / 10 + kRows / 2, kRows - kRows / 10 - kRows / 2 + 1, 100, "a");
  MergeStats reload = Load(both, true, &explained);
  EXPECT_FALSE(reload.direct_load);
  EXPECT_EQ(explained, 3);  // de-duplication, merge, marking
  EXPECT_GT(reload.updated, 0u);
  EXPECT_GT(reload.marked_deleted, 0u);

  // The marked keys come back (unmarking happens in the merge).
  explained = 0;
  MergeStats back = Load(Rows(1, kRows, 100, "a"), true, &explained);
  EXPECT_EQ(explained, 3);
  EXPECT_EQ(back.marked_deleted, 0u);
  EXPECT_EQ(Scalar("SELECT count(*) FROM streams WHERE deleted_in_source_at IS NOT NULL"), "0");

  // A clean re-load skips the de-duplication: nothing is repeated.
  explained = 0;
  MergeStats clean = Load(Rows(1, kRows / 2, 0, "c"), false, &explained);
  EXPECT_EQ(explained, 1);  // the merge
  EXPECT_EQ(clean.duplicates, 0u);
  EXPECT_EQ(clean.inserted + clean.updated, static_cast<uint64_t>(kRows / 2));
}

}  // namespace
}  // namespace sluice
