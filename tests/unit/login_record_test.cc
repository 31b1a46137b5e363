#include <gtest/gtest.h>

#include "core/time_parse.h"
#include "formats/json_parse.h"
#include "support/reference_login_transformer.h"

namespace sluice::logins {
namespace {

const std::string kKey =
    "ka:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

class LoginRecordTest : public ::testing::Test {
 protected:
  LoginRecordTest()
      : ring_(std::move(MaskKeyring::Parse(kKey, "test")).value()),
        masker_(ring_, MaskMode::kSiv),
        transformer_(masker_, masker_),
        rows_(LoginRowSchema()) {}

  // The reject reason for a body, or "" when it is accepted.
  std::string ReasonFor(std::string_view body) {
    std::string reason;
    return transformer_.Append("m", body, 0, &rows_, &reason) ? "" : reason;
  }

  MaskKeyring ring_;
  Masker masker_;
  LoginTransformer transformer_;
  Batch rows_;
};

TEST(AppVersion, EncodesInOrderAndDecodes) {
  int32_t v;
  std::string error;
  ASSERT_TRUE(EncodeAppVersion("2.3.0", &v, &error));
  EXPECT_EQ(v, 2003000);
  ASSERT_TRUE(EncodeAppVersion("0.96", &v, &error));
  EXPECT_EQ(v, 96000);
  ASSERT_TRUE(EncodeAppVersion("999.999.999", &v, &error));
  EXPECT_EQ(v, 999999999);
  EXPECT_EQ(DecodeAppVersion(2003000), "2.3.0");
  for (const char* bad : {"v2", "1.2.3.4", "1.1000", "1000", "", "1..2", "1.2.", ".1", "1.-2",
                          "1.2 ", "01234.1", "7.", " 7", "-7", "+7", "7a", "0x7"}) {
    EXPECT_FALSE(EncodeAppVersion(bad, &v, &error)) << bad;
    EXPECT_NE(error.find("MAJOR[.MINOR[.PATCH]]"), std::string::npos);
  }
}

// Case one-part-app-version: one part is MAJOR, the missing parts are 0, like "2.3" -> 2.3.0.
TEST(AppVersion, OnePartIsAMajorVersion) {
  int32_t v = -1;
  std::string error;
  ASSERT_TRUE(EncodeAppVersion("7", &v, &error)) << error;
  EXPECT_EQ(v, 7000000);
  ASSERT_TRUE(EncodeAppVersion("19", &v, &error)) << error;
  EXPECT_EQ(v, 19000000);
  ASSERT_TRUE(EncodeAppVersion("0", &v, &error)) << error;
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(EncodeAppVersion("999", &v, &error)) << error;
  EXPECT_EQ(v, 999000000);
  ASSERT_TRUE(EncodeAppVersion("007", &v, &error)) << error;
  EXPECT_EQ(v, 7000000);
  EXPECT_EQ(DecodeAppVersion(19000000), "19.0.0");
  // Order is kept across the forms: 7 < 7.0.1 < 7.1 < 19.
  int32_t a, b, c, d;
  ASSERT_TRUE(EncodeAppVersion("7", &a, &error) && EncodeAppVersion("7.0.1", &b, &error) &&
              EncodeAppVersion("7.1", &c, &error) && EncodeAppVersion("19", &d, &error));
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
}

TEST_F(LoginRecordTest, AValidMessageBecomesAMaskedRow) {
  const std::string body = R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae",
      "app_version": "2.3.0", "device_type": "android", "ip": "199.172.111.135",
      "locale": null, "device_id": "593-47-5928"})";
  std::string reason;
  // 2021-12-25T23:30:00Z: create_date is the UTC day.
  ASSERT_TRUE(transformer_.Append("id-1", body, 1640475000000, &rows_, &reason)) << reason;
  EXPECT_EQ(rows_.column(LoginRowIndex("message_id")).Text(0), "id-1");
  EXPECT_EQ(rows_.column(LoginRowIndex("user_id")).Text(0), "424cdd21-063a-43a7-b91b-7ca1a833afae");
  EXPECT_EQ(rows_.column(LoginRowIndex("device_type")).Text(0), "android");
  EXPECT_EQ(*masker_.Reveal(rows_.column(LoginRowIndex("masked_ip")).Text(0)), "199.172.111.135");
  EXPECT_EQ(*masker_.Reveal(rows_.column(LoginRowIndex("masked_device_id")).Text(0)),
            "593-47-5928");
  EXPECT_TRUE(rows_.column(LoginRowIndex("locale")).IsNull(0));
  EXPECT_EQ(rows_.column(LoginRowIndex("app_version")).Int(0), 2003000);
  EXPECT_EQ(rows_.column(LoginRowIndex("create_date")).Int(0), DaysFromCivil(2021, 12, 25));
}

TEST_F(LoginRecordTest, OnlyUserIdIsRequired) {
  EXPECT_EQ(ReasonFor(R"({"user_id": "u"})"), "");
  ASSERT_EQ(rows_.num_rows(), 1u);
  for (size_t c :
       {LoginRowIndex("device_type"), LoginRowIndex("masked_ip"), LoginRowIndex("masked_device_id"),
        LoginRowIndex("locale"), LoginRowIndex("app_version")})
    EXPECT_TRUE(rows_.column(c).IsNull(0)) << rows_.schema()[c].name;
}

TEST_F(LoginRecordTest, BadInputIsRejectedWithAClearReason) {
  EXPECT_TRUE(ReasonFor("{not json").starts_with("the body is not valid JSON: "));
  EXPECT_EQ(ReasonFor(R"([{"user_id": "u"}])"), "the body is an array, not a JSON object");
  EXPECT_EQ(ReasonFor(""), "the body is empty");
  EXPECT_EQ(ReasonFor(R"({"foo": "oops_wrong_msg_type", "bar": "123"})"), "user_id is missing");
  EXPECT_EQ(ReasonFor(R"({"user_id": ""})"), "user_id is missing");
  EXPECT_EQ(ReasonFor(R"({"user_id": 42})"), "user_id must be a string, not a number");
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "ip": ["1.2.3.4"]})"),
            "ip must be a string, not an array");
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "locale": {"x": 1}})"),
            "locale must be a string, not an object");
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "app_version": 2.3})"),
            "app_version must be a string, not a number");
  EXPECT_EQ(ReasonFor("{\"user_id\": \"" + std::string(129, 'u') + "\"}"),
            "user_id is 129 characters; the column holds 128");
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "device_type": ")" + std::string(33, 'd') + "\"}"),
            "device_type is 33 characters; the column holds 32");
  EXPECT_EQ(ReasonFor(R"({"user_id": "a\u0000b"})"),
            "user_id contains a NUL byte, which PostgreSQL text cannot hold");
  const std::string shape = "app_version is not MAJOR[.MINOR[.PATCH]] with parts 0..999: ";
  const std::pair<const char*, const char*> versions[] = {
      {"v2", "byte 1 is neither a digit nor a dot"},
      {"1.2.3.4", "it has more than 3 parts"},
      {"1.1000", "part 2 has more than 3 digits"},
      {"1.2.", "part 3 is empty"},
      {"1..2", "part 2 is empty"},
      {"", "it is empty"},
      {"1.2 ", "byte 4 is neither a digit nor a dot"},
      {"-1.2", "byte 1 is neither a digit nor a dot"}};
  for (const auto& [v, why] : versions) {
    EXPECT_EQ(ReasonFor(std::string(R"({"user_id": "u", "app_version": ")") + v + "\"}"),
              shape + why)
        << v;
  }
  EXPECT_NE(ReasonFor(R"({"user_id": "u", "ip": ")" + std::string(300, '1') + "\"}")
                .find("would not fit the column's 256 characters"),
            std::string::npos);
  EXPECT_EQ(rows_.num_rows(), 0u);  // nothing half-written
}

// A reason is stored in the clear beside the encrypted body: it names the field and why, never
// the value, which may be personal data.
TEST_F(LoginRecordTest, NoReasonQuotesTheValue) {
  const std::string pii = "Jane.Doe@example.com";
  const std::string bodies[] = {
      R"({"user_id": ")" + pii + std::string(130, 'x') + "\"}",
      R"({"user_id": "u", "device_type": ")" + pii + std::string(40, 'x') + "\"}",
      R"({"user_id": "u", "locale": ")" + pii + std::string(40, 'x') + "\"}",
      R"({"user_id": "u", "app_version": ")" + pii + "\"}",
      R"({"user_id": "u", "app_version": "1.2.)" + pii + "\"}",
      R"({"user_id": "u", "ip": ")" + pii + std::string(300, 'x') + "\"}",
      R"({"user_id": "u", "device_id": ")" + pii + std::string(300, 'x') + "\"}",
      R"({"user_id": ")" + pii + R"(\u0000"})",
      R"({"user_id": ")" + pii + "\xC3\"}",
      R"({"user_id": ")" + pii + "\"",
      "\"" + pii + "\"",
  };
  for (const std::string& body : bodies) {
    const std::string reason = ReasonFor(body);
    ASSERT_FALSE(reason.empty()) << body;
    EXPECT_EQ(reason.find("Jane"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("example"), std::string::npos) << reason;
  }
}

// A key the job reads, named twice or in another letter case, is ambiguous: rejected, naming
// the key and quoting no value. Keys the job does not read may repeat, and nested objects are
// not looked into.
TEST_F(LoginRecordTest, AKeyNamedTwiceOrInAnotherCaseIsRejected) {
  EXPECT_EQ(ReasonFor(R"({"user_id":"dupA","user_id":"dupB","app_version":"1"})"),
            "key 'user_id' appears twice");
  EXPECT_EQ(ReasonFor(R"({"user_id":"u","ip":"1.1.1.1","ip":"2.2.2.2"})"),
            "key 'ip' appears twice");
  EXPECT_EQ(ReasonFor(R"({"user_id":"U_ID","User_id":"x"})"),
            "keys 'user_id' and 'User_id' differ only in letter case");
  EXPECT_EQ(ReasonFor(R"({"USER_ID":"x"})"),
            "key 'USER_ID' differs from 'user_id' only in letter case");
  EXPECT_EQ(ReasonFor(R"({"user_id":"u","note":1,"note":2,"extra":{"ip":1,"ip":2}})"), "");
  EXPECT_EQ(rows_.num_rows(), 1u);
}

TEST_F(LoginRecordTest, AOnePartVersionIsStored) {
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "app_version": "19"})"), "");
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "app_version": "0"})"), "");
  ASSERT_EQ(rows_.num_rows(), 2u);
  EXPECT_EQ(rows_.column(LoginRowIndex("app_version")).Int(0), 19000000);
  EXPECT_EQ(rows_.column(LoginRowIndex("app_version")).Int(1), 0);
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "app_version": "1000"})"),
            "app_version is not MAJOR[.MINOR[.PATCH]] with parts 0..999: part 1 has more than 3 "
            "digits");
}

// Case json-big-number-unused-field: numbers beyond 64 bits or double range are valid JSON; in a
// field the job does not use they change nothing.
TEST_F(LoginRecordTest, BigNumbersInUnusedFieldsAreIgnored) {
  for (const char* n : {"123456789012345678901234567890", "18446744073709551616", "1e400", "-1e400",
                        "-123456789012345678901234567890", "1.5e99999"}) {
    EXPECT_EQ(ReasonFor(std::string(R"({"user_id":"u-1","app_version":"1.0","trace_id":)") + n +
                        R"(,"ip":"10.0.0.1","nested":{"x":[)" + n + "]}}"),
              "")
        << n;
  }
  ASSERT_EQ(rows_.num_rows(), 6u);
  EXPECT_EQ(rows_.column(LoginRowIndex("user_id")).Text(5), "u-1");
  EXPECT_EQ(rows_.column(LoginRowIndex("app_version")).Int(5), 1000000);
  EXPECT_EQ(*masker_.Reveal(rows_.column(LoginRowIndex("masked_ip")).Text(5)), "10.0.0.1");
}

// Deep nesting in a field the job does not use is valid JSON too: stored, up to the parser's
// limit (kMaxJsonDepth); beyond it, the reject says so.
TEST_F(LoginRecordTest, DeepNestingInUnusedFieldsIsReadUpToTheLimit) {
  const auto body = [](size_t levels) {
    return R"({"user_id":"u-1","app_version":"1.0","trace":)" + std::string(levels, '[') +
           std::string(levels, ']') + "}";
  };
  EXPECT_EQ(ReasonFor(body(5000)), "");
  ASSERT_GE(rows_.num_rows(), 1u);
  EXPECT_EQ(rows_.column(LoginRowIndex("user_id")).Text(0), "u-1");
  // The innermost [] is empty, so it takes no level of its own.
  EXPECT_EQ(ReasonFor(body(kMaxJsonDepth)), "");
  EXPECT_EQ(ReasonFor(body(kMaxJsonDepth + 1)),
            "the body is not valid JSON: arrays and objects nest deeper than 10000 levels, the "
            "most Sluice reads (RFC 8259 section 9 lets a parser set such a limit)");
}

// A big number where the job needs a string is a reject naming the field, without its value.
TEST_F(LoginRecordTest, BigNumbersInUsedFieldsNameTheField) {
  for (const char* field : {"user_id", "device_type", "locale", "app_version", "ip", "device_id"}) {
    const std::string prefix = std::string(field) == "user_id" ? "{" : R"({"user_id":"u",)";
    const std::string body = prefix + "\"" + field + R"(":123456789012345678901234567890})";
    EXPECT_EQ(ReasonFor(body), std::string(field) + " must be a string, not a number") << body;
  }
  EXPECT_EQ(ReasonFor("1e400"), "the body is a number, not a JSON object");
  EXPECT_EQ(ReasonFor(R"({"user_id":"u","x":1e400,"y":01})").substr(0, 27),
            "the body is not valid JSON:");
  EXPECT_EQ(rows_.num_rows(), 0u);
}

TEST_F(LoginRecordTest, LengthsCountCharactersNotBytes) {
  std::string thirty_two_chars;
  for (int i = 0; i < 32; ++i)
    thirty_two_chars += "\xc3\xa9";  // é, two bytes each
  EXPECT_EQ(ReasonFor(R"({"user_id": "u", "locale": ")" + thirty_two_chars + "\"}"), "");
}

TEST_F(LoginRecordTest, RejectsKeepTheBodyEncrypted) {
  Batch rejects(LoginRejectSchema());
  ASSERT_TRUE(
      transformer_.AppendReject("m1", 5, "user_id is missing", "{\"ip\":\"1.2.3.4\"}", &rejects)
          .ok());
  EXPECT_EQ(rejects.column(RejectIndex("reason")).Text(0), "user_id is missing");
  EXPECT_EQ(rejects.column(RejectIndex("body_encrypted")).Text(0).find("1.2.3.4"),
            std::string::npos);
  EXPECT_EQ(*masker_.Reveal(rejects.column(RejectIndex("body_encrypted")).Text(0)),
            "{\"ip\":\"1.2.3.4\"}");
}

}  // namespace
}  // namespace sluice::logins
