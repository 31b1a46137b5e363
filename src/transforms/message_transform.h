// The `validate` and `mask` transforms of a queue pipeline, as one stage (pipeline/stages.h):
// each JSON message becomes a row of its schema's table (message_schema.h), with the listed
// fields masked (mask.h), or a reject whose reason names the field and why, never its value
// (a value may be personal data), with the body kept encrypted (AES-SIV, so a key holder can
// repair it with `sluice logins reveal`).
//
// The checks run in the order the logins job has always used, so its reasons stay the same:
//   1. the body: not empty, valid JSON (RFC 8259), an object; no key the schema reads appears
//      twice, or in another letter case, in the object that holds it;
//   2. each unmasked body field's JSON type, and for text its storability and width;
//   3. each required field's presence (absent, null and "" are missing);
//   4. each unmasked field's conversion or parsing (version-to-integer, a date's text, ...);
//   5. each masked field: a string, whose masked form fits the column, then masked;
//   6. fields from the message's metadata (from: sent-timestamp).
// A row fills the staged row schema: the message id (the ledger's key), then one column per
// field in the schema's order.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "formats/json_parse.h"
#include "pipeline/stages.h"
#include "transforms/mask.h"
#include "transforms/message_schema.h"

namespace sluice {

// The staged row of `schema`: "message_id" (text, never null), then each field's column, null
// allowed unless the field is required.
Schema MessageRowSchema(const MessageSchema& schema);
// A staged reject: message_id, received_at (timestamptz), reason, body_encrypted (null when too
// large to keep): the shape of every `<table>_rejects` table.
Schema MessageRejectSchema();

class MessageTransform : public Transform {
 public:
  // Masks the fields named in `masked` (each a text field of `schema` without a conversion;
  // the caller checked that) with `mode`; rejected bodies always with SIV under `keyring`.
  MessageTransform(std::shared_ptr<const MessageSchema> schema,
                   const std::vector<std::string>& masked,
                   std::shared_ptr<const MaskKeyring> keyring, MaskMode mode);

  // Rows in MessageRowSchema, rejects in MessageRejectSchema.
  PreparedBatch NewBatch() const override;
  // A row or a reject; an error only when the crypto library fails.
  Status Apply(const InboundMessage& message, PreparedBatch* batch) override;

  // Appends the row of one message to `rows`, or returns false and the reason.
  bool Append(std::string_view message_id, std::string_view body, int64_t sent_timestamp_ms,
              Batch* rows, std::string* reason);
  // Appends a reject with the body encrypted; a body over kMaxKeptRejectBody is left out and
  // the reason says so.
  Status AppendReject(std::string_view message_id, int64_t received_at_micros,
                      std::string_view reason, std::string_view body, Batch* rejects);

  const MessageSchema& schema() const { return *schema_; }

  // PostgreSQL holds 1 GB in one value and a batch's bodies share one statement: a rejected
  // body over this is not kept.
  static constexpr size_t kMaxKeptRejectBody = size_t{64} << 20;

 private:
  struct KeyNode;
  // The keys read from one JSON object, indexed for Collect.
  struct KeyLevel {
    std::vector<KeyNode> nodes;
    // Positions in `nodes` by their key's first byte with ASCII case folded (| 0x20), in
    // `nodes`' order: those of folded byte c are order[start[c]] to order[start[c + 1] - 1]. A
    // key of the message is compared only with those, the only ones it can match in any
    // letter case.
    std::vector<uint32_t> start;  // 257 entries
    std::vector<uint32_t> order;
    // Collect's per-message state, one per node: kept here so that a message allocates and
    // zeroes nothing.
    struct Found {
      bool seen = false;
      std::string_view key;  // as the message spells it
      simdjson::dom::element value;
    };
    std::vector<Found> found;
  };
  // A key read from one JSON object, and the keys read below it.
  struct KeyNode {
    std::string key;
    // The fields whose value this key holds (two fields may read one key: as text and
    // converted); none for an object on the way to others.
    std::vector<size_t> fields;
    KeyLevel children;
  };
  // One field's value for the row being built.
  struct Value {
    bool present = false;  // neither absent nor null
    simdjson::dom::element element;
    bool null = true;  // what the row gets
    std::string_view text;
    int64_t integer = 0;
    double number = 0;
  };

  // Builds `level`'s index and Collect's state, and its children's.
  static void IndexKeys(KeyLevel& level);
  // Finds the values of `level`'s keys in `object`, refusing a key read twice or in another
  // letter case; false with the reason.
  bool Collect(simdjson::dom::object object, KeyLevel& level, std::string* reason);
  bool CheckShape(const MessageField& field, Value& value, std::string* reason);
  bool Convert(const MessageField& field, Value& value, std::string* reason);
  bool MaskField(size_t index, Value& value, std::string* reason);
  bool FromMetadata(const MessageField& field, int64_t sent_timestamp_ms, Value& value,
                    std::string* reason);

  std::shared_ptr<const MessageSchema> schema_;
  std::shared_ptr<const MaskKeyring> keyring_;
  // The fields each step of Append visits, worked out once (positions in schema_->fields, in
  // its order), so a message costs no test of the fields a step passes over.
  std::vector<size_t> unmasked_body_;  // steps 2 and 4
  std::vector<size_t> required_body_;  // step 3
  std::vector<size_t> masked_;         // step 5
  std::vector<size_t> metadata_;       // step 6
  KeyLevel keys_;                      // the top object's
  Masker field_masker_;
  Masker body_masker_;
  JsonParser parser_;
  std::vector<Value> values_;
  std::vector<std::string> masked_values_;
  std::string reason_;
  std::string sealed_;
};

}  // namespace sluice
