#include "formats/csv_writer.h"

#include <gtest/gtest.h>

#include "formats/csv_reader.h"

namespace sluice {
namespace {

TEST(CsvWriter, QuotesOnlyWhatNeedsIt) {
  CsvWriter w(nullptr);
  w.Field("plain");
  w.Field("a,b");
  w.Field("say \"hi\"");
  w.NullField();
  w.Field("");
  w.EndRow();
  EXPECT_EQ(w.buffer(), "plain,\"a,b\",\"say \"\"hi\"\"\",,\"\"\n");
}

TEST(CsvWriter, RoundTripsThroughTheReader) {
  const std::vector<std::string> values = {"x", "line\nbreak", "\"", " lead", "tail ", "a\r\nb"};
  CsvWriter w(nullptr);
  for (const auto& v : values)
    w.Field(v);
  w.EndRow();
  auto reader = CsvReader::FromString(w.buffer(), {});
  CsvRecord record;
  ASSERT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  ASSERT_EQ(record.fields.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(record.fields[i].value, values[i]);
}

}  // namespace
}  // namespace sluice
