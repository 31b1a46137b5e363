#include "transforms/message_transform.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "formats/json_parse.h"
#include "jobs/logins/logins_schema.h"
#include "jobs/logins/logins_table.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/pipeline_tests.h"
#include "support/reference_login_transformer.h"
#include "transforms/message_pipeline.h"

namespace sluice {
namespace {

const std::string kTransformKey =
    "ka:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

std::shared_ptr<const MaskKeyring> Keyring() {
  return std::make_shared<const MaskKeyring>(
      std::move(MaskKeyring::Parse(kTransformKey, "test")).value());
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

// A message for the differential test: a body and its SQS SentTimestamp.
struct LoginInput {
  std::string body;
  int64_t sent_timestamp_ms;
};

// Every input of the logins job's cases as data (tests/pipelines/logins_test.yaml, which states
// each one's row or reason), and bodies a YAML file cannot hold or that are too long to read
// there: bytes that are not UTF-8, deep nesting, long values. Sent times spread over centuries,
// before 1970 too, for create_date.
std::vector<LoginInput> LoginInputs() {
  std::vector<LoginInput> inputs;
  const LoadedPipelineTest cases =
      LoadPipelineTestFile(std::string(SLUICE_SOURCE_DIR) + "/tests/pipelines/logins_test.yaml");
  if (!cases.ok()) ADD_FAILURE() << FormatPipelineError("logins_test.yaml", cases.errors.front());
  for (const TestCase& test_case : cases.test.cases) {
    for (const TestMessage& message : test_case.input)
      inputs.push_back({message.body, message.sent_timestamp_ms});
  }
  EXPECT_GT(inputs.size(), 60u);  // the file was read
  const std::string deep = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  const std::vector<std::string> bodies = {
      R"({"user_id":"u1","device_type":"android","ip":"199.172.111.135","device_id":"593-47-5928","locale":"RU","app_version":"0.96"})",
      "{\"user_id\": \"a\xC3\"}",
      "{\"user_id\": \"u\", \"note\": \"\xFF\xFE\"}",
      "{\"user_id\": \"u\", \"ip\": \"\xED\xA0\x80\"}",
      R"({"user_id":"u","trace":)" + deep + "}",
      R"({"user_id":"u","trace":[)" + deep + "]}",
      "{\"user_id\": \"" + std::string(128, 'u') + "\", \"locale\": \"" + std::string(33, 'l') +
          "\"}",
      "{\"user_id\": \"u\", \"ip\": \"" + std::string(171, 'i') + "\"}",
      "{\"user_id\": \"u\", \"device_id\": \"" + std::string(170, 'd') + "\"}",
      "{\"user_id\": \"\xc3\xa9t\xc3\xa9\", \"device_type\": \"" + std::string(32, 'd') + "\"}",
  };
  int64_t sent = -86400000 * 3 + 5;
  for (const std::string& body : bodies) {
    sent += int64_t{86400000} * 40 + 12345;
    inputs.push_back({body, sent});
  }
  for (int64_t at : {int64_t{-62135596800000}, int64_t{-1}, int64_t{253402300799999}})
    inputs.push_back({R"({"user_id":"u"})", at});
  return inputs;
}

// The logins job's rows and reasons through the general transform built from
// examples/logins-schema.yaml are the hand-written oracle's (LoginTransformer), value for value,
// in both mask modes.
TEST(MessageTransform, TheLoginsSchemaGivesTheLoginsJobsRowsAndReasons) {
  const std::vector<LoginInput> inputs = LoginInputs();
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
    size_t accepted = 0;
    for (const LoginInput& input : inputs) {
      const std::string& body = input.body;
      std::string old_reason, new_reason;
      const bool old_ok = old.Append("m", body, input.sent_timestamp_ms, &old_rows, &old_reason);
      const bool new_ok =
          general.Append("m", body, input.sent_timestamp_ms, &batch.rows, &new_reason);
      EXPECT_EQ(new_ok, old_ok) << body;
      EXPECT_EQ(new_reason, old_reason) << body;
      ASSERT_EQ(batch.rows.num_rows(), old_rows.num_rows()) << body;
      if (!old_ok) continue;
      ++accepted;
      const size_t row = old_rows.num_rows() - 1;
      for (size_t c = 0; c < old_rows.num_columns(); ++c)
        EXPECT_EQ(Cell(batch.rows, row, c), Cell(old_rows, row, c)) << body << " column " << c;
    }
    // Both kinds are compared, many of each.
    EXPECT_GT(accepted, 20u);
    EXPECT_GT(inputs.size() - accepted, 50u);
  }
}

// tests/pipelines/signups-typed-schema.yaml, a field of every type, email and phone masked: its
// rows and reasons are data (tests/pipelines/signups_typed_test.yaml); here what a case cannot
// state.
class SignupsTransform : public ::testing::Test {
 protected:
  SignupsTransform()
      : transform_(SchemaOf(ReadFile(std::string(SLUICE_SOURCE_DIR) +
                                     "/tests/pipelines/signups-typed-schema.yaml")),
                   {"email", "phone"}, Keyring(), MaskMode::kSiv),
        batch_(transform_.NewBatch()) {}

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  MessageTransform transform_;
  PreparedBatch batch_;
};

// The staged row is the message id, then the schema's fields in order; only a required field is
// NOT NULL, which the table's DDL takes from here.
TEST_F(SignupsTransform, TheRowIsTheMessageIdThenTheFields) {
  std::vector<std::string> names;
  std::vector<bool> nullable;
  for (const auto& column : batch_.rows.schema()) {
    names.push_back(column.name);
    nullable.push_back(column.nullable);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"message_id", "email", "phone", "country", "plan",
                                             "client_version", "referrals", "score", "born",
                                             "seen_at", "signed_up"}));
  EXPECT_EQ(nullable, (std::vector<bool>{false, false, true, true, true, true, true, true, true,
                                         true, true}));
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

// A whole number past 64 bits is out of range, in the field's own words, whatever form simdjson
// keeps it in (2^63..2^64-1 is its unsigned 64-bit kind, longer digits a big integer); only a
// fraction or an exponent is "not whole".
TEST(MessageTransform, AWholeNumberTooLargeIsOutOfRangeForEveryIntegerKind) {
  MessageTransform transform(SchemaOf("fields:\n"
                                      "  - {name: i, type: integer}\n"
                                      "  - {name: b, type: bigint}\n"
                                      "  - {name: t, type: timestamptz, convert: "
                                      "epoch-to-timestamptz}\n"),
                             {}, Keyring(), MaskMode::kSiv);
  PreparedBatch batch = transform.NewBatch();
  const std::string int32 = " is out of range for integer (-2147483648 to 2147483647)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"i": 2147483648})", "i" + int32},
      {R"({"i": 9223372036854775808})", "i" + int32},
      {R"({"i": 18446744073709551615})", "i" + int32},
      {R"({"i": 99999999999999999999999})", "i" + int32},
      {R"({"i": -9223372036854775809})", "i" + int32},
      {R"({"i": 1.5})", "i must be a whole number, not one with a fraction or an exponent"},
      {R"({"b": 9223372036854775808})", "b is out of range for a 64-bit integer"},
      {R"({"b": 18446744073709551616})", "b is out of range for a 64-bit integer"},
      {R"({"b": 2e3})", "b must be a whole number, not one with a fraction or an exponent"},
      {R"({"t": 9223372036854775808})", "t is out of range for a timestamp in milliseconds"},
  };
  for (const auto& [body, why] : cases) {
    std::string reason;
    EXPECT_FALSE(transform.Append("m", body, 0, &batch.rows, &reason)) << body;
    EXPECT_EQ(reason, why) << body;
  }
  std::string reason;
  ASSERT_TRUE(transform.Append("m", R"({"b": 9223372036854775807, "i": -2147483648})", 0,
                               &batch.rows, &reason))
      << reason;
  EXPECT_EQ(Cell(batch.rows, 0, 2), "9223372036854775807");
}

// The checks run in the documented order: an integer's range is part of its type, before a
// required field's presence (docs/message-schemas.md).
TEST(MessageTransform, AnIntegersRangeIsCheckedBeforeRequiredFields) {
  MessageTransform transform(
      SchemaOf("fields:\n"
               "  - {name: email, type: text}\n"
               "  - {name: n, type: integer}\n"
               "  - {name: plan-x, column: plan_x, type: text, required: true}\n"),
      {}, Keyring(), MaskMode::kSiv);
  PreparedBatch batch = transform.NewBatch();
  std::string reason;
  EXPECT_FALSE(
      transform.Append("m", R"({"email":"a@x.com","n":2147483648})", 0, &batch.rows, &reason));
  EXPECT_EQ(reason, "n is out of range for integer (-2147483648 to 2147483647)");
  EXPECT_FALSE(transform.Append("m", R"({"email":"a@x.com","n":2})", 0, &batch.rows, &reason));
  EXPECT_EQ(reason, "plan-x is missing");
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
    Write("key", kTransformKey + "\n");
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

// A masked field's max-length that no masked value fits is a validate error, giving the width
// a one-byte value needs in the mask's mode (with this key's id, "ka"), not a reject for every
// message later. The width named is the narrowest that works.
TEST_F(MessagePipelineFiles, AMaskedFieldsWidthMustHoldAMaskedValue) {
  const auto pipeline = [](const std::string& mode) {
    return "source: {file: {file: in.json}}\n"
           "transforms:\n"
           "  - validate: {schema: narrow.yaml}\n"
           "  - mask: {key-file: \"${KEY}\", mask: " +
           mode +
           ", fields: [email]}\n"
           "sink: {postgres-table: {pg: \"${SLUICE_PG_URL}\", table: t}}\n";
  };
  Write("narrow.yaml",
        "fields:\n  - {name: x, type: text}\n  - {name: email, type: text, "
        "max-length: 5}\n");
  const std::string schema = (dir_ / "narrow.yaml").string();
  EXPECT_EQ(Errors(pipeline("siv")),
            (std::vector<std::string>{schema + ":3:12: fields[1].max-length: 'email' is masked "
                                               "(siv), and a masked value needs at least 27 "
                                               "characters; max-length is 5"}));
  EXPECT_EQ(Errors(pipeline("hmac")),
            (std::vector<std::string>{schema + ":3:12: fields[1].max-length: 'email' is masked "
                                               "(hmac), and a masked value needs at least 48 "
                                               "characters; max-length is 5"}));
  Write("narrow.yaml", "fields:\n  - {name: email, type: text, max-length: 27}\n");
  EXPECT_TRUE(Errors(pipeline("siv")).empty());
  // The width named holds a one-byte value, and one less holds none.
  MaskKeyring ring = std::move(MaskKeyring::Parse(kTransformKey, "test")).value();
  for (MaskMode mode : {MaskMode::kSiv, MaskMode::kHmac}) {
    Masker masker(ring, mode);
    const size_t width = mode == MaskMode::kSiv ? 27 : 48;
    EXPECT_GE(masker.MaxPlainLength(width), 1u);
    EXPECT_EQ(masker.MaxPlainLength(width - 1), 0u);
  }
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
