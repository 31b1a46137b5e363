#include "jobs/warehouse/row_builder.h"

#include <fmt/format.h>

#include "core/strings.h"
#include "core/text_check.h"

namespace sluice::warehouse {
namespace {

constexpr size_t kRejectsShown = 10;
constexpr size_t kMaxKeptRecord = size_t{64} << 20;

std::string Storable(std::string_view text) {
  return FindUnstorableByte(text) ? EscapeUnstorable(text) : std::string(text);
}

// The reason a value of `column` did not parse, without the value, which may be personal
// data: "duration_mins is not an integer (32-bit)".
std::string FieldReason(std::string_view column, std::string_view value, std::string_view error) {
  // Parsers quote the value, or the value with its blanks trimmed, at the start.
  for (std::string_view v : {value, TrimBlanks(value)}) {
    const std::string quoted = fmt::format("'{}' ", v);
    if (error.substr(0, quoted.size()) == quoted) {
      return fmt::format("{} {}", column, error.substr(quoted.size()));
    }
  }
  if (error.substr(0, 3) == "is " || error.substr(0, 9) == "contains ") {
    return fmt::format("{} {}", column, error);
  }
  return fmt::format("{}: {}", column, error);
}

PreparedBatch NewBatch(const Model& model) {
  return PreparedBatch{Batch(model.LoadSchema()), Batch(LoadRejectSchema()), {}};
}

}  // namespace

Schema LoadRejectSchema() {
  return Schema{{"model", ColumnType::kText},
                {"source_file", ColumnType::kText},
                {"position", ColumnType::kText},
                {"reason", ColumnType::kText},
                {"record", ColumnType::kText}};
}

RowBuilder::RowBuilder(const Model& model, std::string source_file)
    : model_(model), source_file_(std::move(source_file)), batch_(NewBatch(model)) {}

bool RowBuilder::Add(const std::vector<std::optional<std::string_view>>& values,
                     std::string* reason) {
  ++counts_.records;
  Batch& rows = batch_.rows;
  std::string error;
  const size_t n = model_.fields.size();
  for (size_t i = 0; i < n; ++i) {
    const ModelField& field = model_.fields[i];
    std::optional<std::string_view> value = values[i];
    if (value && field.type != ColumnType::kText && TrimBlanks(*value).empty()) value.reset();
    if (field.key && (!value || value->empty())) {
      rows.RollbackRow(i);
      *reason = fmt::format("{} is missing; it is the key of {}", field.column, model_.table);
      return false;
    }
    if (!rows.column(i).AppendParsed(value, &error)) {
      rows.RollbackRow(i);
      *reason = FieldReason(field.column, *value, error);
      return false;
    }
  }
  if (model_.content_hash_key) {
    auto key = hasher_.Hash(rows, rows.num_rows() - 1, n);
    rows.column(n).AppendText(
        std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  }
  return true;
}

void RowBuilder::Reject(std::string_view position, std::string reason, std::string_view raw_record,
                        bool already_counted) {
  Keep(position, std::move(reason), raw_record, already_counted);
}

void RowBuilder::RejectUnread(std::string_view position, std::string reason) {
  Keep(position, std::move(reason), std::nullopt, false);
}

void RowBuilder::Keep(std::string_view position, std::string reason,
                      std::optional<std::string_view> raw_record, bool already_counted) {
  if (!already_counted) ++counts_.records;
  if (counts_.first_rejects.size() < kRejectsShown) {
    counts_.first_rejects.push_back({std::string(position), reason});
  }
  ++counts_.rejected;
  Batch& rejects = batch_.rejects;
  rejects.column(0).AppendText(model_.name);
  rejects.column(1).AppendText(Storable(source_file_));
  rejects.column(2).AppendText(Storable(position));
  // PostgreSQL holds 1 GB in one value, and escaping can double a record: a record larger
  // than kMaxKeptRecord stays in its file (position names it), its record null.
  if (!raw_record) {
    rejects.column(3).AppendText(Storable(reason));
    rejects.column(4).AppendNull();
  } else if (raw_record->size() > kMaxKeptRecord) {
    rejects.column(3).AppendText(Storable(
        fmt::format("{}; the record, {} bytes, is over the {} MiB a reject keeps and is not stored",
                    reason, raw_record->size(), kMaxKeptRecord >> 20)));
    rejects.column(4).AppendNull();
  } else {
    rejects.column(3).AppendText(Storable(reason));
    rejects.column(4).AppendText(Storable(*raw_record));
  }
}

bool RowBuilder::Full() const {
  // Rejects count too: a file of nothing but rejects must not grow memory with its size.
  return batch_.rows.num_rows() >= kBatchRows || batch_.rejects.num_rows() >= kBatchRows;
}

bool RowBuilder::Empty() const {
  return batch_.rows.num_rows() == 0 && batch_.rejects.num_rows() == 0;
}

PreparedBatch RowBuilder::Take() {
  PreparedBatch full = NewBatch(model_);
  std::swap(full, batch_);
  return full;
}

}  // namespace sluice::warehouse
