// Binary array parameters: what PostgreSQL reads back is exactly what the batch held.
#include <gtest/gtest.h>

#include "connectors/postgres/pg_binary_copy.h"
#include "support/test_env.h"

namespace sluice {
namespace {

class PgBinaryArrayTest : public testing::PgTest {
 protected:
  // Sends each column of `batch` as one array and returns the rows unnest() gives back, as
  // text, one "a|b|c" line per row ("∅" for null).
  std::vector<std::string> RoundTrip(const Batch& batch, const std::string& casts) {
    std::vector<std::string> params;
    for (size_t c = 0; c < batch.num_columns(); ++c)
      params.push_back(EncodePgBinaryArray(batch, c));
    std::string names;
    std::string coalesced;
    for (size_t c = 1; c <= batch.num_columns(); ++c) {
      const std::string name = "c" + std::to_string(c);
      names += (c > 1 ? ", " : "") + name;
      coalesced += (c > 1 ? ", coalesce(" : "coalesce(") + name + "::text, '∅')";
    }
    Status prepared = conn().Prepare(
        "round_trip",
        "SELECT concat_ws('|', " + coalesced + ") FROM unnest(" + casts + ") AS t(" + names + ")",
        "preparing");
    EXPECT_TRUE(prepared.ok()) << prepared.message();
    auto r = conn().ExecPrepared("round_trip", params, "round trip");
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> lines;
    if (!r.ok()) return lines;
    for (int row = 0; row < r->rows(); ++row)
      lines.emplace_back(r->Value(row, 0));
    return lines;
  }
};

TEST_F(PgBinaryArrayTest, EveryColumnTypeComesBackExactly) {
  Batch b({{"t", ColumnType::kText},
           {"i", ColumnType::kInt32},
           {"l", ColumnType::kInt64},
           {"f", ColumnType::kFloat64},
           {"d", ColumnType::kDate},
           {"ts", ColumnType::kTimestamptz}});
  b.column(0).AppendText("grüße, \"quoted\" | piped");
  b.column(1).AppendInt(-2);
  b.column(2).AppendInt(9007199254740993);
  b.column(3).AppendFloat(0.1);
  b.column(4).AppendInt(19623);             // 2023-09-23
  b.column(5).AppendInt(1695427200123456);  // 2023-09-23 00:00:00.123456 UTC
  b.column(0).AppendNull();
  b.column(1).AppendNull();
  b.column(2).AppendNull();
  b.column(3).AppendNull();
  b.column(4).AppendNull();
  b.column(5).AppendNull();
  ASSERT_TRUE(conn().Exec("SET TIME ZONE 'UTC'; SET extra_float_digits = 1", "session").ok());
  auto lines = RoundTrip(
      b, "$1::text[], $2::int4[], $3::int8[], $4::float8[], $5::date[], $6::timestamptz[]");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "grüße, \"quoted\" | piped|-2|9007199254740993|0.1|2023-09-23|2023-09-23 "
            "00:00:00.123456+00");
  EXPECT_EQ(lines[1], "∅|∅|∅|∅|∅|∅");
}

TEST_F(PgBinaryArrayTest, AnEmptyBatchIsAnEmptyArray) {
  Batch b({{"t", ColumnType::kText}, {"i", ColumnType::kInt32}});
  EXPECT_TRUE(RoundTrip(b, "$1::text[], $2::int4[]").empty());
  ASSERT_TRUE(conn().Prepare("size", "SELECT cardinality($1::int4[])", "preparing").ok());
  auto r = conn().ExecPrepared("size", {EncodePgBinaryArray(b, 1)}, "size");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->Value(0, 0), "0");
}

TEST_F(PgBinaryArrayTest, UuidsTravelAsTheirSixteenBytes) {
  Batch b({{"u", ColumnType::kUuid}});
  b.column(0).AppendText(
      std::string("\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef", 16));
  EXPECT_EQ(RoundTrip(b, "$1::uuid[]"),
            std::vector<std::string>{"12345678-9abc-def0-0123-456789abcdef"});
}

}  // namespace
}  // namespace sluice
