#include "core/time_parse.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

int64_t Ts(const char* text) {
  int64_t v = 0;
  std::string error;
  EXPECT_TRUE(ParseTimestamp(text, &v, &error)) << text << ": " << error;
  return v;
}

TEST(TimeParse, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 1, 1), 10957);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2024, 3, 1) - DaysFromCivil(2024, 2, 28), 2);  // leap year
}

TEST(TimeParse, OffsetsKeepTheInstant) {
  EXPECT_EQ(Ts("2021-12-06T19:30:19.099+0100"), Ts("2021-12-06T18:30:19.099Z"));
  EXPECT_EQ(Ts("2021-12-06T19:30:19.099+01:00"), Ts("2021-12-06 18:30:19.099"));
  EXPECT_EQ(Ts("2021-12-06T19:30:19-05"), Ts("2021-12-07T00:30:19Z"));
  EXPECT_EQ(FormatTimestampUtc(Ts("2021-12-06T19:30:19.099+0100")), "2021-12-06T18:30:19.099000Z");
  EXPECT_EQ(FormatTimestampUtc(Ts("1956-05-07T00:00:00.000+0000")), "1956-05-07T00:00:00.000000Z");
  EXPECT_EQ(Ts("1970-01-01T00:00:00.000001Z"), 1);
}

TEST(TimeParse, FormatDateIsTheInverseOfDaysFromCivil) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(DaysFromCivil(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(FormatDate(DaysFromCivil(2023, 9, 23) - 30), "2023-08-24");
}

TEST(TimeParse, RejectsWhatIsNotATimestamp) {
  int64_t v;
  std::string error;
  for (const char* bad :
       {"", "2021-13-01T00:00:00Z", "2021-02-30T00:00:00Z", "2021-12-06", "2021-12-06T25:00:00Z",
        "2021-12-06T10:00:00+2", "2021-12-06T10:00:00x", "yesterday", "2021-12-06T10:00:00."}) {
    EXPECT_FALSE(ParseTimestamp(bad, &v, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(TimeParse, Dates) {
  int32_t d;
  std::string error;
  ASSERT_TRUE(ParseDate("1956-05-07T00:00:00.000+0000", &d, &error));
  EXPECT_EQ(d, DaysFromCivil(1956, 5, 7));
  ASSERT_TRUE(ParseDate("2042-08-07", &d, &error));
  EXPECT_FALSE(ParseDate("2042-8-7", &d, &error));
  EXPECT_NE(error.find("2042-8-7"), std::string::npos);
  EXPECT_FALSE(ParseDate("2042-08-07junk", &d, &error));
}

}  // namespace
}  // namespace sluice
