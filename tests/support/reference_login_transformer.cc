#include "support/reference_login_transformer.h"

#include <fmt/format.h>

#include <array>

#include "core/strings.h"
#include "core/text_check.h"
#include "transforms/version_number.h"

namespace sluice::logins {
namespace {

// The columns a message fills, resolved from their names at compile time: a row costs what it
// did with bare positions.
constexpr TableColumn kUserId = LoginsColumn("user_id");
constexpr TableColumn kDeviceType = LoginsColumn("device_type");
constexpr TableColumn kMaskedIp = LoginsColumn("masked_ip");
constexpr TableColumn kMaskedDeviceId = LoginsColumn("masked_device_id");
constexpr TableColumn kLocale = LoginsColumn("locale");
constexpr TableColumn kAppVersion = LoginsColumn("app_version");
constexpr size_t kMessageIdAt = LoginRowIndex("message_id");
constexpr size_t kUserIdAt = LoginRowIndex("user_id");
constexpr size_t kDeviceTypeAt = LoginRowIndex("device_type");
constexpr size_t kMaskedIpAt = LoginRowIndex("masked_ip");
constexpr size_t kMaskedDeviceIdAt = LoginRowIndex("masked_device_id");
constexpr size_t kLocaleAt = LoginRowIndex("locale");
constexpr size_t kAppVersionAt = LoginRowIndex("app_version");
constexpr size_t kCreateDateAt = LoginRowIndex("create_date");
// Append fills a row's columns in their order, so a field that fails rolls back exactly the
// columns before its own (Batch::RollbackRow).
static_assert(kMessageIdAt < kUserIdAt && kUserIdAt < kDeviceTypeAt &&
              kDeviceTypeAt < kMaskedIpAt && kMaskedIpAt < kMaskedDeviceIdAt &&
              kMaskedDeviceIdAt < kLocaleAt && kLocaleAt < kAppVersionAt &&
              kAppVersionAt < kCreateDateAt &&
              kCreateDateAt + 1 == kFirstLoginsColumn + kLoginsColumns.size());

constexpr size_t kRejectIdAt = RejectIndex("message_id");
constexpr size_t kRejectReceivedAt = RejectIndex("received_at");
constexpr size_t kRejectReasonAt = RejectIndex("reason");
constexpr size_t kRejectBodyAt = RejectIndex("body_encrypted");

// The number of columns filled from a key of the body.
consteval size_t CountReadKeys() {
  size_t n = 0;
  for (const TableColumn& c : kLoginsColumns)
    n += !c.json_key.empty();
  return n;
}

// The keys the job reads from a body's top-level object, in the table's order.
constexpr std::array<std::string_view, CountReadKeys()> kReadKeys = [] {
  std::array<std::string_view, CountReadKeys()> keys{};
  size_t i = 0;
  for (const TableColumn& c : kLoginsColumns) {
    if (!c.json_key.empty()) keys[i++] = c.json_key;
  }
  return keys;
}();

// A body that names a key the job reads twice, or in another letter case, is ambiguous: which
// value the producer meant cannot be known, and JSON parsers disagree (first or last wins), so
// it is a reject rather than a guess, as in the warehouse. Only the top-level object's keys
// are looked at, and only names the job reads are quoted (never values).
bool FindAmbiguousKey(simdjson::dom::object obj, std::string* reason) {
  std::array<std::string_view, kReadKeys.size()> seen{};
  std::array<bool, kReadKeys.size()> was_seen{};
  for (simdjson::dom::key_value_pair field : obj) {
    const std::string_view key = field.key;
    for (size_t i = 0; i < kReadKeys.size(); ++i) {
      if (!AsciiEqualsIgnoreCase(key, kReadKeys[i])) continue;
      if (was_seen[i]) {
        *reason = key == seen[i]
                      ? fmt::format("key '{}' appears twice", key)
                      : fmt::format("keys '{}' and '{}' differ only in letter case", seen[i], key);
        return true;
      }
      if (key != kReadKeys[i]) {
        *reason = fmt::format("key '{}' differs from '{}' only in letter case", key, kReadKeys[i]);
        return true;
      }
      was_seen[i] = true;
      seen[i] = key;
    }
  }
  return false;
}

// varchar(n) counts characters, not bytes.
size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Reads an optional string field: missing and null are null; anything but a string is an error.
bool OptionalString(simdjson::dom::object obj, std::string_view field, size_t max_chars,
                    std::optional<std::string_view>* out, std::string* reason) {
  simdjson::dom::element e;
  out->reset();
  if (obj[field].get(e) || e.is_null()) return true;
  std::string_view s;
  if (e.get_string().get(s) || IsOutsizedNumberString(s)) {
    *reason = fmt::format("{} must be a string, not {}", field, JsonTypeName(e));
    return false;
  }
  std::string why;
  if (!IsStorableText(s, &why)) {
    *reason = fmt::format("{} {}", field, why);
    return false;
  }
  if (max_chars && Utf8Length(s) > max_chars) {
    *reason =
        fmt::format("{} is {} characters; the column holds {}", field, Utf8Length(s), max_chars);
    return false;
  }
  *out = s;
  return true;
}

}  // namespace

bool EncodeAppVersion(std::string_view text, int32_t* out, std::string* error) {
  return EncodeVersionNumber(text, "app_version", out, error);
}

std::string DecodeAppVersion(int32_t value) {
  return DecodeVersionNumber(value);
}

bool LoginTransformer::AppendMasked(simdjson::dom::object obj, const TableColumn& target,
                                    Column* column, std::string* reason) {
  const std::string_view field = target.json_key;
  simdjson::dom::element value;
  if (obj[field].get(value) || value.is_null()) {
    column->AppendNull();
    return true;
  }
  std::string_view plain;
  if (value.get_string().get(plain) || IsOutsizedNumberString(plain)) {
    *reason = fmt::format("{} must be a string, not {}", field, JsonTypeName(value));
    return false;
  }
  if (plain.size() > masker_.MaxPlainLength(target.max_chars)) {
    *reason = fmt::format("{} is {} byte{}; masked it would not fit the column's {} characters",
                          field, plain.size(), plain.size() == 1 ? "" : "s", target.max_chars);
    return false;
  }
  masked_.clear();
  Status st = masker_.Mask(plain, &masked_);
  if (!st.ok()) {
    *reason = fmt::format("{}: {}", field, st.message());
    return false;
  }
  column->AppendText(masked_);
  return true;
}

bool LoginTransformer::Append(std::string_view message_id, std::string_view body,
                              int64_t sent_timestamp_ms, Batch* rows, std::string* reason) {
  simdjson::dom::element doc;
  if (auto error = parser_.Parse(body, &doc)) {
    *reason = body.empty() ? "the body is empty"
                           : fmt::format("the body is not valid JSON: {}", JsonErrorText(error));
    return false;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) {
    *reason = fmt::format("the body is {}, not a JSON object", JsonTypeName(doc));
    return false;
  }
  if (FindAmbiguousKey(obj, reason)) return false;
  std::optional<std::string_view> user_id, device_type, locale, app_version;
  if (!OptionalString(obj, kUserId.json_key, kUserId.max_chars, &user_id, reason) ||
      !OptionalString(obj, kDeviceType.json_key, kDeviceType.max_chars, &device_type, reason) ||
      !OptionalString(obj, kLocale.json_key, kLocale.max_chars, &locale, reason) ||
      !OptionalString(obj, kAppVersion.json_key, 0, &app_version, reason)) {
    return false;
  }
  if (!user_id || user_id->empty()) {
    *reason = "user_id is missing";
    return false;
  }
  int32_t version = 0;
  if (app_version && !EncodeAppVersion(*app_version, &version, reason)) return false;

  rows->column(kMessageIdAt).AppendText(message_id);
  rows->column(kUserIdAt).AppendText(*user_id);
  if (device_type) {
    rows->column(kDeviceTypeAt).AppendText(*device_type);
  } else {
    rows->column(kDeviceTypeAt).AppendNull();
  }
  if (!AppendMasked(obj, kMaskedIp, &rows->column(kMaskedIpAt), reason)) {
    rows->RollbackRow(kMaskedIpAt);
    return false;
  }
  if (!AppendMasked(obj, kMaskedDeviceId, &rows->column(kMaskedDeviceIdAt), reason)) {
    rows->RollbackRow(kMaskedDeviceIdAt);
    return false;
  }
  if (locale) {
    rows->column(kLocaleAt).AppendText(*locale);
  } else {
    rows->column(kLocaleAt).AppendNull();
  }
  if (app_version) {
    rows->column(kAppVersionAt).AppendInt(version);
  } else {
    rows->column(kAppVersionAt).AppendNull();
  }
  // The UTC day of the send time; floor division keeps times before 1970 on the right day.
  int64_t ms = sent_timestamp_ms;
  int64_t day = (ms >= 0 ? ms : ms - 86399999) / 86400000;
  rows->column(kCreateDateAt).AppendInt(day);
  return true;
}

Status LoginTransformer::AppendReject(std::string_view message_id, int64_t received_at_micros,
                                      std::string_view reason, std::string_view body,
                                      Batch* rejects) {
  rejects->column(kRejectIdAt).AppendText(message_id);
  rejects->column(kRejectReceivedAt).AppendInt(received_at_micros);
  if (body.size() > kMaxKeptRejectBody) {
    // PostgreSQL holds 1 GB in one value at most, and a batch's bodies share one statement: a
    // body this large is left where it came from (the message id names the file and line),
    // and the reject says so, rather than failing its whole batch.
    rejects->column(kRejectReasonAt)
        .AppendText(fmt::format(
            "{}; the body, {} bytes, is over the {} MiB a reject keeps and is not stored", reason,
            body.size(), kMaxKeptRejectBody >> 20));
    rejects->column(kRejectBodyAt).AppendNull();
    return Status::Ok();
  }
  masked_.clear();
  Status st = body_masker_.Mask(body, &masked_);
  if (!st.ok()) return st;
  rejects->column(kRejectReasonAt).AppendText(reason);
  rejects->column(kRejectBodyAt).AppendText(masked_);
  return Status::Ok();
}

}  // namespace sluice::logins
