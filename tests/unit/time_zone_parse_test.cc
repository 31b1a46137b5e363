// Timestamps naming an IANA zone, and naive timestamps taken in a --timezone, through the
// system's tz database (core/time_parse.h): the instant, the DST gap refused naming the zone,
// the DST overlap taken at its earlier instant, an unknown name refused.
#include <gtest/gtest.h>

#include <string>

#include "core/time_parse.h"

namespace sluice {
namespace {

std::string ZoneParsed(std::string_view text) {
  int64_t micros = 0;
  std::string error;
  if (!ParseTimestamp(text, &micros, &error)) return "error: " + error;
  return FormatTimestampUtc(micros);
}

TEST(TimeZoneParse, AZoneNameAfterTheTimeGivesItsInstant) {
  EXPECT_EQ(ZoneParsed("2021-12-06T20:30:19 Europe/Paris"), "2021-12-06T19:30:19.000000Z");
  EXPECT_EQ(ZoneParsed("2021-12-06 20:30:19 America/New_York"), "2021-12-07T01:30:19.000000Z");
  EXPECT_EQ(ZoneParsed("2021-07-01T12:00:00.25 Europe/Paris"), "2021-07-01T10:00:00.250000Z");
  EXPECT_EQ(ZoneParsed("2021-07-01T12:00 UTC"), "2021-07-01T12:00:00.000000Z");
  EXPECT_EQ(ZoneParsed("2021-07-01T12:00:00 Asia/Kolkata"), "2021-07-01T06:30:00.000000Z");
}

TEST(TimeZoneParse, NumericOffsetsAndNaiveTimesAreUnchanged) {
  EXPECT_EQ(ZoneParsed("2021-12-06T20:30:19+01:00"), "2021-12-06T19:30:19.000000Z");
  EXPECT_EQ(ZoneParsed("2021-12-06T20:30:19Z"), "2021-12-06T20:30:19.000000Z");
  EXPECT_EQ(ZoneParsed("2021-12-06T20:30:19"), "2021-12-06T20:30:19.000000Z");
}

TEST(TimeZoneParse, AWallClockTimeTheClocksSkippedIsRefusedNamingTheZone) {
  const std::string got = ZoneParsed("2021-03-28T02:30:00 Europe/Paris");
  EXPECT_NE(got.find("error: '2021-03-28T02:30:00 Europe/Paris': that wall-clock time does not "
                     "exist in Europe/Paris"),
            std::string::npos)
      << got;
}

TEST(TimeZoneParse, AnAmbiguousWallClockTimeIsTakenAtItsEarlierInstant) {
  // 02:30 on 31 October 2021 happened twice in Paris: first at +02:00, then at +01:00.
  EXPECT_EQ(ZoneParsed("2021-10-31T02:30:00 Europe/Paris"), "2021-10-31T00:30:00.000000Z");
  EXPECT_EQ(ZoneParsed("2021-11-07 01:30:00 America/New_York"), "2021-11-07T05:30:00.000000Z");
}

TEST(TimeZoneParse, AnUnknownZoneIsRefusedSayingWhereZonesComeFrom) {
  const std::string got = ZoneParsed("2021-12-06T20:30:19 Mars/Olympus_Mons");
  EXPECT_NE(got.find("'Mars/Olympus_Mons' is no time zone"), std::string::npos) << got;
  EXPECT_EQ(ZoneParsed("2021-12-06T20:30:19 Europe/Paris ").substr(0, 6), "error:");
  EXPECT_EQ(ZoneParsed("2021-12-06T20:30:19  Europe/Paris").substr(0, 6), "error:");
}

TEST(TimeZoneParse, ANaiveTimestampIsTakenInTheGivenZone) {
  TimeZone paris;
  std::string error;
  ASSERT_TRUE(FindTimeZone("Europe/Paris", &paris, &error)) << error;
  int64_t micros = 0;
  ASSERT_TRUE(ParseTimestampIn("2021-12-06T20:30:19.5", &paris, &micros, &error)) << error;
  EXPECT_EQ(FormatTimestampUtc(micros), "2021-12-06T19:30:19.500000Z");
  // Its own offset or zone wins over the given one.
  ASSERT_TRUE(ParseTimestampIn("2021-12-06T20:30:19Z", &paris, &micros, &error));
  EXPECT_EQ(FormatTimestampUtc(micros), "2021-12-06T20:30:19.000000Z");
  ASSERT_TRUE(ParseTimestampIn("2021-12-06 20:30:19 America/New_York", &paris, &micros, &error));
  EXPECT_EQ(FormatTimestampUtc(micros), "2021-12-07T01:30:19.000000Z");
  EXPECT_FALSE(ParseTimestampIn("2021-03-28T02:30:00", &paris, &micros, &error));
  EXPECT_NE(error.find("does not exist in Europe/Paris"), std::string::npos) << error;
  ASSERT_TRUE(ParseTimestampIn("2021-12-06T20:30:19", nullptr, &micros, &error));
  EXPECT_EQ(FormatTimestampUtc(micros), "2021-12-06T20:30:19.000000Z");
  EXPECT_FALSE(FindTimeZone("Not/AZone", &paris, &error));
}

}  // namespace
}  // namespace sluice
