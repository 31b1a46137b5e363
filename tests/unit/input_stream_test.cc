// Input files as core/input_stream.h reads them: gzip told by its bytes and decompressed, the
// errors of a cut or corrupt one, standard input ("-") and how far back it can go, the CSV
// delimiter's rule, the formats refused by name or magic bytes (on standard input too), and how a
// load tells a file's format and delimiter from its name or its first byte.
#include "core/input_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "core/input_format.h"
#include "formats/csv_reader.h"
#include "formats/json_record_stream.h"
#include "jobs/warehouse/warehouse_load.h"

namespace sluice {
namespace {

std::string InputTestDir() {
  static const std::string dir = [] {
    std::string pattern = ::testing::TempDir() + "input_stream_XXXXXX";
    return std::string(::mkdtemp(pattern.data()));
  }();
  return dir;
}

std::string InputTestWrite(const std::string& name, const std::string& bytes) {
  const std::string path = InputTestDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string Gzip(const std::string& text) {
  uLongf size = compressBound(text.size()) + 64;
  std::string out(size, '\0');
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 16: a gzip wrapper
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Result<std::string> ReadAll(const std::string& path) {
  return ReadWholeInput(path);
}

// Standard input replaced by a pipe holding `text` for the life of the object.
class PipedStandardInput {
 public:
  explicit PipedStandardInput(const std::string& text) {
    saved_ = ::dup(STDIN_FILENO);
    // A file rather than a pipe: a test's text may be larger than a pipe's buffer. The stream
    // reads it as it would a pipe (it never seeks standard input).
    const std::string path = InputTestWrite("stdin_" + std::to_string(++count_), text);
    std::FILE* file = std::fopen(path.c_str(), "rb");
    ::dup2(::fileno(file), STDIN_FILENO);
    std::fclose(file);
  }
  ~PipedStandardInput() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
  static inline int count_ = 0;
};

// Standard input replaced by a real pipe holding `bytes` (at most a pipe's buffer, 64 KiB), its
// write end closed: a descriptor that cannot seek, as `cat f | sluice` gives.
class InputRealPipe {
 public:
  explicit InputRealPipe(const std::string& bytes) {
    saved_ = ::dup(STDIN_FILENO);
    int ends[2];
    EXPECT_EQ(::pipe(ends), 0);
    EXPECT_LT(bytes.size(), size_t{60000});
    EXPECT_EQ(::write(ends[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(ends[1]);
    ::dup2(ends[0], STDIN_FILENO);
    ::close(ends[0]);
  }
  ~InputRealPipe() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

TEST(InputStream, AGzipFileIsReadDecompressedWhateverItsName) {
  const std::string text = "title,n\nA,1\nB,2\n";
  for (const std::string name : {"m.csv.gz", "m.csv"}) {
    const std::string path = InputTestWrite(name, Gzip(text));
    auto read = ReadAll(path);
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(*read, text) << name;
    auto stream = InputStream::Open(path);
    ASSERT_TRUE(stream.ok());
    EXPECT_TRUE((*stream)->compressed());
  }
  auto plain = InputStream::Open(InputTestWrite("p.csv", text));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->compressed());
}

TEST(InputStream, ConcatenatedGzipMembersReadAsOneText) {
  const std::string path = InputTestWrite("two.gz", Gzip("a\nb\n") + Gzip("c\n"));
  EXPECT_EQ(*ReadAll(path), "a\nb\nc\n");
}

TEST(InputStream, BytesAfterTheLastGzipMemberAreAnErrorSayingWhere) {
  const std::string members = Gzip("a\nb\n") + Gzip("c\n");
  for (const std::string& trailing :
       {std::string("junk\n"), std::string("\x1f"), std::string(512, '\0')}) {
    auto read = ReadAll(InputTestWrite("trailing.gz", members + trailing));
    ASSERT_FALSE(read.ok()) << trailing.size();
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(read.status().message().find("trailing data after the gzip stream at byte " +
                                           std::to_string(members.size()) + ":"),
              std::string::npos)
        << read.status().message();
  }
  // A second member cut short is a truncated file, not trailing data.
  const std::string second = Gzip("d\n");
  auto cut = ReadAll(InputTestWrite("cut2.gz", members + second.substr(0, 5)));
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("truncated"), std::string::npos) << cut.status().message();
}

TEST(InputStream, ATruncatedGzipOnAPipeSaysItEndedEarlyAndWhere) {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "row " + std::to_string(i * 7919) + "\n";
  const std::string gz = Gzip(text);
  const size_t cut = gz.size() / 2;
  InputRealPipe input(gz.substr(0, cut));
  auto read = ReadAll("-");
  ASSERT_FALSE(read.ok());
  const std::string& message = read.status().message();
  EXPECT_NE(message.find("the gzip data is truncated: the compressed stream ended early, at "
                         "compressed byte " +
                         std::to_string(cut) + " "),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("-1"), std::string::npos) << message;
  EXPECT_EQ(message.find("fd"), std::string::npos) << message;
}

TEST(InputStream, CorruptGzipOnAPipeNamesNoDescriptor) {
  std::string gz = Gzip(std::string(5000, 'x') + "\n");
  for (size_t i = 12; i < 20 && i < gz.size(); ++i)
    gz[i] = static_cast<char>(0xFF);
  InputRealPipe input(gz);
  auto read = ReadAll("-");
  ASSERT_FALSE(read.ok());
  const std::string& message = read.status().message();
  EXPECT_NE(message.find("the gzip data is corrupt near compressed byte "), std::string::npos)
      << message;
  EXPECT_EQ(message.find("-1"), std::string::npos) << message;
  EXPECT_EQ(message.find("fd"), std::string::npos) << message;
}

TEST(InputStream, ATruncatedGzipFileIsAnErrorSayingWhere) {
  std::string big;
  for (int i = 0; i < 20000; ++i)
    big += "row " + std::to_string(i * 7919) + "\n";
  const std::string gz = Gzip(big);
  const std::string path = InputTestWrite("cut.gz", gz.substr(0, gz.size() / 2));
  auto read = ReadAll(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("the gzip data is truncated"), std::string::npos)
      << read.status().message();
  EXPECT_NE(read.status().message().find("ended early, at compressed byte " +
                                         std::to_string(gz.size() / 2)),
            std::string::npos)
      << read.status().message();
}

TEST(InputStream, CorruptGzipDataIsAnErrorNotText) {
  std::string gz = Gzip(std::string(5000, 'x') + "\n");
  for (size_t i = 12; i < 20 && i < gz.size(); ++i)
    gz[i] = static_cast<char>(0xFF);
  auto read = ReadAll(InputTestWrite("bad.gz", gz));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("corrupt"), std::string::npos) << read.status().message();
}

TEST(InputStream, AGzipCrcErrorCountsTheBytesInflatedBeforeIt) {
  const std::string text = "title,year\nAlpha,1999\nBeta,2001\nGam\n";  // 36 bytes
  ASSERT_EQ(text.size(), 36u);
  std::string bytes = Gzip(text);
  bytes[bytes.size() - 8] ^= 0x5a;  // the CRC-32 in the trailer
  auto read = ReadAll(InputTestWrite("crc.csv.gz", bytes));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("after 36 decompressed bytes"), std::string::npos)
      << read.status().message();
  EXPECT_TRUE(IsInputStreamError(read.status()));
  EXPECT_FALSE(IsInputStreamError(InvalidArgument("line 3: expected a JSON object")));
}

TEST(InputStream, AGzipFileCanBeReadTwice) {
  const std::string text = "[1,\n2]\n";
  auto file = OpenInputFile(InputTestWrite("arr.json.gz", Gzip(text)));
  ASSERT_TRUE(file.ok());
  char buf[64];
  EXPECT_EQ(std::fread(buf, 1, sizeof buf, file->get()), text.size());
  std::rewind(file->get());
  EXPECT_EQ(std::fread(buf, 1, sizeof buf, file->get()), text.size());
  EXPECT_EQ(std::string(buf, text.size()), text);
}

TEST(InputStream, CsvRecordsAndLineNumbersOfAGzipFileAreThoseOfItsText) {
  const std::string text = "h1,h2\n\"multi\nline\",1\nx,\"y\n";
  auto gz = CsvReader::OpenFile(InputTestWrite("lines.csv.gz", Gzip(text)), {});
  ASSERT_TRUE(gz.ok());
  CsvRecord record;
  std::vector<uint64_t> lines;
  for (;;) {
    auto outcome = (*gz)->Next(&record);
    ASSERT_TRUE(outcome.ok());
    if (*outcome == CsvReader::Outcome::kEnd) break;
    lines.push_back(record.line);
  }
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 4}));
}

TEST(InputStream, StandardInputIsReadAndMayGoBackWithinItsHeldBytes) {
  PipedStandardInput input("0123456789");
  auto stream = InputStream::Open("-", 4);
  ASSERT_TRUE(stream.ok());
  char buf[16];
  EXPECT_EQ(*(*stream)->Read(buf, 3), 3u);
  EXPECT_TRUE((*stream)->Rewind().ok());
  EXPECT_EQ(*(*stream)->Read(buf, 3), 3u);
  EXPECT_EQ(std::string(buf, 3), "012");
  EXPECT_EQ(*(*stream)->Read(buf, 16), 7u);  // past what was held: the rest, no longer held
  EXPECT_EQ(std::string(buf, 7), "3456789");
  Status again = (*stream)->Rewind();
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.message().find("standard input cannot be read twice"), std::string::npos);
  // Every later read says so too, rather than going on from the wrong place.
  EXPECT_FALSE((*stream)->Read(buf, 1).ok());
}

TEST(InputStream, GzipOnStandardInputIsDecompressed) {
  PipedStandardInput input(Gzip("a,b\n1,2\n"));
  auto read = ReadAll("-");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, "a,b\n1,2\n");
}

TEST(InputStream, AJsonArrayOnStandardInputIsCheckedThenRead) {
  PipedStandardInput input("[{\"a\":1},\n{\"a\":2}]");
  std::vector<std::string> records;
  Status st = ForEachRawJsonRecord("-", 1 << 20, [&](const RawJsonRecord& r) {
    records.emplace_back(r.text);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(records, (std::vector<std::string>{"{\"a\":1}", "{\"a\":2}"}));
}

TEST(InputStream, AnArrayOnStandardInputLargerThanItsHeldBytesFailsPlainly) {
  std::string big = "[";
  while (big.size() < kStandardInputRewindBytes + 1000)
    big += "{\"k\":\"" + std::string(1000, 'v') + "\"},";
  big += "1]";
  PipedStandardInput input(big);
  size_t seen = 0;
  Status st = ForEachRawJsonRecord("-", 1 << 20, [&](const RawJsonRecord&) {
    ++seen;
    return Status::Ok();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("standard input cannot be read twice"), std::string::npos)
      << st.message();
  EXPECT_EQ(seen, 0u);  // nothing handed on before the failure
}

TEST(CsvDelimiter, OneByteTabWordsAndRefusals) {
  EXPECT_EQ(*ParseCsvDelimiter(";"), ';');
  EXPECT_EQ(*ParseCsvDelimiter("|"), '|');
  EXPECT_EQ(*ParseCsvDelimiter("\\t"), '\t');
  EXPECT_EQ(*ParseCsvDelimiter("tab"), '\t');
  EXPECT_EQ(*ParseCsvDelimiter("\t"), '\t');
  for (const char* bad : {"\"", "\r", "\n", "", ";;", "\xC2\xA7"}) {
    auto parsed = ParseCsvDelimiter(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUsage) << bad;
  }
}

TEST(CsvDelimiter, ATabSeparatedFileSplitsOnTabsOnly) {
  CsvReader::Options options;
  options.delimiter = '\t';
  auto reader = CsvReader::FromString("a\tb,c\n\"x\ty\"\t2\n", options);
  CsvRecord record;
  ASSERT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  ASSERT_EQ(record.fields.size(), 2u);
  EXPECT_EQ(record.fields[1].value, "b,c");
  ASSERT_EQ(*reader->Next(&record), CsvReader::Outcome::kRecord);
  ASSERT_EQ(record.fields.size(), 2u);
  EXPECT_EQ(record.fields[0].value, "x\ty");
}

TEST(UnsupportedInput, ColumnarFormatsAreToldByNameOrMagicBytes) {
  const std::string parquet = InputTestWrite("data.csv", std::string("PAR1\x15\x04", 6));
  Status st = CheckSupportedInput(parquet);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUsage);
  EXPECT_NE(st.message().find("Parquet is not supported (no Apache Arrow in Debian 12)"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(CheckSupportedInput("missing.parquet").code(), StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput("x.avro").code(), StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput("x.ORC").code(), StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput("book.xlsx").code(), StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput(InputTestWrite("avro.bin", std::string("Obj\x01rest", 8))).code(),
            StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput(InputTestWrite("zip.csv", std::string("PK\x03\x04..", 6))).code(),
            StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput(InputTestWrite("p.csv.gz", Gzip(std::string("PAR1\x15\x00..", 8))))
                .code(),
            StatusCode::kUsage);
  EXPECT_TRUE(CheckSupportedInput(InputTestWrite("ok.csv", "ORCID,name\n1,a\n")).ok());
}

TEST(UnsupportedInput, OrcAndParquetAreToldByMagicBytesFollowedByBinary) {
  // ORC: "ORC", then stripes whose bytes are not text, whatever the file is called.
  Status orc = CheckSupportedInput(InputTestWrite("export", std::string("ORC\x0a\x06\x08\x00", 7)));
  ASSERT_FALSE(orc.ok());
  EXPECT_EQ(orc.code(), StatusCode::kUsage);
  EXPECT_NE(orc.message().find("ORC is not supported"), std::string::npos) << orc.message();
  // A binary byte past the first 4 is still seen.
  EXPECT_EQ(
      CheckSupportedInput(InputTestWrite("later", "PAR1" + std::string(100, 'x') + '\x01')).code(),
      StatusCode::kUsage);
  // Text that merely starts with the magic words is CSV.
  EXPECT_TRUE(CheckSupportedInput(InputTestWrite("orc.csv", "ORC,n\n1,2\n")).ok());
  EXPECT_TRUE(CheckSupportedInput(InputTestWrite("par.csv", "PAR1,PAR2\r\n1,2\r\n")).ok());
  EXPECT_TRUE(CheckSupportedInput(InputTestWrite("tsv.csv", "PAR1\tPAR2\n1\t2\n")).ok());
}

TEST(UnsupportedInput, StandardInputIsToldByItsMagicBytes) {
  const std::string parquet("PAR1\x15\x04\x15\x00\x00", 9);
  for (const std::string& bytes : {parquet, Gzip(parquet)}) {
    InputRealPipe input(bytes);
    Status st = CheckSupportedInput("-");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kUsage);
    EXPECT_NE(st.message().find("standard input: Parquet is not supported (no Apache Arrow in "
                                "Debian 12): convert it to CSV or NDJSON first"),
              std::string::npos)
        << st.message();
  }
  const std::vector<std::pair<std::string, std::string>> refused = {
      {std::string("Obj\x01\x04\x14", 6), "Avro is not supported"},
      {std::string("ORC\x0a\x06\x08\x00", 7), "ORC is not supported"},
      {std::string("PK\x03\x04\x14\x00", 6), "A zip file (an xlsx spreadsheet?) is not supported"},
  };
  for (const auto& [bytes, message] : refused) {
    InputRealPipe input(bytes);
    Status st = CheckSupportedInput("-");
    EXPECT_NE(st.message().find("standard input: " + message), std::string::npos) << st.message();
  }
}

TEST(UnsupportedInput, StandardInputLookedAtIsStillReadWhole) {
  std::string text = "ORCID,name\n";
  for (int i = 0; i < 2000; ++i)
    text += std::to_string(i) + ",n" + std::to_string(i * 31) + "\n";
  for (const std::string& bytes : {text, Gzip(text)}) {
    InputRealPipe input(bytes);
    ASSERT_TRUE(CheckSupportedInput("-").ok());
    ASSERT_TRUE(CheckSupportedInput("-").ok());  // a second look sees the same bytes
    auto read = ReadAll("-");
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(*read, text);
  }
  // Bytes given back belong to the standard input they came from.
  {
    InputRealPipe first("PAR1,x\n1,2\n");
    ASSERT_TRUE(CheckSupportedInput("-").ok());
  }
  InputRealPipe second("a,b\n");
  EXPECT_EQ(*ReadAll("-"), "a,b\n");
}

TEST(UnsupportedInput, XzBzip2AndZstdAreRefusedByNameOrMagicBytes) {
  const std::vector<std::pair<std::string, std::string>> magic = {
      {"xz", std::string("\xFD\x37\x7A\x58\x5A\x00\x00\x04\xE6\xD6", 10)},
      {"bzip2", std::string("BZh9\x31\x41\x59\x26\x53\x59\xB5", 11)},
      {"zstd", std::string("\x28\xB5\x2F\xFD\x24\x04\x21\x00", 8)},
  };
  for (const auto& [name, bytes] : magic) {
    // Whatever the file is called, and with --format csv given too (ResolveFormat).
    const std::string path = InputTestWrite("u_" + name + ".csv", bytes);
    Status st = CheckSupportedInput(path);
    ASSERT_FALSE(st.ok()) << name;
    EXPECT_EQ(st.code(), StatusCode::kUsage);
    EXPECT_NE(st.message().find(name + "-compressed input is not supported (gzip is the "
                                       "compression Sluice reads): decompress it first"),
              std::string::npos)
        << st.message();
    EXPECT_EQ(warehouse::ResolveFormat(path, "csv").status().code(), StatusCode::kUsage) << name;
    InputRealPipe input(bytes);
    Status piped = CheckSupportedInput("-");
    EXPECT_NE(piped.message().find("standard input: " + name + "-compressed input"),
              std::string::npos)
        << piped.message();
  }
  EXPECT_NE(CheckSupportedInput("u.csv.xz").message().find("(xz -dc FILE | sluice warehouse load"),
            std::string::npos);
  EXPECT_EQ(CheckSupportedInput("u.csv.bz2").code(), StatusCode::kUsage);
  EXPECT_EQ(CheckSupportedInput("u.csv.zst").code(), StatusCode::kUsage);
  // Text that merely starts like bzip2's magic is CSV.
  EXPECT_TRUE(CheckSupportedInput(InputTestWrite("bzh.csv", "BZh1,name\n1,a\n")).ok());
}

TEST(UnsupportedInput, AnOldXlsIsRefusedByNameOrBytes) {
  EXPECT_EQ(CheckSupportedInput("book.XLS").code(), StatusCode::kUsage);
  const std::string ole2("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", 10);
  Status st = CheckSupportedInput(InputTestWrite("book.csv", ole2));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUsage);
  EXPECT_NE(st.message().find("(an xls spreadsheet?) is not supported"), std::string::npos)
      << st.message();
}

TEST(UnsupportedInput, TheDuckdbHintNamesItsReaderOrIsLeftOut) {
  // Parquet bytes under a .csv name: a bare 'pq.csv' would be read by DuckDB as CSV.
  const std::string parquet = InputTestWrite("pq.csv", std::string("PAR1\x15\x04\x15\x00", 8));
  const std::string message = CheckSupportedInput(parquet).message();
  EXPECT_NE(message.find("COPY (SELECT * FROM read_parquet('" + parquet + "')) TO 'out.csv'"),
            std::string::npos)
      << message;
  EXPECT_NE(CheckSupportedInput("x.avro").message().find("read_avro('x.avro')"), std::string::npos);
  EXPECT_NE(CheckSupportedInput("b.xlsx").message().find("read_xlsx('b.xlsx')"), std::string::npos);
  EXPECT_NE(CheckSupportedInput("it's.parquet").message().find("read_parquet('it''s.parquet')"),
            std::string::npos);
  // DuckDB reads neither ORC nor .xls: no DuckDB example for them.
  const std::vector<Status> no_duckdb = {
      CheckSupportedInput("x.orc"),
      CheckSupportedInput(InputTestWrite("orc.csv", std::string("ORC\x0a\x06\x08\x00", 7))),
      CheckSupportedInput("b.xls"),
      CheckSupportedInput(
          InputTestWrite("xls.csv", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00", 9))),
  };
  for (const Status& st : no_duckdb) {
    EXPECT_EQ(st.code(), StatusCode::kUsage);
    EXPECT_EQ(st.message().find("COPY"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("convert it to CSV or NDJSON first"), std::string::npos);
  }
  EXPECT_NE(no_duckdb[0].message().find("DuckDB has no ORC reader"), std::string::npos);
  EXPECT_NE(no_duckdb[2].message().find("libreoffice --headless --convert-to csv"),
            std::string::npos);
}

// A command that reads only JSON (queue send, logins run --file) is told to convert to NDJSON:
// CSV lines sent as messages would each be a reject.
TEST(UnsupportedInput, AJsonOnlyReaderIsAdvisedNdjson) {
  const std::string message =
      CheckSupportedInput("x.parquet", false, InputTextReader::kJsonOnly).message();
  EXPECT_NE(message.find("convert it to NDJSON first"), std::string::npos) << message;
  EXPECT_NE(message.find("TO 'out.ndjson' (FORMAT json)"), std::string::npos) << message;
  EXPECT_EQ(message.find("CSV"), std::string::npos) << message;
}

TEST(LoadFormat, AnExplicitFormatWinsOverTheColumnarSniff) {
  using warehouse::FileFormat;
  const std::string path = InputTestWrite("par1.csv", std::string("PAR1;name\n\x01x;y\n", 15));
  EXPECT_EQ(warehouse::ResolveFormat(path, "").status().code(), StatusCode::kUsage);
  auto csv = warehouse::ResolveFormat(path, "csv");
  ASSERT_TRUE(csv.ok()) << csv.status().message();
  EXPECT_EQ(*csv, FileFormat::kCsv);
  EXPECT_EQ(
      *warehouse::ResolveFormat(InputTestWrite("avro.json", std::string("Obj\x01{}", 6)), "json"),
      FileFormat::kJson);
  // A name still refuses, and so do bytes that are never text.
  EXPECT_EQ(warehouse::ResolveFormat("x.parquet", "csv").status().code(), StatusCode::kUsage);
  EXPECT_EQ(
      warehouse::ResolveFormat(InputTestWrite("zip2.csv", std::string("PK\x03\x04.", 5)), "csv")
          .status()
          .code(),
      StatusCode::kUsage);
}

TEST(LoadFormat, StandardInputIsToldBeforeItsReaderOpensIt) {
  using warehouse::FileFormat;
  for (const std::string& text : {std::string("\xEF\xBB\xBF\n {\"a\":1}\n"), Gzip("[{}]")}) {
    InputRealPipe input(text);
    auto format = warehouse::ResolveFormat("-", "");
    ASSERT_TRUE(format.ok()) << format.status().message();
    EXPECT_EQ(*format, FileFormat::kJson);
    // --delimiter with it is refused as for a file, naming the delimiter, before any reading.
    auto delimiter = warehouse::ResolveDelimiter("-", *format, "", ";", true);
    EXPECT_EQ(delimiter.status().code(), StatusCode::kUsage);
    EXPECT_NE(delimiter.status().message().find("--delimiter ; cannot be used with JSON input: "
                                                "standard input is read as JSON"),
              std::string::npos)
        << delimiter.status().message();
    // Its reader still gets every byte.
    EXPECT_EQ(*ReadAll("-"), text.starts_with("\x1f\x8b") ? "[{}]" : text);
  }
  InputRealPipe csv("a,b\n1,2\n");
  EXPECT_EQ(*warehouse::ResolveFormat("-", ""), FileFormat::kCsv);
  EXPECT_EQ(*ReadAll("-"), "a,b\n1,2\n");
}

TEST(LoadFormat, TsvIsCsvSplitOnTabsUnlessDelimiterSaysOtherwise) {
  using warehouse::FileFormat;
  EXPECT_EQ(*warehouse::ResolveFormat("a/m.tsv", ""), FileFormat::kCsv);
  EXPECT_EQ(*warehouse::ResolveFormat("a/m.TSV.gz", ""), FileFormat::kCsv);
  EXPECT_EQ(*warehouse::ResolveDelimiter("a/m.tsv", FileFormat::kCsv, "", ",", false), '\t');
  EXPECT_EQ(*warehouse::ResolveDelimiter("m.tsv.gz", FileFormat::kCsv, "", ",", false), '\t');
  EXPECT_EQ(*warehouse::ResolveDelimiter("m.tsv", FileFormat::kCsv, "csv", ";", true), ';');
  EXPECT_EQ(*warehouse::ResolveDelimiter("m.tsv", FileFormat::kCsv, "", ",", true), ',');
  EXPECT_EQ(*warehouse::ResolveDelimiter("m.csv", FileFormat::kCsv, "", ",", false), ',');
  EXPECT_EQ(*warehouse::ResolveDelimiter("tsv.d/m.csv", FileFormat::kCsv, "", ",", false), ',');
}

TEST(LoadFormat, DelimiterWithJsonIsAUsageErrorNamingBoth) {
  using warehouse::FileFormat;
  auto by_flag = warehouse::ResolveDelimiter("m.txt", FileFormat::kJson, "json", ";", true);
  ASSERT_FALSE(by_flag.ok());
  EXPECT_EQ(by_flag.status().code(), StatusCode::kUsage);
  EXPECT_NE(by_flag.status().message().find("--delimiter ; cannot be used with JSON input: "
                                            "--format json reads m.txt as JSON"),
            std::string::npos)
      << by_flag.status().message();
  auto by_name = warehouse::ResolveDelimiter("m.ndjson", FileFormat::kJson, "", "tab", true);
  ASSERT_FALSE(by_name.ok());
  EXPECT_EQ(by_name.status().code(), StatusCode::kUsage);
  EXPECT_NE(by_name.status().message().find("--delimiter tab cannot be used with JSON input: "
                                            "m.ndjson is read as JSON"),
            std::string::npos)
      << by_name.status().message();
  // Not given: the default comma is no refusal.
  EXPECT_TRUE(warehouse::ResolveDelimiter("m.ndjson", FileFormat::kJson, "", ",", false).ok());
}

TEST(LoadFormat, ANameWithoutAnExtensionIsToldByItsFirstByte) {
  using warehouse::FileFormat;
  EXPECT_EQ(
      *warehouse::ResolveFormat(InputTestWrite("data.gz", Gzip("\xEF\xBB\xBF {\"a\":1}\n")), ""),
      FileFormat::kJson);
  EXPECT_EQ(*warehouse::ResolveFormat(InputTestWrite("rows.gz", Gzip("\n[{\"a\":1}]")), ""),
            FileFormat::kJson);
  EXPECT_EQ(*warehouse::ResolveFormat(InputTestWrite("table.gz", Gzip("a,b\n1,2\n")), ""),
            FileFormat::kCsv);
  EXPECT_EQ(*warehouse::ResolveFormat(InputTestWrite("export_json", "{\"a\":1}\n"), ""),
            FileFormat::kJson);
  EXPECT_EQ(*warehouse::ResolveFormat(InputTestWrite("data2.gz", Gzip("{}")), "csv"),
            FileFormat::kCsv);
  // An extension that names no format is still a question for --format.
  auto unknown = warehouse::ResolveFormat(InputTestWrite("data.txt", "a,b\n"), "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--format csv|json"), std::string::npos);
}

}  // namespace
}  // namespace sluice
