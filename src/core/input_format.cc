#include "core/input_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "core/input_stream.h"
#include "core/strings.h"

namespace sluice {
namespace {

// Why the columnar formats cannot be read: their reader would be Apache Arrow.
constexpr std::string_view kNoArrow = "no Apache Arrow in Debian 12";

// The extension that names the format, past a trailing ".gz".
std::string InputFormatExtension(std::string_view path) {
  std::string lower = AsciiLower(std::string(path));
  if (lower.ends_with(".gz")) lower.resize(lower.size() - 3);
  const size_t slash = lower.rfind('/');
  const size_t dot = lower.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return lower.substr(dot + 1);
}

// How to turn a refused format into one Sluice reads. `duckdb_reader` is DuckDB's table function
// for it, named explicitly (read_parquet('x.csv')): a bare 'x.csv' would be read as what its
// extension says. Empty where DuckDB has no reader (ORC, old .xls): `instead` says what to do.
struct InputConversion {
  std::string_view duckdb_reader;
  std::string_view instead;
};

constexpr InputConversion kInputParquetConversion{"read_parquet", ""};
// read_avro is DuckDB's avro extension, read_xlsx its excel extension (both load on first use).
constexpr InputConversion kInputAvroConversion{"read_avro", ""};
constexpr InputConversion kInputXlsxConversion{"read_xlsx", ""};
constexpr InputConversion kInputOrcConversion{
    "",
    "with a program that reads ORC (Apache Spark, Hive, pyarrow.orc; DuckDB has no ORC reader)"};
constexpr InputConversion kInputXlsConversion{
    "",
    "by saving it as CSV from a spreadsheet program (libreoffice --headless --convert-to csv "
    "FILE)"};

Status UnsupportedFormat(InputTextReader reader, const std::string& path, std::string_view format,
                         std::string_view why, std::string_view extension,
                         const InputConversion& conversion) {
  const bool json_only = reader == InputTextReader::kJsonOnly;
  const std::string_view target = json_only ? "NDJSON" : "CSV or NDJSON";
  if (conversion.duckdb_reader.empty()) {
    return UsageError(fmt::format("{}: {} is not supported ({}): convert it to {} first, {}",
                                  InputDisplayName(path), format, why, target, conversion.instead));
  }
  // Standard input has no name for the example to read: the user writes it to a file first.
  std::string example =
      IsStandardInput(path) ? fmt::format("data.{}", extension) : std::string(path);
  // A quote in the name is doubled, as SQL string literals write it.
  for (size_t at = example.find('\''); at != std::string::npos; at = example.find('\'', at + 2)) {
    example.insert(at, 1, '\'');
  }
  return UsageError(
      fmt::format("{}: {} is not supported ({}): convert it to {} first, for example with "
                  "duckdb (COPY (SELECT * FROM {}('{}')) TO {}){}",
                  InputDisplayName(path), format, why, target, conversion.duckdb_reader, example,
                  json_only ? "'out.ndjson' (FORMAT json)" : "'out.csv'",
                  IsStandardInput(path) ? fmt::format(" after writing it to {}", example) : ""));
}

// Whether `bytes` hold one that text does not: a control byte other than tab, LF, VT, FF, CR.
// Parquet's and ORC's magic words could begin a CSV header; what follows them tells.
bool InputHoldsBinaryByte(std::string_view bytes) {
  return std::any_of(bytes.begin(), bytes.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x09 || (byte > 0x0d && byte < 0x20);
  });
}

// How many first bytes the magic checks look at.
constexpr size_t kInputMagicLookBytes = 256;

// The first decompressed bytes of `stream`: 10 (an OLE2 file's 8, bzip2's 4 and its block's 6),
// or up to kInputMagicLookBytes when those begin with a magic word that needs what follows it
// (fewer at its end, or where reading failed).
std::string InputFirstBytes(InputStream& stream) {
  std::string head(kInputMagicLookBytes, '\0');
  size_t have = 0;
  size_t want = 10;
  while (have < want) {
    auto n = stream.Read(head.data() + have, want - have);
    if (!n.ok() || *n == 0) break;
    have += *n;
    if (have >= 4 && want == 10 && (head.starts_with("PAR1") || head.starts_with("ORC"))) {
      want = kInputMagicLookBytes;
    }
  }
  head.resize(have);
  return head;
}

// A compression Sluice does not undo (gzip is the one it reads): how it is named, the
// extensions that name it and the tool that undoes it.
struct InputCompression {
  std::string_view name;
  std::string_view extensions[2];
  std::string_view tool;
};

constexpr InputCompression kInputOtherCompressions[] = {
    {"xz", {"xz", "lzma"}, "xz"},
    {"bzip2", {"bz2", "bzip2"}, "bzip2"},
    {"zstd", {"zst", "zstd"}, "zstd"},
};

const InputCompression* InputCompressionByExtension(std::string_view extension) {
  for (const InputCompression& compression : kInputOtherCompressions) {
    for (std::string_view name : compression.extensions) {
      if (!name.empty() && extension == name) return &compression;
    }
  }
  return nullptr;
}

// xz: FD 37 7A 58 5A 00. bzip2: "BZh" and a block size '1'..'9', then a block's or the end's
// magic number when there are bytes for it (so a CSV header "BZh1,x" stays text). zstd: a
// frame's 28 B5 2F FD.
const InputCompression* InputCompressionByMagic(std::string_view magic) {
  if (magic.starts_with(std::string_view("\xFD\x37\x7A\x58\x5A\x00", 6))) {
    return &kInputOtherCompressions[0];
  }
  if (magic.size() >= 4 && magic.starts_with("BZh") && magic[3] >= '1' && magic[3] <= '9') {
    const std::string_view next = magic.substr(4, 6);
    if (next.size() < 6 || next == std::string_view("\x31\x41\x59\x26\x53\x59", 6) ||
        next == std::string_view("\x17\x72\x45\x38\x50\x90", 6)) {
      return &kInputOtherCompressions[1];
    }
  }
  if (magic.starts_with(std::string_view("\x28\xB5\x2F\xFD", 4))) {
    return &kInputOtherCompressions[2];
  }
  return nullptr;
}

Status UnsupportedCompression(const std::string& path, const InputCompression& compression) {
  return UsageError(fmt::format(
      "{}: {}-compressed input is not supported (gzip is the compression Sluice reads): "
      "decompress it first ({} -dc FILE | sluice warehouse load ... -), or recompress it with "
      "gzip",
      InputDisplayName(path), compression.name, compression.tool));
}

}  // namespace

Status CheckSupportedInput(const std::string& path, bool format_given, InputTextReader reader) {
  const std::string extension = InputFormatExtension(path);
  if (extension == "parquet")
    return UnsupportedFormat(reader, path, "Parquet", kNoArrow, "parquet", kInputParquetConversion);
  if (extension == "avro") {
    return UnsupportedFormat(reader, path, "Avro", "no Avro reader is built in", "avro",
                             kInputAvroConversion);
  }
  if (extension == "orc")
    return UnsupportedFormat(reader, path, "ORC", kNoArrow, "orc", kInputOrcConversion);
  if (extension == "xlsx") {
    return UnsupportedFormat(reader, path, "A spreadsheet", "only text formats are read", "xlsx",
                             kInputXlsxConversion);
  }
  if (extension == "xls") {
    return UnsupportedFormat(reader, path, "A spreadsheet", "only text formats are read", "xls",
                             kInputXlsConversion);
  }
  if (const InputCompression* compression = InputCompressionByExtension(extension)) {
    return UnsupportedCompression(path, *compression);
  }
  auto stream = InputStream::OpenToLook(path);
  if (!stream.ok()) return Status::Ok();
  const std::string head = InputFirstBytes(**stream);
  const std::string_view magic(head);
  // An explicit --format says the bytes are text even when they start like a columnar file's;
  // compressed and spreadsheet bytes below never are.
  const bool sniff_columnar = !format_given;
  if (sniff_columnar && magic.starts_with("PAR1") && InputHoldsBinaryByte(magic.substr(4))) {
    return UnsupportedFormat(reader, path, "Parquet", kNoArrow, "parquet", kInputParquetConversion);
  }
  if (sniff_columnar && magic.starts_with("ORC") && InputHoldsBinaryByte(magic.substr(3))) {
    return UnsupportedFormat(reader, path, "ORC", kNoArrow, "orc", kInputOrcConversion);
  }
  if (sniff_columnar && magic.starts_with(std::string_view("Obj\x01", 4))) {
    return UnsupportedFormat(reader, path, "Avro", "no Avro reader is built in", "avro",
                             kInputAvroConversion);
  }
  if (magic.starts_with(std::string_view("PK\x03\x04", 4))) {
    return UnsupportedFormat(reader, path, "A zip file (an xlsx spreadsheet?)",
                             "only text formats are read", "xlsx", kInputXlsxConversion);
  }
  if (magic.starts_with(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))) {
    return UnsupportedFormat(reader, path, "An OLE2 file (an xls spreadsheet?)",
                             "only text formats are read", "xls", kInputXlsConversion);
  }
  if (const InputCompression* compression = InputCompressionByMagic(magic)) {
    return UnsupportedCompression(path, *compression);
  }
  return Status::Ok();
}

}  // namespace sluice
