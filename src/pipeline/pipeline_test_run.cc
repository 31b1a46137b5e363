#include "pipeline/pipeline_test_run.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "core/suggest.h"
#include "core/time_parse.h"

namespace sluice {
namespace {

// A value in a difference line: quoted, cut short past a screenful.
std::string Shown(std::string_view text) {
  constexpr size_t kMax = 120;
  if (text.size() <= kMax) return fmt::format("\"{}\"", text);
  return fmt::format("\"{}...\" ({} bytes)", text.substr(0, kMax), text.size());
}

std::string Line(FilePosition at) {
  return at.line > 0 ? fmt::format(" (line {})", at.line) : "";
}

int ColumnIndex(const Schema& schema, std::string_view name) {
  for (size_t i = 0; i < schema.size(); ++i) {
    if (schema[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> ColumnNames(const Schema& schema) {
  std::vector<std::string> names;
  for (const Field& f : schema)
    names.push_back(f.name);
  return names;
}

// A whole row as "{a: "x", b: 3}", for a row no expectation accounts for.
std::string RowText(const Batch& rows, size_t row) {
  std::string out = "{";
  for (size_t c = 0; c < rows.num_columns(); ++c) {
    if (c > 0) out += ", ";
    const Column& column = rows.column(c);
    out += rows.schema()[c].name + ": " +
           (column.IsNull(row) ? std::string("null") : Shown(ColumnText(column, row)));
  }
  return out + "}";
}

// Whether a non-null value equals the expected text: timestamps and dates as the instant or day
// they name ("2021-12-25T23:30:00Z" is "2021-12-25T23:30:00.000000Z", and "+01:00" forms too),
// everything else as the text ColumnText gives.
bool SameValue(const Column& column, size_t row, const std::string& expected) {
  std::string ignored;
  if (column.type() == ColumnType::kTimestamptz) {
    int64_t micros = 0;
    if (ParseTimestamp(expected, &micros, &ignored)) return micros == column.Int(row);
  } else if (column.type() == ColumnType::kDate) {
    int32_t days = 0;
    if (ParseDate(expected, &days, &ignored)) return days == column.Int(row);
  }
  return ColumnText(column, row) == expected;
}

// A case prints at most this many differences, then how many more there were.
constexpr size_t kMaxDifferencesShown = 20;

class CaseComparer {
 public:
  CaseComparer(const TestCase& test_case, const PreparedBatch& batch, const MaskFunction& mask,
               const RevealFunction& reveal)
      : case_(test_case), batch_(batch), mask_(mask), reveal_(reveal) {}

  Result<CaseOutcome> Compare() {
    RETURN_IF_ERROR(CompareRows());
    CompareRejects();
    if (unshown_ > 0) {
      outcome_.differences.push_back(
          fmt::format("... and {} more difference{}", unshown_, unshown_ == 1 ? "" : "s"));
    }
    return std::move(outcome_);
  }

 private:
  void Differ(std::string line) {
    if (outcome_.differences.size() < kMaxDifferencesShown) {
      outcome_.differences.push_back(std::move(line));
    } else {
      ++unshown_;
    }
  }

  Status CompareRows() {
    const Batch& rows = batch_.rows;
    const size_t common = std::min(rows.num_rows(), case_.rows.size());
    for (size_t r = 0; r < common; ++r) {
      for (const auto& [name, expected] : case_.rows[r].columns) {
        RETURN_IF_ERROR(CompareValue(r, name, expected));
      }
    }
    for (size_t r = common; r < case_.rows.size(); ++r) {
      Differ(fmt::format("row {}{}: expected, but the input gave {} row{}", r + 1,
                         Line(case_.rows[r].position), rows.num_rows(),
                         rows.num_rows() == 1 ? "" : "s"));
    }
    for (size_t r = common; r < rows.num_rows(); ++r) {
      Differ(fmt::format("row {}: not expected: {}", r + 1, RowText(rows, r)));
    }
    return Status::Ok();
  }

  Status CompareValue(size_t r, const std::string& name, const ExpectedValue& expected) {
    const Batch& rows = batch_.rows;
    const std::string where = fmt::format("row {}, {}{}", r + 1, name, Line(expected.position));
    const int index = ColumnIndex(rows.schema(), name);
    if (index < 0) {
      const std::vector<std::string> names = ColumnNames(rows.schema());
      const std::string closest = ClosestName(name, names);
      Differ(fmt::format("{}: no such column ({})", where,
                         closest.empty() ? "the rows have " + JoinWithCommas(names)
                                         : "did you mean " + closest + "?"));
      return Status::Ok();
    }
    const Column& column = rows.column(static_cast<size_t>(index));
    const bool null = column.IsNull(r);
    const std::string got = null ? "null" : Shown(ColumnText(column, r));
    switch (expected.kind) {
      case ExpectedValue::Kind::kNull:
        if (!null) Differ(fmt::format("{}: expected null, got {}", where, got));
        break;
      case ExpectedValue::Kind::kText:
        if (null || !SameValue(column, r, expected.text)) {
          Differ(fmt::format("{}: expected {}, got {}", where, Shown(expected.text), got));
        }
        break;
      case ExpectedValue::Kind::kMasked: {
        ASSIGN_OR_RETURN(const std::string masked, mask_(expected.text));
        if (null || ColumnText(column, r) != masked) {
          Differ(fmt::format("{}: expected {} masked, got {}", where, Shown(expected.text),
                             null ? got : Masked(ColumnText(column, r), masked)));
        }
        break;
      }
    }
    return Status::Ok();
  }

  void CompareRejects() {
    const Batch& rejects = batch_.rejects;
    const int reason_column = ColumnIndex(rejects.schema(), "reason");
    const int id_column = ColumnIndex(rejects.schema(), "message_id");
    auto text = [&](int column, size_t r) {
      if (column < 0 || rejects.column(static_cast<size_t>(column)).IsNull(r)) return std::string();
      return std::string(rejects.column(static_cast<size_t>(column)).Text(r));
    };
    const size_t common = std::min(rejects.num_rows(), case_.rejects.size());
    for (size_t r = 0; r < common; ++r) {
      const ExpectedReject& expected = case_.rejects[r];
      const std::string reason = text(reason_column, r);
      const std::string id = text(id_column, r);
      const std::string where = fmt::format("reject {}{}", r + 1, Line(expected.position));
      if (!expected.id.empty() && id != expected.id) {
        Differ(fmt::format("{}: expected message {}, got message {} (reason {})", where,
                           expected.id, id, Shown(reason)));
      }
      if (reason.find(expected.reason) == std::string::npos) {
        Differ(fmt::format("{}: expected a reason with {}, got {} (message {})", where,
                           Shown(expected.reason), Shown(reason), id));
      }
    }
    for (size_t r = common; r < case_.rejects.size(); ++r) {
      Differ(fmt::format("reject {}{}: expected, but the input gave {} reject{}", r + 1,
                         Line(case_.rejects[r].position), rejects.num_rows(),
                         rejects.num_rows() == 1 ? "" : "s"));
    }
    for (size_t r = common; r < rejects.num_rows(); ++r) {
      Differ(fmt::format("reject {}: not expected: message {}, reason {}", r + 1,
                         text(id_column, r), Shown(text(reason_column, r))));
    }
  }

  // A masked value as the plain value it masks, when that can be told. `expected` is a value
  // masked with the test's key: one that does not start with its key id ("id:") was not masked
  // with it, and is shown as it is, since it may well be the plain value left unmasked.
  std::string Masked(const std::string& masked, const std::string& expected) const {
    const size_t colon = expected.find(':');
    if (colon != std::string::npos && !masked.starts_with(expected.substr(0, colon + 1))) {
      return Shown(masked) + " (not masked with the test's key)";
    }
    if (reveal_) {
      if (Result<std::string> plain = reveal_(masked); plain.ok()) {
        return Shown(*plain) + " masked";
      }
    }
    return "another masked value";
  }

  const TestCase& case_;
  const PreparedBatch& batch_;
  const MaskFunction& mask_;
  const RevealFunction& reveal_;
  CaseOutcome outcome_;
  size_t unshown_ = 0;  // differences past kMaxDifferencesShown
};

}  // namespace

std::string ColumnText(const Column& column, size_t row) {
  if (column.IsNull(row)) return "null";
  switch (column.type()) {
    case ColumnType::kText:
      return std::string(column.Text(row));
    case ColumnType::kInt32:
    case ColumnType::kInt64:
      return std::to_string(column.Int(row));
    case ColumnType::kFloat64:
      return fmt::format("{}", column.Float(row));
    case ColumnType::kDate:
      return FormatDate(column.Int(row));
    case ColumnType::kTimestamptz:
      return FormatTimestampUtc(column.Int(row));
    case ColumnType::kUuid: {
      const std::string_view bytes = column.Text(row);
      std::string out;
      for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += fmt::format("{:02x}", static_cast<unsigned char>(bytes[i]));
      }
      return out;
    }
  }
  return "";
}

Result<CaseOutcome> RunTestCase(const TestCase& test_case, Transform& transform,
                                const MaskFunction& mask, const RevealFunction& reveal) {
  PreparedBatch batch = transform.NewBatch();
  for (const TestMessage& m : test_case.input) {
    InboundMessage message;
    message.id = m.id;
    message.body = m.body;
    message.sent_timestamp_ms = m.sent_timestamp_ms;
    RETURN_IF_ERROR(transform.Apply(message, &batch));
  }
  return CaseComparer(test_case, batch, mask, reveal).Compare();
}

}  // namespace sluice
