// How one row of the report window counts: ids our types cannot hold are unknown users, dates
// no day can hold are errors naming the table, the row's key, the column and the value.
#include <gtest/gtest.h>

#include "core/time_parse.h"
#include "jobs/report/completion_row.h"

namespace sluice::report {
namespace {

class CompletionRowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(ParseDate("2023-08-24", &first_day_, &error));
  }
  // The row, or the error it makes when its key is `key`.
  Result<CompletionRow> Read(std::optional<std::string_view> user_id,
                             std::optional<std::string_view> date, std::string_view key = "17") {
    CompletionRow row;
    auto bad = ReadCompletionRow(user_id, date, first_day_, 30, &row);
    if (bad) return BadCompletionError("lesson_completion", key, *bad);
    return row;
  }
  int32_t first_day_ = 0;
};

TEST_F(CompletionRowTest, IdsInsideInt64AreUsersIdsBeyondItAreUnknown) {
  auto r = Read("42", "2023-09-22");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->user_id_fits);
  EXPECT_EQ(r->user_id, 42);
  EXPECT_EQ(r->day, 29u);
  EXPECT_EQ(Read("9223372036854775807", "2023-08-24")->user_id, INT64_MAX);
  EXPECT_EQ(Read("-9223372036854775808", "2023-08-24")->user_id, INT64_MIN);
  EXPECT_EQ(Read("-5", "2023-08-24")->user_id, -5);
  // BIGINT UNSIGNED above 2^63 - 1, and beyond 64 bits (a DECIMAL): no PostgreSQL integer.
  for (std::string_view big : {"9223372036854775808", "18446744073709551615",
                               "-9223372036854775809", "123456789012345678901234567890"}) {
    auto u = Read(big, "2023-08-30");
    ASSERT_TRUE(u.ok()) << big;
    EXPECT_FALSE(u->user_id_fits) << big;
  }
  // A NULL user_id is no user's either.
  auto n = Read(std::nullopt, "2023-08-30");
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(n->user_id_fits);
}

TEST_F(CompletionRowTest, AUserIdThatIsNotAnIntegerNamesTheRow) {
  for (std::string_view bad : {"1.5", "abc", "", " 7", "1e3", "+3"}) {
    auto r = Read(bad, "2023-09-01");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "lesson_completion row completion_id=17: user_id '" +
                                        std::string(bad) + "' is not an integer");
  }
}

TEST_F(CompletionRowTest, DatesNoDayCanHoldNameTheRowColumnAndValue) {
  // MySQL's default mode stores zero days and months; ALLOW_INVALID_DATES stores Feb 30.
  for (std::string_view bad :
       {"2023-09-00", "2023-00-05", "2023-02-30", "0000-00-00", "2023-9-5"}) {
    auto r = Read("1", bad, "18446744073709551615");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("lesson_completion row completion_id=18446744073709551615: "
                                        "completion_date '" +
                                        std::string(bad) + "' is not a calendar day"),
              std::string::npos)
        << r.status().message();
  }
  auto null_date = Read("1", std::nullopt, "");
  ASSERT_FALSE(null_date.ok());
  EXPECT_NE(null_date.status().message().find("completion_id=?: completion_date 'NULL'"),
            std::string::npos)
      << null_date.status().message();
  // A DATETIME column counts by its date.
  EXPECT_EQ(Read("1", "2023-08-25 23:59:59")->day, 1u);
}

TEST_F(CompletionRowTest, ADateOutsideTheWindowIsAnErrorNotAWildDay) {
  for (std::string_view outside : {"2023-08-23", "2023-09-23", "9999-12-31"}) {
    auto r = Read("1", outside);
    ASSERT_FALSE(r.ok()) << outside;
    EXPECT_NE(r.status().message().find("outside the window"), std::string::npos);
  }
}

TEST_F(CompletionRowTest, ShownValuesAreCutShortAndPrintable) {
  auto r = Read(std::string(100, '9') + "x", "2023-09-01");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(std::string(40, '9') + "...'"), std::string::npos);
  auto c = Read("1\n2", "2023-09-01");
  EXPECT_NE(c.status().message().find("'1?2'"), std::string::npos);
}

TEST(SplitCompletionIds, CoversTheKeysOnceWhateverTheirType) {
  EXPECT_EQ(SplitCompletionIds("1", "10", 2),
            (std::vector<std::string>{"completion_id BETWEEN 1 AND 5",
                                      "completion_id BETWEEN 6 AND 10"}));
  // More readers than keys: no empty or inverted ranges.
  EXPECT_EQ(SplitCompletionIds("7", "7", 3),
            (std::vector<std::string>{"completion_id BETWEEN 7 AND 7"}));
  EXPECT_EQ(SplitCompletionIds("1", "2", 3).size(), 2u);
  // The whole signed range, without overflow.
  EXPECT_EQ(SplitCompletionIds("-9223372036854775808", "9223372036854775807", 2),
            (std::vector<std::string>{"completion_id BETWEEN -9223372036854775808 AND -1",
                                      "completion_id BETWEEN 0 AND 9223372036854775807"}));
  // BIGINT UNSIGNED above 2^63.
  EXPECT_EQ(SplitCompletionIds("1", "18446744073709551615", 2),
            (std::vector<std::string>{"completion_id BETWEEN 1 AND 9223372036854775808",
                                      "completion_id BETWEEN 9223372036854775809 AND "
                                      "18446744073709551615"}));
  EXPECT_EQ(SplitCompletionIds("0", "18446744073709551615", 3).back(),
            "completion_id BETWEEN 12297829382473034412 AND 18446744073709551615");
  // Not integers, or beyond 64 bits: one reader reads everything.
  EXPECT_TRUE(SplitCompletionIds("a", "b", 2).empty());
  EXPECT_TRUE(SplitCompletionIds("1", "99999999999999999999", 2).empty());
  EXPECT_TRUE(SplitCompletionIds("5", "1", 2).empty());
}

}  // namespace
}  // namespace sluice::report
