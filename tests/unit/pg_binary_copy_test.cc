#include "connectors/postgres/pg_binary_copy.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(PgBinaryCopy, EncodesHeaderRowsAndTrailer) {
  Batch b({{"t", ColumnType::kText},
           {"i", ColumnType::kInt32},
           {"d", ColumnType::kDate},
           {"ts", ColumnType::kTimestamptz}});
  b.column(0).AppendText("hi");
  b.column(1).AppendInt(-2);
  b.column(2).AppendInt(10957);  // 2000-01-01, PostgreSQL's day zero
  b.column(3).AppendNull();
  std::string out;
  PgBinaryCopyEncoder::AppendHeader(out);
  PgBinaryCopyEncoder::AppendRows(b, out);
  PgBinaryCopyEncoder::AppendTrailer(out);
  const std::string expected = std::string("PGCOPY\n\377\r\n\0", 11) + std::string(8, '\0') +
                               std::string("\0\4", 2) +                      // 4 fields
                               std::string("\0\0\0\2hi", 6) +                // text
                               std::string("\0\0\0\4\xff\xff\xff\xfe", 8) +  // int4 -2
                               std::string("\0\0\0\4\0\0\0\0", 8) +          // date 0
                               std::string("\xff\xff\xff\xff", 4) +          // null
                               std::string("\xff\xff", 2);                   // trailer
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace sluice
