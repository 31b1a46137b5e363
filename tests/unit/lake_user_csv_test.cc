// A user's CSV object: the reference layout, its variations, and every way it can be wrong,
// each a reject that names the place and never the value.
#include <gtest/gtest.h>

#include "jobs/lake/user_csv.h"

namespace sluice::lake {
namespace {

TEST(LakeUserCsv, ReadsTheReferenceLayout) {
  auto user = ParseUserCsv(1000, "first_name, last_name, birthts\nSusan, Lee, 612302400000\n");
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->user_id, 1000);
  EXPECT_EQ(user->first_name, "Susan");
  EXPECT_EQ(user->last_name, "Lee");
  EXPECT_EQ(user->birth_ms, 612302400000);
  EXPECT_TRUE(user->img_path.empty());
}

TEST(LakeUserCsv, ToleratesCrlfNoFinalNewlineOtherOrderAndQuotedNames) {
  auto user = ParseUserCsv(
      7, "birthts,first_name,last_name\r\n-86400000,\"O'Neil, Jr.\",\"Żółć \"\"Q\"\"\"");
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->birth_ms, -86400000);
  EXPECT_EQ(user->first_name, "O'Neil, Jr.");
  EXPECT_EQ(user->last_name, "Żółć \"Q\"");
  // Blank lines after the row are not rows.
  EXPECT_TRUE(ParseUserCsv(7, "first_name, last_name, birthts\nA, B, 1\n\n\n").ok());
}

void ExpectReject(std::string_view bytes, std::string_view reason) {
  auto user = ParseUserCsv(1, bytes);
  ASSERT_FALSE(user.ok()) << bytes;
  EXPECT_EQ(user.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(user.status().message().find(reason), std::string::npos)
      << "got: " << user.status().message();
  // Names are personal data: no reject quotes one.
  EXPECT_EQ(user.status().message().find("Susan"), std::string::npos) << user.status().message();
}

TEST(LakeUserCsv, RejectsNamePlacesAndReasonsNeverValues) {
  ExpectReject("", "empty");
  ExpectReject("\n\n", "only blanks");
  ExpectReject("first_name, last_name\nSusan, Lee\n", "no birthts column");
  ExpectReject("first_name, last_name, birthts, age\nSusan, Lee, 1, 2\n", "field 4");
  ExpectReject("first_name, first_name, birthts\nSusan, Lee, 1\n", "first_name twice");
  // A file without its header: the first row is not read as one, nor quoted.
  ExpectReject("Susan, Lee, 612302400000\n", "field 1 is not first_name");
  ExpectReject("first_name, last_name, birthts\n", "no data row");
  ExpectReject("first_name, last_name, birthts\nSusan, Lee, 1\nSusan, Lee, 2\n",
               "more than one data row (line 3");
  ExpectReject("first_name, last_name, birthts\nSusan, Lee\n", "line 2 has 2 field(s)");
  ExpectReject("first_name, last_name, birthts\nSusan, Lee, 6.1e11\n",
               "line 2, field 3: birthts is not a whole number");
  ExpectReject("first_name, last_name, birthts\nSusan, Lee, \n", "birthts is not a whole");
  ExpectReject("first_name, last_name, birthts\nSusan, Lee, 99999999999999999999\n",
               "birthts is not a whole");
  ExpectReject("first_name, last_name, birthts\nSusan, Lee, 253402300800000\n", "years 1 to 9999");
  ExpectReject("first_name, last_name, birthts\nSus\xE9n, Lee, 1\n",
               "line 2, byte 4: byte 0xE9 is not valid UTF-8");
  ExpectReject(std::string_view("first_name, last_name, birthts\nA\0B, Lee, 1\n", 43), "NUL");
  ExpectReject("first_name, last_name, birthts\n\"Susan, Lee, 1\n", "line 2");
}

TEST(LakeUserCsv, UserIdsComeFromPlainNames) {
  EXPECT_EQ(UserIdOf("1000.csv", ".csv"), std::optional<int64_t>(1000));
  EXPECT_EQ(UserIdOf("0.csv", ".csv"), std::optional<int64_t>(0));
  EXPECT_EQ(UserIdOf("1000.png", ".png"), std::optional<int64_t>(1000));
  EXPECT_EQ(UserIdOf("9223372036854775807.csv", ".csv"), std::optional<int64_t>(INT64_MAX));
  for (std::string_view name :
       {"1000.png", "01000.csv", "-5.csv", "+5.csv", "10 00.csv", "abc.csv", ".csv", "sub/1000.csv",
        "1000.csv.bak", "9223372036854775808.csv", "1000.CSV", "١٢.csv"}) {
    EXPECT_FALSE(UserIdOf(name, ".csv").has_value()) << name;
  }
}

}  // namespace
}  // namespace sluice::lake
