// COPY's text format, as PostgreSQL writes it (tab-separated, backslash escapes, \N for null).
#include <gtest/gtest.h>

#include "connectors/postgres/pg_connection.h"

namespace sluice {
namespace {

using Fields = std::vector<std::optional<std::string>>;

TEST(DecodeCopyTextRow, UndoesEscapesAndKnowsNullFromEmpty) {
  Fields f;
  DecodeCopyTextRow("42\ta\\tb\\nc\\\\d\t\\N\t\tend\\", &f);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0], "42");
  EXPECT_EQ(f[1], "a\tb\nc\\d");
  EXPECT_FALSE(f[2].has_value());
  EXPECT_EQ(f[3], "");
  EXPECT_EQ(f[4], "end\\");  // a lone trailing backslash stays
}

TEST(DecodeCopyTextRow, ARowReusingTheVectorLeavesNothingOfTheLastOne) {
  Fields f;
  DecodeCopyTextRow("a rather long first value that needs the heap\tx\ty", &f);
  ASSERT_EQ(f.size(), 3u);
  DecodeCopyTextRow("\\N\tb", &f);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_FALSE(f[0].has_value());
  EXPECT_EQ(f[1], "b");
  DecodeCopyTextRow("c\t\\N\t\\r", &f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], "c");
  EXPECT_FALSE(f[1].has_value());
  EXPECT_EQ(f[2], "\r");
}

// PostgreSQL docs, Appendix A: only what may succeed when run again is transient.
TEST(IsTransientSqlState, OnlyWhatARetryMayCure) {
  for (const char* state : {"08000", "08003", "08006", "08001", "08P01", "40001", "40P01", "53000",
                            "53100", "53200", "53300", "57P01", "57P02", "57P03", "55P03"}) {
    EXPECT_TRUE(IsTransientSqlState(state)) << state;
  }
  for (const char* state :
       {"42501", "42P01", "42703", "42601", "22001", "22P02", "23505", "23502", "28P01", "28000",
        "57014", "57P04", "55000", "55006", "40002", "25P02", "XX000", "",      "08",    "0800"}) {
    EXPECT_FALSE(IsTransientSqlState(state)) << state;
  }
}

}  // namespace
}  // namespace sluice
