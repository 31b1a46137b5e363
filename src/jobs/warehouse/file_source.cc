#include "jobs/warehouse/file_source.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "core/files.h"
#include "core/input_stream.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/text_check.h"
#include "formats/csv_reader.h"
#include "formats/json_reader.h"
#include "formats/json_record_stream.h"
#include "jobs/warehouse/csv_header.h"
#include "jobs/warehouse/json_checks.h"

namespace sluice::warehouse {
namespace {

// The bytes the progress line counts towards: unknown (0) for standard input and for a
// compressed file, whose size is not that of the text read.
uint64_t FileSize(const std::string& path) {
  struct stat st {};
  if (IsStandardInput(path) || IsGzipFile(path)) return 0;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// How much of standard input is held while its format is judged from its first bytes.
constexpr size_t kWarehouseSniffBytes = 64 << 10;

// The reason for a record holding a byte PostgreSQL text cannot store: where it is (line and
// column in the file, field number and header name), never the text around it.
std::string CsvTextFaultReason(const CsvRecord& record, const TextFault& fault,
                               const std::vector<std::string>& header, char delimiter) {
  const TextPoint at = PointOf(record.text, fault.offset);
  const size_t field = CsvReader::FieldIndexAt(record.text, fault.offset, delimiter);
  const std::string name =
      field < header.size() ? fmt::format(" ({})", header[field]) : std::string();
  return fmt::format("line {}, column {}, field {}{}: {} (record stored escaped)",
                     record.line + at.line - 1, at.column, field + 1, name, fault.Describe());
}

// The first non-blank byte of a file past a UTF-8 BOM, as json_reader judges its layout ('[' is
// an array).
Result<int> FirstNonBlankByte(const std::string& path) {
  ASSIGN_OR_RETURN(InputFile file, OpenInputFile(path));
  return FirstByteAfterMarkAndBlanks(file.get());
}

}  // namespace

Result<FileFormat> SniffFileFormat(InputStream& input, bool rewind) {
  char c = 0;
  uint64_t read = 0;
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, input.Read(&c, 1));
    if (n == 0) break;
    ++read;
    if (read <= 3 && static_cast<unsigned char>(c) >= 0x80) continue;  // a byte-order mark
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
  }
  if (rewind) RETURN_IF_ERROR(input.Rewind());
  return c == '[' || c == '{' ? FileFormat::kJson : FileFormat::kCsv;
}

Status WarehouseFileSource::Produce(const std::function<Status(PreparedBatch&)>& emit) {
  FileFormat format = request_.format;
  Status st;
  if (IsStandardInput(request_.path)) {
    auto input = InputStream::Open(request_.path, kWarehouseSniffBytes);
    if (!input.ok()) return input.status().WithContext(InputDisplayName(request_.path));
    stdin_ = std::move(input).value();
    if (format == FileFormat::kAuto) {
      auto sniffed = SniffFileFormat(*stdin_);
      if (!sniffed.ok()) return sniffed.status().WithContext(InputDisplayName(request_.path));
      format = *sniffed;
      // Its format was not known when the options were checked (ResolveDelimiter).
      if (format == FileFormat::kJson && request_.delimiter_given) {
        return UsageError(fmt::format(
            "--delimiter {} cannot be used with JSON input: standard input is read as JSON (its "
            "first byte is '[' or '{{'), and --delimiter only sets the byte between CSV fields; "
            "leave --delimiter out, or pass --format csv if the input is CSV",
            request_.delimiter == '\t' ? std::string("tab") : std::string(1, request_.delimiter)));
      }
    }
  }
  st = format == FileFormat::kJson ? ReadJson(emit) : ReadCsv(emit);
  return st.ok() || emit_failed_ ? st : st.WithContext(InputDisplayName(request_.path));
}

Status WarehouseFileSource::EmitIfDue(const std::function<Status(PreparedBatch&)>& emit,
                                      bool last) {
  if (last ? builder_.Empty() : !builder_.Full()) return Status::Ok();
  PreparedBatch batch = builder_.Take();
  Status st = emit(batch);
  if (!st.ok()) emit_failed_ = true;
  return st;
}

Status WarehouseFileSource::ReadCsv(const std::function<Status(PreparedBatch&)>& emit) {
  const LoadRequest& request = request_;
  RowBuilder& builder = builder_;
  const Model& model = *request.model;
  CsvReader::Options options;
  options.trim_leading_spaces = true;
  options.delimiter = request.delimiter;
  std::unique_ptr<CsvReader> reader;
  if (stdin_) {
    reader = CsvReader::FromStream(std::move(stdin_), options);
  } else {
    ASSIGN_OR_RETURN(reader, CsvReader::OpenFile(request.path, options));
  }
  CsvRecord record;
  ASSIGN_OR_RETURN(auto outcome, reader->Next(&record));
  // A truncated or failed export is not an empty one: without a header nothing says the file
  // is the model's at all, and a --full-dump of it would mark every row deleted.
  if (outcome == CsvReader::Outcome::kEnd) {
    return InvalidArgument("the file has no header line (it is empty, or only blank lines)");
  }
  if (outcome == CsvReader::Outcome::kMalformed) {
    if (auto fault = FindUnstorableByte(record.text)) {
      return InvalidArgument(
          fmt::format("line {}: the header is not UTF-8 text: {}", record.line, fault->Describe()));
    }
    return InvalidArgument(
        fmt::format("line {}: the header is malformed: {}", record.line, record.error));
  }
  ASSIGN_OR_RETURN(CsvHeaderMap header, MapCsvHeader(model, record, request.allow_extra_columns));
  const std::vector<size_t>& source_index = header.source_index;
  if (!header.absent.empty()) {
    // Once per file: a file exported before these fields were added to the model.
    std::string absent;
    for (const auto& h : header.absent)
      absent += (absent.empty() ? "'" : ", '") + h + "'";
    LogWarn("{}: line {}: the header has no column {}; {} loaded as NULL in every row",
            request.path, record.line, absent, header.absent.size() == 1 ? "it is" : "they are");
  }

  Progress progress(request.path, FileSize(request.path));
  std::vector<std::optional<std::string_view>> values(model.fields.size());
  std::string reason;
  for (;;) {
    ASSIGN_OR_RETURN(outcome, reader->Next(&record));
    if (outcome == CsvReader::Outcome::kEnd) break;
    // Formatted only for a rejected record: this loop runs once per row.
    auto position = [&] { return fmt::format("line {}", record.line); };
    // Bytes text cannot hold reject the record wherever they are, even in a column the model
    // does not load: the record is not the UTF-8 the file must be.
    if (auto fault = FindUnstorableByte(record.text)) {
      builder.Reject(position(),
                     CsvTextFaultReason(record, *fault, header.names, options.delimiter),
                     record.text, false);
    } else if (outcome == CsvReader::Outcome::kMalformed) {
      builder.Reject(position(), record.error, record.text, false);
    } else if (record.fields.size() != header.names.size()) {
      builder.Reject(
          position(),
          fmt::format("expected {} fields, found {}", header.names.size(), record.fields.size()),
          record.text, false);
    } else {
      for (size_t i = 0; i < source_index.size(); ++i) {
        if (source_index[i] == CsvHeaderMap::kAbsent) {
          values[i] = std::nullopt;
          continue;
        }
        const CsvField& f = record.fields[source_index[i]];
        values[i] =
            f.value.empty() && !f.quoted ? std::nullopt : std::optional<std::string_view>(f.value);
      }
      if (!builder.Add(values, &reason)) {
        builder.Reject(position(), reason, record.text);
      }
    }
    progress.Update(reader->bytes_consumed(), builder.counts().records);
    RETURN_IF_ERROR(EmitIfDue(emit));
  }
  return EmitIfDue(emit, true);
}

Status WarehouseFileSource::ReadJson(const std::function<Status(PreparedBatch&)>& emit) {
  const LoadRequest& request = request_;
  RowBuilder& builder = builder_;
  const Model& model = *request.model;
  std::vector<std::optional<std::string>> owned(model.fields.size());
  std::vector<std::optional<std::string_view>> values(model.fields.size());
  // simdjson refuses a whole array for one bad byte: such elements are cut out first (as null)
  // and rejected in their turn. A clean array is read straight from the file as before.
  IsolatedArray isolated;
  // Standard input cannot be read twice (its layout judged, then read): it is held whole.
  std::optional<std::string> whole;
  if (stdin_) {
    ASSIGN_OR_RETURN(whole, ReadWholeInput(*stdin_));
    stdin_.reset();
  }
  int first_byte = EOF;
  if (whole) {
    const std::string_view text = SkipUtf8Bom(*whole);
    const size_t at = text.find_first_not_of(" \t\r\n");
    if (at != std::string_view::npos) first_byte = static_cast<unsigned char>(text[at]);
  } else {
    ASSIGN_OR_RETURN(first_byte, FirstNonBlankByte(request.path));
  }
  if (first_byte == '[') {
    std::string read;
    if (!whole) {
      ASSIGN_OR_RETURN(read, ReadWholeInput(request.path));
    }
    ASSIGN_OR_RETURN(isolated, IsolateUnstorableElements(SkipUtf8Bom(whole ? *whole : read)));
  }
  size_t next_isolated = 0;
  const JsonRecordFn on_record = [&](const JsonPosition& pos, const simdjson::dom::element* element,
                                     std::string_view error, std::string_view raw) -> Status {
    std::string position = pos.ToString();
    if (next_isolated < isolated.elements.size() &&
        isolated.elements[next_isolated].index == pos.number) {
      const UnstorableElement& bad = isolated.elements[next_isolated++];
      builder.Reject(position, bad.reason, bad.raw, false);
      return Status::Ok();
    }
    if (!element) {
      // Only a record over the reader's size limit comes without its text (json_reader.h).
      if (raw.empty() && !error.empty()) {
        builder.RejectUnread(position, std::string(error));
        return Status::Ok();
      }
      if (auto fault = FindUnstorableJson(raw)) {
        // A record may span lines (pretty-printed NDJSON): the byte's own line is named.
        const TextPoint at = PointOf(raw, fault->offset);
        const std::string where =
            pos.is_array_index ? position : fmt::format("line {}", pos.number + at.line - 1);
        builder.Reject(position,
                       fmt::format("{}, column {}: {}", where, at.column, fault->description), raw,
                       false);
      } else {
        builder.Reject(position, std::string(error), raw, false);
      }
      return Status::Ok();
    }
    std::string record_text = JsonMinify(*element);
    if (element->type() != simdjson::dom::element_type::OBJECT) {
      builder.Reject(position, "expected a JSON object", record_text, false);
      return Status::Ok();
    }
    if (auto ambiguous = FindAmbiguousKeys(model, *element)) {
      builder.Reject(position, *ambiguous, record_text, false);
      return Status::Ok();
    }
    for (size_t i = 0; i < model.fields.size(); ++i) {
      const ModelField& field = model.fields[i];
      auto value = ExtractJsonPath(field.json, *element);
      if (!value.ok()) {
        builder.Reject(position, fmt::format("{}: {}", field.column, value.status().message()),
                       record_text, false);
        return Status::Ok();
      }
      owned[i] = std::move(value).value();
      values[i] = owned[i] ? std::optional<std::string_view>(*owned[i]) : std::nullopt;
    }
    std::string reason;
    if (!builder.Add(values, &reason)) builder.Reject(position, reason, record_text);
    return EmitIfDue(emit);
  };
  if (!isolated.elements.empty()) {
    RETURN_IF_ERROR(ForEachJsonRecordInString(isolated.text, JsonLayout::kArray, on_record));
  } else if (whole) {
    RETURN_IF_ERROR(ForEachJsonRecordInString(*whole, JsonLayout::kAuto, on_record));
  } else {
    RETURN_IF_ERROR(ForEachJsonRecord(request.path, JsonLayout::kAuto, on_record));
  }
  return EmitIfDue(emit, true);
}

}  // namespace sluice::warehouse
