#include "transforms/message_transform.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "jobs/logins/logins_schema.h"
#include "jobs/logins/logins_table.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_file.h"
#include "support/reference_login_transformer.h"
#include "transforms/message_pipeline.h"

namespace sluice {
namespace {

const std::string kKey =
    "ka:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

std::shared_ptr<const MaskKeyring> Keyring() {
  return std::make_shared<const MaskKeyring>(std::move(MaskKeyring::Parse(kKey, "test")).value());
}

std::shared_ptr<const MessageSchema> SchemaOf(std::string_view yaml) {
  LoadedMessageSchema loaded = ParseMessageSchema(yaml);
  if (!loaded.ok()) ADD_FAILURE() << FormatPipelineError("schema", loaded.errors.front());
  return std::make_shared<const MessageSchema>(std::move(loaded.schema));
}

// A row's value as text for comparisons: "null", the text, or the number.
std::string Cell(const Batch& batch, size_t row, size_t column) {
  const Column& c = batch.column(column);
  if (c.IsNull(row)) return "null";
  switch (c.type()) {
    case ColumnType::kText:
      return std::string(c.Text(row));
    case ColumnType::kFloat64:
      return std::to_string(c.Float(row));
    default:
      return std::to_string(c.Int(row));
  }
}

// Bodies covering every reason of the logins job and the values it accepts.
std::vector<std::string> LoginBodies() {
  std::vector<std::string> bodies = {
      R"({"user_id": "u"})",
      R"({"user_id":"u1","device_type":"android","ip":"199.172.111.135","device_id":"593-47-5928","locale":"RU","app_version":"0.96"})",
      "{not json",
      R"([{"user_id": "u"}])",
      "",
      "1e400",
      R"({"foo": "oops_wrong_msg_type", "bar": "123"})",
      R"({"user_id": ""})",
      R"({"user_id": null, "ip": 1})",
      R"({"user_id": 42})",
      R"({"user_id": "u", "ip": ["1.2.3.4"]})",
      R"({"user_id": "u", "device_id": 7, "locale": 3})",
      R"({"user_id": "u", "locale": {"x": 1}})",
      R"({"user_id": "u", "app_version": 2.3})",
      R"({"user_id": "u", "app_version": "19"})",
      R"({"user_id": "u", "app_version": "0"})",
      R"({"user_id": "u", "app_version": "1000"})",
      R"({"user_id": "u", "app_version": "1.2.3.4", "ip": 5})",
      R"({"user_id": "u", "app_version": "v2"})",
      R"({"user_id": "a\u0000b"})",
      R"({"user_id": "u", "locale": "a\u0000b", "ip": "a\u0000b"})",
      R"({"user_id": "u", "app_version": "1.1000\u0000", "ip": null})",
      R"({"user_id":"dupA","user_id":"dupB","app_version":"1"})",
      R"({"user_id":"u","ip":"1.1.1.1","ip":"2.2.2.2"})",
      R"({"user_id":"U_ID","User_id":"x"})",
      R"({"USER_ID":"x"})",
      R"({"user_id":"u","note":1,"note":2,"extra":{"ip":1,"ip":2}})",
      R"({"user_id":"u","x":1e400,"y":123456789012345678901234567890})",
      R"({"user_id":123456789012345678901234567890})",
      R"({"user_id":"u","ip":""})",
      R"({"user_id":"u","device_type":null,"ip":null})",
      "{\"user_id\": \"" + std::string(129, 'u') + "\"}",
      "{\"user_id\": \"" + std::string(128, 'u') + "\", \"locale\": \"" + std::string(33, 'l') +
          "\"}",
      "{\"user_id\": \"u\", \"ip\": \"" + std::string(300, 'i') + "\"}",
      "{\"user_id\": \"u\", \"device_id\": \"" + std::string(170, 'd') + "\"}",
      "{\"user_id\": \"\xc3\xa9t\xc3\xa9\", \"device_type\": \"" + std::string(32, 'd') + "\"}",
  };
  return bodies;
}

// The logins job's rows and reasons through the general transform built from
// examples/logins-schema.yaml are LoginTransformer's, value for value, in both mask modes.
TEST(MessageTransform, TheLoginsSchemaGivesTheLoginsJobsRowsAndReasons) {
  for (MaskMode mode : {MaskMode::kSiv, MaskMode::kHmac}) {
    auto ring = Keyring();
    Masker field_masker(*ring, mode), body_masker(*ring, MaskMode::kSiv);
    logins::LoginTransformer old(field_masker, body_masker);
    MessageTransform general(logins::LoginsMessageSchema(), logins::LoginsMaskedFields(), ring,
                             mode);
    Batch old_rows(logins::LoginRowSchema());
    PreparedBatch batch = general.NewBatch();
    ASSERT_EQ(batch.rows.schema().size(), old_rows.schema().size());
    for (size_t c = 0; c < old_rows.schema().size(); ++c) {
      EXPECT_EQ(batch.rows.schema()[c].name, old_rows.schema()[c].name);
      EXPECT_EQ(batch.rows.schema()[c].type, old_rows.schema()[c].type);
      EXPECT_EQ(batch.rows.schema()[c].nullable, old_rows.schema()[c].nullable);
    }
    const std::vector<std::string> bodies = LoginBodies();
    int64_t sent = -86400000 * 3 + 5;
    for (const std::string& body : bodies) {
      sent += int64_t{86400000} * 40 + 12345;
      std::string old_reason, new_reason;
      const bool old_ok = old.Append("m", body, sent, &old_rows, &old_reason);
      const bool new_ok = general.Append("m", body, sent, &batch.rows, &new_reason);
      EXPECT_EQ(new_ok, old_ok) << body;
      EXPECT_EQ(new_reason, old_reason) << body;
      ASSERT_EQ(batch.rows.num_rows(), old_rows.num_rows()) << body;
      if (!old_ok) continue;
      const size_t row = old_rows.num_rows() - 1;
      for (size_t c = 0; c < old_rows.num_columns(); ++c)
        EXPECT_EQ(Cell(batch.rows, row, c), Cell(old_rows, row, c)) << body << " column " << c;
    }
  }
}

class SignupsTransform : public ::testing::Test {
 protected:
  SignupsTransform()
      : transform_(SchemaOf(R"(fields:
  - name: email
    type: text
    required: true
    max-length: 256
  - name: phone
    path: contact.phone
    type: text
    max-length: 256
  - name: country
    path: contact.address.country
    type: text
    max-length: 2
  - name: plan
    type: text
  - name: client_version
    path: client.version
    type: integer
    convert: version-to-integer
  - name: referrals
    type: bigint
  - name: score
    type: double
  - name: born
    type: date
  - name: seen_at
    type: timestamptz
  - name: signed_up
    from: sent-timestamp
    type: timestamptz
    convert: epoch-to-timestamptz
)"),
                   {"email", "phone"}, Keyring(), MaskMode::kSiv),
        batch_(transform_.NewBatch()) {}

  // The reason for a body, or "" with the row appended.
  std::string ReasonFor(std::string_view body) {
    std::string reason;
    return transform_.Append("m", body, 1700000000123, &batch_.rows, &reason) ? "" : reason;
  }

  MessageTransform transform_;
  PreparedBatch batch_;
};

TEST_F(SignupsTransform, FillsTheRowMaskingTheListedFields) {
  ASSERT_EQ(ReasonFor(R"({"email":"ann@example.com","contact":{"phone":"+44 20 7946 0958",
      "address":{"country":"GB"}},"plan":"pro","client":{"version":"2.3.1"},"referrals":
      9000000000,"score":0.5,"born":"1990-02-03","seen_at":"2024-05-06T07:08:09.5+02:00"})"),
            "");
  const Batch& rows = batch_.rows;
  ASSERT_EQ(rows.num_rows(), 1u);
  EXPECT_EQ(rows.schema()[1].name, "email");
  EXPECT_FALSE(rows.schema()[1].nullable);
  EXPECT_EQ(Cell(rows, 0, 0), "m");
  const auto ring = Keyring();
  Masker revealer(*ring, MaskMode::kSiv);
  EXPECT_EQ(revealer.Reveal(rows.column(1).Text(0)).value(), "ann@example.com");
  EXPECT_EQ(revealer.Reveal(rows.column(2).Text(0)).value(), "+44 20 7946 0958");
  EXPECT_EQ(Cell(rows, 0, 3), "GB");
  EXPECT_EQ(Cell(rows, 0, 4), "pro");
  EXPECT_EQ(Cell(rows, 0, 5), "2003001");
  EXPECT_EQ(Cell(rows, 0, 6), "9000000000");
  EXPECT_EQ(Cell(rows, 0, 7), std::to_string(0.5));
  EXPECT_EQ(Cell(rows, 0, 8), "7338");  // 1990-02-03
  EXPECT_EQ(Cell(rows, 0, 9), "1714972089500000");
  EXPECT_EQ(Cell(rows, 0, 10), "1700000000123000");

  // Only email is required; a missing object on the way is null.
  ASSERT_EQ(ReasonFor(R"({"email":"b@example.com","contact":null})"), "");
  for (size_t c = 2; c <= 9; ++c)
    EXPECT_EQ(Cell(rows, 1, c), "null") << c;
}

TEST_F(SignupsTransform, RejectsNameTheFieldNeverTheValue) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"contact":{"phone":"555"}})", "email is missing"},
      {R"({"email":""})", "email is missing"},
      {R"({"email":42})", "email must be a string, not a number"},
      {R"({"email":"a@b","contact":"555-0100"})", "contact must be a JSON object, not a string"},
      {R"({"email":"a@b","contact":{"phone":5550100}})", "phone must be a string, not a number"},
      {R"({"email":"a@b","contact":{"address":{"country":"GBR"}}})",
       "country is 3 characters; the column holds 2"},
      {R"({"email":"a@b","contact":{"Phone":"5550100"}})",
       "key 'Phone' differs from 'phone' only in letter case"},
      {R"({"email":"a@b","contact":{"phone":"1","phone":"2"}})", "key 'phone' appears twice"},
      {R"({"email":"a@b","client":{"version":"2.x"}})",
       "client_version is not MAJOR[.MINOR[.PATCH]] with parts 0..999: byte 3 is neither a digit "
       "nor a dot"},
      {R"({"email":"a@b","referrals":"12"})", "referrals must be a whole number, not a string"},
      {R"({"email":"a@b","referrals":1.5})",
       "referrals must be a whole number, not one with a fraction or an exponent"},
      {R"({"email":"a@b","referrals":123456789012345678901234567890})",
       "referrals is out of range for a 64-bit integer"},
      {R"({"email":"a@b","score":"high"})", "score must be a number, not a string"},
      {R"({"email":"a@b","born":"03/02/1990"})", "born is not a date (YYYY-MM-DD)"},
      {R"({"email":"a@b","seen_at":"yesterday"})",
       "seen_at is not a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][±HH:MM])"},
      {"{\"email\":\"" + std::string(300, 'e') + "\"}",
       "email is 300 bytes; masked it would not fit the column's 256 characters"},
  };
  for (const auto& [body, reason] : cases) {
    EXPECT_EQ(ReasonFor(body), reason) << body;
    EXPECT_EQ(reason.find("555"), std::string::npos);
  }
  EXPECT_EQ(batch_.rows.num_rows(), 0u);
}

TEST_F(SignupsTransform, ARejectKeepsTheBodyEncrypted) {
  const std::string body = R"({"email":42,"contact":{"phone":"+1 555 0100"}})";
  InboundMessage m;
  m.id = "m-1";
  m.body = body;
  m.received_at_micros = 17;
  ASSERT_TRUE(transform_.Apply(m, &batch_).ok());
  ASSERT_EQ(batch_.rejects.num_rows(), 1u);
  EXPECT_EQ(Cell(batch_.rejects, 0, 0), "m-1");
  EXPECT_EQ(Cell(batch_.rejects, 0, 1), "17");
  EXPECT_EQ(Cell(batch_.rejects, 0, 2), "email must be a string, not a number");
  EXPECT_EQ(Cell(batch_.rejects, 0, 3).find("555"), std::string::npos);
  const auto ring = Keyring();
  Masker revealer(*ring, MaskMode::kSiv);
  EXPECT_EQ(revealer.Reveal(batch_.rejects.column(3).Text(0)).value(), body);
}

// More keys in one object than the transform tracks inline: the same checks.
TEST(MessageTransform, ManyFieldsInOneObject) {
  std::string yaml = "fields:\n";
  std::string body = "{";
  for (int i = 0; i < 40; ++i) {
    yaml += "  - {name: f" + std::to_string(i) + ", type: integer}\n";
    body += (i ? ", " : "") + std::string("\"f") + std::to_string(i) + "\": " + std::to_string(i);
  }
  MessageTransform transform(SchemaOf(yaml), {}, Keyring(), MaskMode::kSiv);
  PreparedBatch batch = transform.NewBatch();
  std::string reason;
  ASSERT_TRUE(transform.Append("m", body + "}", 0, &batch.rows, &reason)) << reason;
  EXPECT_EQ(Cell(batch.rows, 0, 40), "39");
  EXPECT_FALSE(transform.Append("m", body + ", \"F39\": 1}", 0, &batch.rows, &reason));
  EXPECT_EQ(reason, "keys 'f39' and 'F39' differ only in letter case");
  EXPECT_FALSE(transform.Append("m", body + ", \"f7\": 1}", 0, &batch.rows, &reason));
  EXPECT_EQ(reason, "key 'f7' appears twice");
  EXPECT_EQ(batch.rows.num_rows(), 1u);
}

// Two fields may read one key: the version as sent and as a number.
TEST(MessageTransform, TwoFieldsReadOneKey) {
  MessageTransform transform(SchemaOf("fields:\n"
                                      "  - {name: version_text, path: v, type: text}\n"
                                      "  - {name: version, path: v, type: integer, convert: "
                                      "version-to-integer}\n"),
                             {"version_text"}, Keyring(), MaskMode::kHmac);
  PreparedBatch batch = transform.NewBatch();
  std::string reason;
  ASSERT_TRUE(transform.Append("m", R"({"v": "2.3"})", 0, &batch.rows, &reason)) << reason;
  EXPECT_TRUE(Cell(batch.rows, 0, 1).starts_with("h.ka:"));
  EXPECT_EQ(Cell(batch.rows, 0, 2), "2003000");
}

// A message the source could not hold (a file's line over its limit) is a reject without a body.
TEST(MessageTransform, AnUnreadMessageIsARejectWithoutItsBody) {
  MessageTransform transform(SchemaOf("fields:\n  - {name: a, type: text}\n"), {}, Keyring(),
                             MaskMode::kSiv);
  PreparedBatch batch = transform.NewBatch();
  InboundMessage m;
  m.id = "file:x:3";
  m.unread_reason = "line 3 is over the limit";
  m.received_at_micros = 5;
  ASSERT_TRUE(transform.Apply(m, &batch).ok());
  EXPECT_EQ(batch.rows.num_rows(), 0u);
  ASSERT_EQ(batch.rejects.num_rows(), 1u);
  EXPECT_EQ(Cell(batch.rejects, 0, 2), "line 3 is over the limit");
  EXPECT_EQ(Cell(batch.rejects, 0, 3), "null");
}

class MessagePipelineFiles : public ::testing::Test {
 protected:
  MessagePipelineFiles() {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-message-pipeline-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    Write("key", kKey + "\n");
    Write("schema.yaml",
          "fields:\n  - {name: email, type: text, required: true, max-length: 256}\n"
          "  - {name: ip, type: text}\n  - {name: age, type: integer}\n");
    RegisterBuiltinComponents(registry_);
  }
  ~MessagePipelineFiles() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  // Loads the pipeline `yaml` as the file pipeline.yaml in the test's folder (so a relative
  // schema path is found there).
  PipelineFile Load(const std::string& yaml) {
    Write("pipeline.yaml", yaml);
    LoadedPipeline loaded = LoadPipelineFile(
        Path(), registry_, [this](std::string_view name) -> std::optional<std::string> {
          if (name == "KEY") return (dir_ / "key").string();
          if (name == "SLUICE_PG_URL") return "postgresql://localhost/x";
          return std::nullopt;
        });
    if (!loaded.ok()) ADD_FAILURE() << FormatPipelineError("p", loaded.errors.front());
    return std::move(loaded.pipeline);
  }

  std::string Path() const { return (dir_ / "pipeline.yaml").string(); }

  std::vector<std::string> Errors(const std::string& yaml) {
    std::vector<std::string> out;
    for (const PipelineError& e : CheckMessageTransforms(Load(yaml)))
      out.push_back(FormatPipelineError("pipeline.yaml", e));
    return out;
  }

  std::filesystem::path dir_;
  ComponentRegistry registry_;
};

TEST_F(MessagePipelineFiles, MaskFieldsAreCheckedAgainstTheSchema) {
  EXPECT_EQ(Errors(R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: schema.yaml}
  - mask:
      key-file: ${KEY}
      fields: [emial, ipaddr, age, ip, ip]
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)"),
            (std::vector<std::string>{
                "pipeline.yaml:6:16: transforms[1].mask.fields: 'emial' is not a field of the "
                "input schema (did you mean email?)",
                "pipeline.yaml:6:23: transforms[1].mask.fields: 'ipaddr' is not a field of the "
                "input schema (did you mean ip?)",
                "pipeline.yaml:6:31: transforms[1].mask.fields: 'age' is not a text field of the "
                "body (integer): only text is masked",
                "pipeline.yaml:6:40: transforms[1].mask.fields: 'ip' is listed twice",
            }));
}

// Two fields may read one key (docs/message-schemas.md), but not a masked key and an unmasked one:
// the second would store the masked value in the clear.
TEST_F(MessagePipelineFiles, AKeyMaskedForOneFieldIsNotReadInTheClearByAnother) {
  Write("twice.yaml",
        "fields:\n  - {name: email, type: text}\n"
        "  - {name: email_copy, path: email, column: email2, type: text}\n");
  const std::string pipeline = R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: twice.yaml}
  - mask: {key-file: k, fields: [email]}
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)";
  EXPECT_EQ(Errors(pipeline),
            (std::vector<std::string>{
                "pipeline.yaml:4:34: transforms[1].mask.fields: 'email' is masked, but field "
                "'email_copy' reads the same key unmasked and would store it in the clear: mask "
                "it too, or drop it"}));
  std::string both = pipeline;
  both.replace(both.find("fields: [email]"), 15, "fields: [email, email_copy]");
  EXPECT_TRUE(Errors(both).empty());
}

TEST_F(MessagePipelineFiles, SchemaErrorsCarryTheSchemaFilesPositions) {
  Write("bad.yaml", "fields:\n  - {name: email, type: txt}\n");
  const std::vector<std::string> errors = Errors(R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: bad.yaml}
  - mask: {key-file: k, fields: [email]}
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (dir_ / "bad.yaml").string() +
                           ":2:25: fields[0].type: 'txt' is not one of text, integer, bigint, "
                           "double, date, timestamptz (did you mean text?)");
  EXPECT_EQ(Errors(R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: missing.yaml}
  - mask: {key-file: k, fields: []}
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)"),
            (std::vector<std::string>{"pipeline.yaml:3:24: transforms[0].validate.schema: " +
                                      (dir_ / "missing.yaml").string() +
                                      ": cannot read: No such file or directory"}));
}

TEST_F(MessagePipelineFiles, TheCompositionIsChecked) {
  EXPECT_EQ(Errors(R"(source: {file: {file: in.json}}
transforms:
  - mask: {key-file: k, fields: [email]}
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)"),
            (std::vector<std::string>{
                "pipeline.yaml:3:34: transforms[0].mask.fields: no input schema: put a validate "
                "transform (schema: FILE) before mask",
                "pipeline.yaml:4:8: sink.postgres-table: postgres-table stores the rows of a "
                "validate transform and keeps rejected bodies encrypted with a mask transform's "
                "key: give transforms [validate, mask]"}));
  EXPECT_EQ(Errors(R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {key-file: k}
sink: {logins-postgres: {pg: "${SLUICE_PG_URL}"}}
)"),
            (std::vector<std::string>{
                "pipeline.yaml:3:5: transforms[0].validate: logins-postgres stores the logins "
                "job's rows, whose schema is built in (examples/logins-schema.yaml): for a "
                "schema of your own use sink postgres-table"}));
  EXPECT_TRUE(Errors(R"(source: {file: {file: in.json}}
transforms:
  - mask: {key-file: k}
sink: {logins-postgres: {pg: "${SLUICE_PG_URL}"}}
)")
                  .empty());
}

TEST_F(MessagePipelineFiles, BuildsTheTransformOfAFile) {
  auto transform = BuildMessageTransform(Load(R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {key-file: "${KEY}", fields: [ip], mask: hmac}
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)"),
                                         Path());
  ASSERT_TRUE(transform.ok()) << transform.status().message();
  PreparedBatch batch = (*transform)->NewBatch();
  ASSERT_EQ(batch.rows.schema().size(), 4u);
  EXPECT_EQ(batch.rows.schema()[2].name, "ip");
  InboundMessage m;
  m.id = "1";
  m.body = R"({"email":"e@x","ip":"1.2.3.4","age":30})";
  ASSERT_TRUE((*transform)->Apply(m, &batch).ok());
  ASSERT_EQ(batch.rows.num_rows(), 1u);
  EXPECT_EQ(Cell(batch.rows, 0, 1), "e@x");
  EXPECT_TRUE(Cell(batch.rows, 0, 2).starts_with("h.ka:"));
  EXPECT_EQ(Cell(batch.rows, 0, 3), "30");

  // The logins preset's file builds the logins schema's transform.
  auto logins = BuildMessageStages(Load(R"(source: {file: {file: in.json}}
transforms:
  - mask: {key-file: "${KEY}"}
sink: {logins-postgres: {pg: "${SLUICE_PG_URL}"}}
)"),
                                   Path());
  ASSERT_TRUE(logins.ok()) << logins.status().message();
  EXPECT_EQ(logins->schema, logins::LoginsMessageSchema());

  auto no_key = BuildMessageTransform(Load(R"(source: {file: {file: in.json}}
transforms:
  - validate: {schema: schema.yaml}
  - mask: {key-file: /nonexistent/key, fields: []}
sink: {postgres-table: {pg: "${SLUICE_PG_URL}", table: t}}
)"),
                                      Path());
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().code(), StatusCode::kUsage);
}

}  // namespace
}  // namespace sluice
