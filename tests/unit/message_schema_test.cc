#include "transforms/message_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jobs/logins/logins_schema.h"
#include "jobs/logins/logins_table.h"

namespace sluice {
namespace {

// Each error as "line:column: path: message", in order.
std::vector<std::string> Errors(std::string_view yaml) {
  std::vector<std::string> out;
  for (const PipelineError& e : ParseMessageSchema(yaml).errors)
    out.push_back(FormatPipelineError("", e).substr(e.position.line > 0 ? 1 : 2));
  return out;
}

TEST(MessageSchema, LoadsEveryKey) {
  LoadedMessageSchema loaded = ParseMessageSchema(R"(fields:
  - name: email
    type: text
    required: true
    max-length: 320
  - name: phone
    path: contact.phone
    column: phone_masked
    type: text
  - name: app_version
    type: integer
    convert: version-to-integer
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
  - name: sent_ms
    from: sent-timestamp
    type: bigint
)");
  ASSERT_TRUE(loaded.ok()) << FormatPipelineError("s", loaded.errors.front());
  const auto& f = loaded.schema.fields;
  ASSERT_EQ(f.size(), 8u);
  EXPECT_EQ(f[0].name, "email");
  EXPECT_EQ(f[0].column, "email");
  EXPECT_EQ(f[0].path, std::vector<std::string>{"email"});
  EXPECT_TRUE(f[0].required);
  EXPECT_EQ(f[0].max_length, 320u);
  EXPECT_EQ(f[0].position.line, 2);
  EXPECT_EQ(f[0].position.column, 11);
  EXPECT_EQ(f[1].path, (std::vector<std::string>{"contact", "phone"}));
  EXPECT_EQ(f[1].column, "phone_masked");
  EXPECT_FALSE(f[1].required);
  EXPECT_EQ(f[2].type, ColumnType::kInt32);
  EXPECT_EQ(f[2].convert, FieldConversion::kVersionToInteger);
  EXPECT_EQ(f[3].type, ColumnType::kFloat64);
  EXPECT_EQ(f[4].type, ColumnType::kDate);
  EXPECT_EQ(f[5].type, ColumnType::kTimestamptz);
  EXPECT_EQ(f[6].origin, FieldOrigin::kSentTimestamp);
  EXPECT_TRUE(f[6].path.empty());
  EXPECT_EQ(f[7].type, ColumnType::kInt64);
  EXPECT_NE(loaded.schema.Find("phone"), nullptr);
  EXPECT_EQ(loaded.schema.Find("contact"), nullptr);
}

TEST(MessageSchema, ReportsEveryErrorAtOnceWithPositions) {
  EXPECT_EQ(Errors(R"(fields:
  - name: email
    type: txt
  - name: order
    type: integer
    max-length: 3
  - name: v
    type: text
    convert: version-to-integer
  - nmae: x
    type: text
  - name: plan
    type: text
  - name: d
    type: date
    convert: epoch-to-dat
  - name: sent_day
    from: sent-timestamp
    type: date
  - name: a
    column: Email
    type: text
  - name: b
    path: x..y
    type: text
  - name: c
    required: yes
    type: text
)"),
            (std::vector<std::string>{
                "3:11: fields[0].type: 'txt' is not one of text, integer, bigint, double, date, "
                "timestamptz (did you mean text?)",
                "4:11: fields[1].name: as the column's name, 'order' is a reserved word of "
                "PostgreSQL's SQL, which SQL cannot name without quotes: choose another name "
                "(give column: NAME)",
                "6:17: fields[1].max-length: only a text field has a length; this one is integer",
                "9:14: fields[2].convert: version-to-integer gives an integer or bigint, not text",
                "10:5: fields[3].nmae: unknown key (did you mean name?)",
                "16:14: fields[5].convert: 'epoch-to-dat' is not one of version-to-integer, "
                "epoch-to-date, epoch-to-timestamptz (did you mean epoch-to-date?)",
                "19:11: fields[6].type: the sent timestamp is milliseconds since 1970: type "
                "bigint, or convert: epoch-to-date or epoch-to-timestamptz, not date",
                "21:13: fields[7].column: 'Email' is not a plain lower-case name: a lower-case "
                "letter or '_', then lower-case letters, digits or '_' (so SQL can name it "
                "without quotes)",
                "24:11: fields[8].path: has an empty key: write keys joined by single dots",
                "27:15: fields[9].required: 'yes' is not true or false",
            }));
}

TEST(MessageSchema, RefusesTheShapesAroundTheFields) {
  EXPECT_EQ(Errors(""), (std::vector<std::string>{"empty: a message schema lists its fields; see "
                                                  "docs/message-schemas.md"}));
  EXPECT_EQ(Errors("- a\n"),
            (std::vector<std::string>{"1:1: expected a map with fields, not a list"}));
  EXPECT_EQ(Errors("fields: []\nfeilds: 1\n"),
            (std::vector<std::string>{
                "1:9: fields: expected a list of fields (- name: ...), not an empty list",
                "2:1: feilds: unknown key (did you mean fields?)"}));
  EXPECT_EQ(Errors("fields:\n  - text\n  - {type: text}\n  - {name: x}\n"),
            (std::vector<std::string>{
                "2:5: fields[0]: expected a field (a map: name, type, ...), not text",
                "3:5: fields[1]: no name: every field has one (name: user_id)",
                "4:5: fields[2]: no type: give type: one of text, integer, bigint, double, date, "
                "timestamptz"}));
  EXPECT_EQ(Errors("fields:\n  - {name: message_id, type: text}\n  - {name: a b, type: text}\n"),
            (std::vector<std::string>{
                "2:12: fields[0].name: as the column's name, 'message_id' is the name Sluice "
                "gives each message's id while staging rows: choose another (give column: NAME)",
                "3:12: fields[1].name: is not a field name: 1 to 63 letters, digits, _ and - (a "
                "JSON key with other characters goes in path)"}));
  EXPECT_EQ(Errors("fields:\n  - {name: a, type: text, column: x}\n"
                   "  - {name: b, type: text, column: x}\n"),
            (std::vector<std::string>{
                "3:35: fields[1].column: column 'x' is filled twice (first at line 2, column "
                "35)"}));
}

TEST(MessageSchema, AFieldWithAnErrorIsStillCheckedAgainstTheOthers) {
  // A bad type and a name given twice, in the same field and in another: both at once.
  LoadedMessageSchema loaded = ParseMessageSchema(R"(fields:
  - name: email
    type: text
  - name: email
    type: txt
  - name: plan
    type: integr
    column: Plan
  - name: ip
    type: text
)");
  std::vector<std::string> errors;
  for (const PipelineError& e : loaded.errors)
    errors.push_back(FormatPipelineError("s", e));
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "s:4:11: fields[1].name: 'email' is declared twice (first at line 2, column 11)",
                "s:5:11: fields[1].type: 'txt' is not one of text, integer, bigint, double, date, "
                "timestamptz (did you mean text?)",
                "s:7:11: fields[2].type: 'integr' is not one of text, integer, bigint, double, "
                "date, timestamptz (did you mean integer?)",
                "s:8:13: fields[2].column: 'Plan' is not a plain lower-case name: a lower-case "
                "letter or '_', then lower-case letters, digits or '_' (so SQL can name it "
                "without quotes)",
            }));
  // What mask.fields may still be checked against: the sound fields, and every name.
  EXPECT_TRUE(loaded.schema.fields.empty());
  ASSERT_EQ(loaded.sound_fields.size(), 2u);
  EXPECT_EQ(loaded.sound_fields[0].name, "email");
  EXPECT_EQ(loaded.sound_fields[1].name, "ip");
  EXPECT_EQ(loaded.names, (std::vector<std::string>{"email", "email", "plan", "ip"}));
  EXPECT_TRUE(loaded.all_names_read);
  // A field whose name is not read leaves the names incomplete.
  LoadedMessageSchema unnamed =
      ParseMessageSchema("fields:\n  - {type: text}\n  - {name: a, type: text}\n");
  EXPECT_FALSE(unnamed.all_names_read);
  EXPECT_EQ(unnamed.names, std::vector<std::string>{"a"});
}

TEST(MessageSchema, AKeyThatDependsOnABrokenOneIsNotCheckedTwice) {
  // An unknown `from` leaves the path unjudged; an unknown convert, the type's fit to it.
  EXPECT_EQ(Errors(R"(fields:
  - name: d
    from: sent-timestmp
    path: a.b
    type: date
  - name: v
    type: text
    convert: version-to-integr
)"),
            (std::vector<std::string>{
                "3:11: fields[0].from: 'sent-timestmp' is not one of body, sent-timestamp (did "
                "you mean sent-timestamp?)",
                "8:14: fields[1].convert: 'version-to-integr' is not one of version-to-integer, "
                "epoch-to-date, epoch-to-timestamptz (did you mean version-to-integer?)",
            }));
}

TEST(MessageSchema, NamesAreDeclaredOnce) {
  EXPECT_EQ(Errors("fields:\n  - {name: email, type: text}\n  - {name: email, type: bigint}\n"),
            (std::vector<std::string>{
                "3:12: fields[1].name: 'email' is declared twice (first at line 2, column 12)"}));
}

TEST(MessageSchema, YamlRulesAreThePipelineFiles) {
  // Anchors and aliases, tags, duplicate keys: the YAML reader's refusals, with positions.
  const std::vector<std::string> errors = Errors(
      "fields:\n  - &f {name: a, type: text}\n  - *f\n  - {name: b, type: !!str text, "
      "type: text}\n");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], "2:5: an anchor (&f) is not allowed: write the value out");
  EXPECT_EQ(errors[1], "3:5: an alias (*f) is not allowed: write the value out");
  EXPECT_EQ(errors[2],
            "4:21: a tag (tag:yaml.org,2002:str) is not allowed: write the value plainly");
  EXPECT_EQ(errors[3], "4:33: 'type' is given twice (first at line 4, column 15)");
  std::string deep = "fields:\n";
  for (int i = 0; i < 40; ++i)
    deep += std::string(static_cast<size_t>(2 + 2 * i), ' ') + "- \n";
  EXPECT_FALSE(ParseMessageSchema(deep).ok());
  EXPECT_EQ(Errors(std::string(kMaxMessageSchemaBytes + 1, '#')),
            (std::vector<std::string>{
                "larger than 1 MiB: a message schema file is at most 1,048,576 bytes"}));
}

TEST(MessageSchema, ManyErrorsAreCounted) {
  std::string yaml = "fields:\n";
  for (int i = 0; i < 150; ++i)
    yaml += "  - {name: a" + std::to_string(i) + ", type: txt}\n";
  const std::vector<std::string> errors = Errors(yaml);
  ASSERT_EQ(errors.size(), 101u);
  EXPECT_EQ(errors.back(), "50 more errors not shown");
}

TEST(MessageSchema, AFileThatCannotBeReadIsOneError) {
  LoadedMessageSchema loaded = LoadMessageSchemaFile("/nonexistent/schema.yaml");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].message, "cannot read: No such file or directory");
}

// The logins job's definition is examples/logins-schema.yaml: it must declare exactly the
// user_logins the specification fixes (logins_table.h), in its order.
TEST(MessageSchema, TheLoginsExampleIsUserLogins) {
  const auto schema = logins::LoginsMessageSchema();
  const std::vector<logins::TableColumn> columns = logins::TableColumnsOf(*schema);
  ASSERT_EQ(columns.size(), logins::kLoginsColumns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    const logins::TableColumn& want = logins::kLoginsColumns[i];
    EXPECT_EQ(columns[i].name, want.name);
    EXPECT_EQ(columns[i].type, want.type) << want.name;
    EXPECT_EQ(columns[i].max_chars, want.max_chars) << want.name;
    EXPECT_EQ(columns[i].required, want.required) << want.name;
    EXPECT_EQ(columns[i].not_null, want.not_null) << want.name;
    EXPECT_EQ(logins::SqlType(columns[i]), logins::SqlType(want));
    if (!want.json_key.empty()) {
      EXPECT_EQ(schema->fields[i].path, std::vector<std::string>{std::string(want.json_key)});
    }
  }
  EXPECT_EQ(schema->fields.back().origin, FieldOrigin::kSentTimestamp);
  EXPECT_EQ(schema->fields.back().convert, FieldConversion::kEpochToDate);
}

}  // namespace
}  // namespace sluice
