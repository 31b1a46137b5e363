#include "formats/csv_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

struct Row {
  uint64_t line;
  std::vector<std::string> fields;
  std::string error;
};

std::vector<Row> ReadAll(std::string text, CsvReader::Options options = {}) {
  auto reader = CsvReader::FromString(std::move(text), options);
  std::vector<Row> rows;
  CsvRecord record;
  for (;;) {
    auto outcome = reader->Next(&record);
    EXPECT_TRUE(outcome.ok());
    if (*outcome == CsvReader::Outcome::kEnd) break;
    Row row{record.line, {}, record.error};
    for (const auto& f : record.fields)
      row.fields.emplace_back(f.value);
    if (*outcome == CsvReader::Outcome::kMalformed) row.fields = {record.raw};
    rows.push_back(row);
  }
  return rows;
}

TEST(CsvReader, PlainRecordsAndLineNumbers) {
  auto rows = ReadAll("a,b\n1,2\n3,4\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(rows[2].line, 3u);
}

TEST(CsvReader, QuotedFieldsWithDelimitersQuotesAndNewlines) {
  auto rows = ReadAll("t,n\n\"Good, Bad\",\"say \"\"hi\"\"\"\n\"two\nlines\",x\nlast,y\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"Good, Bad", "say \"hi\""}));
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"two\nlines", "x"}));
  EXPECT_EQ(rows[2].line, 3u);
  EXPECT_EQ(rows[3].line, 5u);  // the embedded newline counts as a line
}

TEST(CsvReader, CrlfBomAndMissingFinalNewline) {
  auto rows = ReadAll("\xEF\xBB\xBFid,v\r\n1,\"x\r\ny\"\r\n2,z");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields[0], "id");
  EXPECT_EQ(rows[1].fields[1], "x\r\ny");
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"2", "z"}));
}

TEST(CsvReader, TrimsSpacesAfterDelimitersWhenAsked) {
  CsvReader::Options options;
  options.trim_leading_spaces = true;
  auto rows = ReadAll("first_name, last_name, birthts\nAnn, \"Lee, Jr\", 12\n", options);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"first_name", "last_name", "birthts"}));
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"Ann", "Lee, Jr", "12"}));
  auto untrimmed = ReadAll("a, b\n");
  EXPECT_EQ(untrimmed[0].fields[1], " b");
}

TEST(CsvReader, EmptyFieldsNullsAndTrailingDelimiter) {
  auto reader = CsvReader::FromString("a,,\"\",\n", {});
  CsvRecord record;
  ASSERT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  ASSERT_EQ(record.fields.size(), 4u);
  EXPECT_FALSE(record.fields[1].quoted);
  EXPECT_TRUE(record.fields[2].quoted);
  EXPECT_EQ(record.fields[3].value, "");
}

TEST(CsvReader, SkipsBlankLines) {
  auto rows = ReadAll("a\n\n\r\nb\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].line, 4u);
}

TEST(CsvReader, JunkAfterClosingQuoteIsMalformedAndReadingGoesOn) {
  auto rows = ReadAll("a,b\n\"x\"y,2\n3,4\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_NE(rows[1].error.find("field 1 has text after its closing quote"), std::string::npos)
      << rows[1].error;
  // The character itself is not quoted: it is part of a value (personal data, perhaps).
  EXPECT_EQ(rows[1].error.find("'y'"), std::string::npos) << rows[1].error;
  EXPECT_EQ(rows[1].fields[0], "\"x\"y,2");
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"3", "4"}));
}

TEST(CsvReader, UnterminatedQuoteCostsOneLine) {
  auto rows = ReadAll("a,b\n\"open,1\n2,3\n4,5\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].error, "unterminated quoted field");
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[1].fields[0], "\"open,1");
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(rows[3].line, 4u);
}

TEST(CsvReader, RecordsSpanningBufferRefillsFromAFile) {
  // A tiny buffer forces every record across refills and growth.
  std::string path = ::testing::TempDir() + "/csv_refill.csv";
  std::string text = "h1,h2\n";
  for (int i = 0; i < 500; ++i) {
    text += std::to_string(i) + ",\"long, quoted " + std::string(static_cast<size_t>(i % 97), 'x') +
            "\"\"q\"\"\n\"\n";
  }
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  CsvReader::Options options;
  options.buffer_size = 64;
  auto reader = CsvReader::OpenFile(path, options);
  ASSERT_TRUE(reader.ok());
  CsvRecord record;
  int count = 0;
  uint64_t expected_line = 2;
  ASSERT_EQ(*(*reader)->Next(&record), CsvReader::Outcome::kRecord);
  while (*(*reader)->Next(&record) == CsvReader::Outcome::kRecord) {
    ASSERT_EQ(record.fields.size(), 2u);
    EXPECT_EQ(record.fields[0].value, std::to_string(count));
    EXPECT_EQ(record.fields[1].value,
              "long, quoted " + std::string(static_cast<size_t>(count % 97), 'x') + "\"q\"\n");
    EXPECT_EQ(record.line, expected_line);
    expected_line += 2;
    ++count;
  }
  EXPECT_EQ(count, 500);
  EXPECT_EQ((*reader)->bytes_consumed(), text.size());
}

TEST(CsvReader, MissingFileIsAClearError) {
  auto reader = CsvReader::OpenFile("/nonexistent/x.csv", {});
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("/nonexistent/x.csv"), std::string::npos);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Rejects keep a record as read, and encodings are checked on those bytes.
TEST(CsvReader, RecordTextIsTheRecordAsRead) {
  auto reader = CsvReader::FromString("a, \"b\"\"x\"\r\n\"two\nlines\",y\n\"open,z\nlast,w", {});
  CsvRecord record;
  std::vector<std::string> texts;
  for (auto outcome = reader->Next(&record); *outcome != CsvReader::Outcome::kEnd;
       outcome = reader->Next(&record)) {
    texts.emplace_back(record.text);
  }
  EXPECT_EQ(texts,
            (std::vector<std::string>{"a, \"b\"\"x\"", "\"two\nlines\",y", "\"open,z", "last,w"}));
}

TEST(CsvReader, FieldIndexAtCountsDelimitersOutsideQuotes) {
  const std::string_view text = "a,\"b,c\",d";
  EXPECT_EQ(CsvReader::FieldIndexAt(text, 0, ','), 0u);
  EXPECT_EQ(CsvReader::FieldIndexAt(text, 4, ','), 1u);  // inside the quoted "b,c"
  EXPECT_EQ(CsvReader::FieldIndexAt(text, 8, ','), 2u);
}

// A record over the limit fails reading, naming its line: past an open quote no later line can
// be trusted to start a record. One at the limit is read.
TEST(CsvReader, ARecordOverTheLimitFailsNamingItsLine) {
  CsvReader::Options options;
  options.buffer_size = 64;
  options.max_record_bytes = 1000;
  const std::string fits(1000, 'a');
  auto reader =
      CsvReader::FromString("h\n" + fits + "\n\"" + std::string(5000, 'b') + "\nc\n", options);
  CsvRecord record;
  ASSERT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  ASSERT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  EXPECT_EQ(record.fields[0].value, fits);
  auto over = reader->Next(&record);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "line 3: the record is over 1000 bytes, the most one may take (is a quote left open?)");
}

TEST(CsvReader, AFileRecordOverTheLimitFailsWithoutHoldingTheFile) {
  char path[] = "/tmp/csv_reader_testXXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = "h\nshort\n" + std::string(2'000'000, 'x') + "\nafter\n";
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  CsvReader::Options options;
  options.buffer_size = 4096;
  options.max_record_bytes = 1 << 20;
  auto reader = CsvReader::OpenFile(path, options);
  ::unlink(path);
  ASSERT_TRUE(reader.ok());
  CsvRecord record;
  ASSERT_EQ(*(*reader)->Next(&record), CsvReader::Outcome::kRecord);
  ASSERT_EQ(*(*reader)->Next(&record), CsvReader::Outcome::kRecord);
  auto over = (*reader)->Next(&record);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "line 3: the record is over 1048576 bytes, the most one may take");
}

}  // namespace
}  // namespace sluice
