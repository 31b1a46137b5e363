// The `warehouse load` input: one CSV or JSON file read once into batches of a model's rows
// and rejects (a BatchSource for the load runner, pipeline/load_runner.h).
//
// CSV: a header naming the model's columns (csv_header.h), then one record per row. JSON: an
// array of objects, or one object per line (NDJSON), each field found by its JSON path.
// The path may be "-" for standard input, and a file or standard input may be gzip-compressed
// (core/input_stream.h): CSV is streamed either way; JSON from standard input is held whole
// (its layout is judged from its first byte and an array is checked before its first row,
// which standard input cannot be read again for). Line numbers are the decompressed text's.
// Whatever a record gets wrong (a byte text cannot hold, a wrong field count, a value that does
// not parse, a missing key) rejects that record, named by its line or array index; only a file
// that cannot be read as a whole (no header, an array whose structure is broken) fails.
#pragma once

#include <memory>
#include <string>

#include "core/input_stream.h"
#include "jobs/warehouse/row_builder.h"
#include "pipeline/stages.h"

namespace sluice::warehouse {

// kAuto is for standard input without --format whose first bytes could not be looked at before
// (ResolveFormat looks): JSON when its first byte past a byte-order mark and blanks is '[' or
// '{', else CSV.
enum class FileFormat { kCsv, kJson, kAuto };

struct LoadRequest {
  const Model* model = nullptr;
  std::string path;
  FileFormat format = FileFormat::kCsv;
  bool full_dump = false;
  // A CSV header may carry columns the model does not know; without this they fail the file,
  // since a misspelt column would otherwise load as missing.
  bool allow_extra_columns = false;
  // A full dump that holds no record at all would mark every row deleted in source; it is
  // refused unless the caller says the source really is empty.
  bool allow_empty_dump = false;
  // CSV only: the byte between fields (--delimiter, or a tab for .tsv; ResolveDelimiter).
  char delimiter = ',';
  // --delimiter was given: standard input judged JSON when read (kAuto) is then refused.
  bool delimiter_given = false;
};

// An input's format from its first byte past a UTF-8 byte-order mark and blanks: JSON when it is
// '[' or '{', else CSV (an empty input too). `input` is put back at its start when `rewind` (a
// stream from OpenToLook gives its bytes back when destroyed instead); an error reading or
// rewinding it is returned as it is.
Result<FileFormat> SniffFileFormat(InputStream& input, bool rewind = true);

class WarehouseFileSource : public BatchSource {
 public:
  explicit WarehouseFileSource(const LoadRequest& request)
      : request_(request), builder_(*request.model, request.path) {}

  // Errors are prefixed with the file's path.
  Status Produce(const std::function<Status(PreparedBatch&)>& emit) override;

  // What was read; complete once Produce has returned.
  const ReadCounts& counts() const { return builder_.counts(); }

 private:
  Status ReadCsv(const std::function<Status(PreparedBatch&)>& emit);
  Status ReadJson(const std::function<Status(PreparedBatch&)>& emit);
  // Hands on the batch in hand when it is full, or whatever it holds when `last`.
  Status EmitIfDue(const std::function<Status(PreparedBatch&)>& emit, bool last = false);

  const LoadRequest& request_;
  RowBuilder builder_;
  std::unique_ptr<InputStream> stdin_;  // for "-", opened (and its format judged) by Produce
  // Set when `emit` failed: the writer's error is the run's, not this reader's.
  bool emit_failed_ = false;
};

}  // namespace sluice::warehouse
