// The logins job's message -> row / reject facts are data: tests/pipelines/logins_test.yaml,
// run by `sluice test` under ctest, states each case's row columns and whole reject reason, and
// message_transform_test.cc holds the general transform to the hand-written oracle on every one
// of its inputs. What stays here is what a YAML case cannot say: bodies that are not UTF-8 (a
// YAML file cannot hold them), nesting 10,000 levels deep, a property of every reason (it never
// quotes the value), the encrypted body of a reject, and the version number functions' API over
// random versions.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "formats/json_parse.h"
#include "jobs/logins/logins_schema.h"
#include "support/reference_login_transformer.h"
#include "transforms/message_transform.h"
#include "transforms/version_number.h"

namespace sluice::logins {
namespace {

const std::string kRecordKey =
    "ka:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

// The transform `logins run` uses: examples/logins-schema.yaml, ip and device_id masked.
class LoginRecordTest : public ::testing::Test {
 protected:
  LoginRecordTest()
      : ring_(std::make_shared<const MaskKeyring>(
            std::move(MaskKeyring::Parse(kRecordKey, "test")).value())),
        transform_(LoginsMessageSchema(), LoginsMaskedFields(), ring_, MaskMode::kSiv),
        batch_(transform_.NewBatch()) {}

  // The reject reason for a body, or "" when it is accepted.
  std::string ReasonFor(std::string_view body) {
    std::string reason;
    return transform_.Append("m", body, 0, &batch_.rows, &reason) ? "" : reason;
  }

  std::string UserId(size_t row) const {
    return std::string(batch_.rows.column(LoginRowIndex("user_id")).Text(row));
  }

  std::shared_ptr<const MaskKeyring> ring_;
  MessageTransform transform_;
  PreparedBatch batch_;
};

// Encoding keeps the order of versions, and decoding gives the parts back, for any parts 0..999
// written with or without the trailing zero parts.
TEST(VersionNumber, RandomVersionsKeepTheirOrderAndDecode) {
  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> part(0, 999);
  using Parts = std::tuple<int, int, int>;
  std::vector<std::pair<Parts, int32_t>> seen;
  for (int i = 0; i < 20000; ++i) {
    const int form = i % 3;  // 0: MAJOR.MINOR.PATCH, 1: MAJOR.MINOR, 2: MAJOR
    const int major = part(random);
    const int minor = form < 2 ? part(random) : 0;
    const int patch = form < 1 ? part(random) : 0;
    const Parts parts{major, minor, patch};
    std::string text = std::to_string(major);
    if (form < 2) text += "." + std::to_string(minor);
    if (form < 1) text += "." + std::to_string(patch);
    int32_t value = -1;
    std::string error;
    ASSERT_TRUE(EncodeVersionNumber(text, "v", &value, &error)) << text << ": " << error;
    EXPECT_EQ(value, major * 1000000 + minor * 1000 + patch) << text;
    EXPECT_EQ(DecodeVersionNumber(value),
              std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch));
    seen.emplace_back(parts, value);
  }
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i - 1].first < seen[i].first, seen[i - 1].second < seen[i].second);
  }
}

// The error names the field it is given, since the same rule serves every schema's field.
TEST(VersionNumber, TheErrorNamesTheGivenField) {
  int32_t value = 7;
  std::string error;
  EXPECT_FALSE(EncodeVersionNumber("1.2.3.4", "client_version", &value, &error));
  EXPECT_EQ(error,
            "client_version is not MAJOR[.MINOR[.PATCH]] with parts 0..999: it has more than 3 "
            "parts");
  EXPECT_EQ(DecodeVersionNumber(0), "0.0.0");
  EXPECT_EQ(DecodeVersionNumber(999999999), "999.999.999");
}

// Bytes that are not UTF-8, anywhere in the body, make it invalid JSON (RFC 8259 section 8.1).
TEST_F(LoginRecordTest, ABodyThatIsNotUtf8IsARejectNamingWhy) {
  const std::string not_utf8 = "the body is not valid JSON: The input is not valid UTF-8";
  EXPECT_EQ(ReasonFor("{\"user_id\": \"a\xC3\"}"), not_utf8);
  EXPECT_EQ(ReasonFor("{\"user_id\": \"u\", \"note\": \"\xFF\xFE\"}"), not_utf8);
  EXPECT_EQ(ReasonFor("{\"user_id\": \"u\", \"ip\": \"\xED\xA0\x80\"}"), not_utf8);  // a surrogate
  EXPECT_EQ(batch_.rows.num_rows(), 0u);
}

// A reason is stored in the clear beside the encrypted body: it names the field and why, never
// the value, which may be personal data. (A YAML case compares a part of the reason, so it could
// not show that nothing else is there.)
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
      R"({")" + pii + R"(": 1})",
      R"({"user_id": ")" + pii + R"(", "user_id": "x"})",
  };
  for (const std::string& body : bodies) {
    const std::string reason = ReasonFor(body);
    ASSERT_FALSE(reason.empty()) << body;
    EXPECT_EQ(reason.find("Jane"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("example"), std::string::npos) << reason;
  }
  EXPECT_EQ(batch_.rows.num_rows(), 0u);
}

// Deep nesting in a field the job does not use is valid JSON: stored, up to the parser's limit
// (kMaxJsonDepth); beyond it, the reject says so. Such bodies are 20 kB of brackets: code, not
// data.
TEST_F(LoginRecordTest, DeepNestingInUnusedFieldsIsReadUpToTheLimit) {
  const auto body = [](size_t levels) {
    return R"({"user_id":"u-1","app_version":"1.0","trace":)" + std::string(levels, '[') +
           std::string(levels, ']') + "}";
  };
  EXPECT_EQ(ReasonFor(body(5000)), "");
  // The innermost [] is empty, so it takes no level of its own.
  EXPECT_EQ(ReasonFor(body(kMaxJsonDepth)), "");
  ASSERT_EQ(batch_.rows.num_rows(), 2u);
  EXPECT_EQ(UserId(0), "u-1");
  EXPECT_EQ(UserId(1), "u-1");
  EXPECT_EQ(ReasonFor(body(kMaxJsonDepth + 1)),
            "the body is not valid JSON: arrays and objects nest deeper than 10000 levels, the "
            "most Sluice reads (RFC 8259 section 9 lets a parser set such a limit)");
  EXPECT_EQ(batch_.rows.num_rows(), 2u);
}

// A login that is rejected is kept with its body encrypted under the key, since it may hold an
// ip or a device id; the key reveals it whole, for repair. (A YAML case states the reason only.)
TEST_F(LoginRecordTest, ARejectKeepsTheBodyEncrypted) {
  const std::string body = R"({"ip":"1.2.3.4","device_id":"593-47-5928"})";
  InboundMessage message;
  message.id = "m1";
  message.body = body;
  message.received_at_micros = 5;
  ASSERT_TRUE(transform_.Apply(message, &batch_).ok());
  ASSERT_EQ(batch_.rejects.num_rows(), 1u);
  EXPECT_EQ(batch_.rejects.column(RejectIndex("reason")).Text(0), "user_id is missing");
  const std::string sealed(batch_.rejects.column(RejectIndex("body_encrypted")).Text(0));
  EXPECT_EQ(sealed.find("1.2.3.4"), std::string::npos);
  EXPECT_EQ(sealed.find("593"), std::string::npos);
  Masker revealer(*ring_, MaskMode::kSiv);
  EXPECT_EQ(revealer.Reveal(sealed).value(), body);
}

}  // namespace
}  // namespace sluice::logins
