#include "core/batch.h"

#include <gtest/gtest.h>

#include "core/time_parse.h"

namespace sluice {
namespace {

TEST(Batch, ParsesTypedValuesAndNulls) {
  Batch b({{"t", ColumnType::kText},
           {"i", ColumnType::kInt32},
           {"f", ColumnType::kFloat64},
           {"d", ColumnType::kDate},
           {"ts", ColumnType::kTimestamptz}});
  std::string error;
  ASSERT_TRUE(b.column(0).AppendParsed("x", &error));
  ASSERT_TRUE(b.column(1).AppendParsed(" 42 ", &error));
  ASSERT_TRUE(b.column(2).AppendParsed("613.4245936603365", &error));
  ASSERT_TRUE(b.column(3).AppendParsed("2021-12-25", &error));
  ASSERT_TRUE(b.column(4).AppendParsed(std::nullopt, &error));
  EXPECT_EQ(b.num_rows(), 1u);
  EXPECT_EQ(b.column(0).Text(0), "x");
  EXPECT_EQ(b.column(1).Int(0), 42);
  EXPECT_DOUBLE_EQ(b.column(2).Float(0), 613.4245936603365);
  EXPECT_EQ(b.column(3).Int(0), DaysFromCivil(2021, 12, 25));
  EXPECT_TRUE(b.column(4).IsNull(0));
}

TEST(Batch, BadValuesSayWhyAndAppendNothing) {
  Column c(ColumnType::kInt32);
  std::string error;
  EXPECT_FALSE(c.AppendParsed("12abc", &error));
  EXPECT_EQ(error, "'12abc' is not an integer (32-bit)");
  EXPECT_FALSE(c.AppendParsed("99999999999", &error));
  EXPECT_EQ(c.size(), 0u);
  Column f(ColumnType::kFloat64);
  EXPECT_FALSE(f.AppendParsed("nan", &error));
  EXPECT_FALSE(f.AppendParsed("1.5.2", &error));
}

TEST(Batch, TextThatPostgreSqlCannotHoldIsRefused) {
  Column c(ColumnType::kText);
  std::string error;
  EXPECT_FALSE(c.AppendParsed(std::string_view("a\0b", 3), &error));
  EXPECT_EQ(error, "contains a NUL byte, which PostgreSQL text cannot hold");
  EXPECT_FALSE(c.AppendParsed("caf\xe9", &error));  // Latin-1, not UTF-8
  EXPECT_EQ(error, "is not valid UTF-8");
  EXPECT_TRUE(c.AppendParsed("caf\xc3\xa9", &error));
  EXPECT_EQ(c.size(), 1u);
}

TEST(Batch, RollbackRowUndoesAPartialRecord) {
  Batch b({{"a", ColumnType::kText}, {"b", ColumnType::kInt64}});
  std::string error;
  ASSERT_TRUE(b.column(0).AppendParsed("keep", &error));
  ASSERT_TRUE(b.column(1).AppendParsed("1", &error));
  ASSERT_TRUE(b.column(0).AppendParsed("drop", &error));
  ASSERT_FALSE(b.column(1).AppendParsed("x", &error));
  b.RollbackRow(1);
  EXPECT_EQ(b.num_rows(), 1u);
  ASSERT_TRUE(b.column(0).AppendParsed("next", &error));
  EXPECT_EQ(b.column(0).Text(1), "next");
}

}  // namespace
}  // namespace sluice
