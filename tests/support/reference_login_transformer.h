// The tests' oracle for the logins job: the login-event rules (validation of the JSON body,
// app_version to an ordered integer, create_date from the SQS SentTimestamp, ip and device_id
// masked) written out by hand, as the job ran them before it ran on the general message transform
// (transforms/message_transform.h) with examples/logins-schema.yaml. It is not part of Sluice:
// the unit tests and the login_record fuzz target hold the general transform to it, row for row
// and reason for reason, so a change to the general code that alters what the logins job stores
// is caught by a second, independent statement of the rules.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/batch.h"
#include "formats/json_parse.h"
#include "jobs/logins/logins_table.h"
#include "transforms/mask.h"

namespace sluice::logins {

// MAJOR*1000000 + MINOR*1000 + PATCH for "MAJOR[.MINOR[.PATCH]]", each part 0..999 written
// with 1 to 3 digits; a missing part is 0 ("7" -> 7000000, "2.3" -> 2003000).
// On false, *error names the part or byte at fault and never quotes the text.
bool EncodeAppVersion(std::string_view text, int32_t* out, std::string* error);
// The inverse, for people reading the table: 2003000 -> "2.3.0".
std::string DecodeAppVersion(int32_t value);

// The logins job's hand-written transformer. `logins run` now runs the general message transform
// over examples/logins-schema.yaml (transforms/message_transform.h); this one stays as the
// reference it is held to, row for row and reason for reason (tests/unit/
// message_transform_test.cc, tests/fuzz/login_record_fuzz.cc), and is benchmarked beside it
// (bench/micro/logins_transform_bench.cc).
class LoginTransformer {
 public:
  // `field_masker` masks ip and device_id (SIV or HMAC, as the user chose); `body_masker`, always
  // SIV, encrypts rejected bodies so a key holder can still repair them.
  LoginTransformer(Masker& field_masker, Masker& body_masker)
      : masker_(field_masker), body_masker_(body_masker) {}

  // Appends the row for one message to `rows` (LoginRowSchema), or returns false and the reason.
  bool Append(std::string_view message_id, std::string_view body, int64_t sent_timestamp_ms,
              Batch* rows, std::string* reason);

  // A rejected body over this many bytes is not kept (body_encrypted is null; the reason says
  // so): PostgreSQL holds 1 GB in one value. SQS messages are 1 MiB at most; lines of a file
  // are not bounded.
  static constexpr size_t kMaxKeptRejectBody = size_t{64} << 20;

  // Appends a reject (LoginRejectSchema); the body is encrypted, since it may hold PII. A body
  // over kMaxKeptRejectBody is left out, and the reason says so.
  Status AppendReject(std::string_view message_id, int64_t received_at_micros,
                      std::string_view reason, std::string_view body, Batch* rejects);

 private:
  // Masks the optional string at `target`'s key of `obj` into `column`, which holds `target`
  // (missing or null: null).
  bool AppendMasked(simdjson::dom::object obj, const TableColumn& target, Column* column,
                    std::string* reason);

  Masker& masker_;
  Masker& body_masker_;
  JsonParser parser_;
  std::string masked_;
};

}  // namespace sluice::logins
