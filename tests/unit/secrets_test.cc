#include "core/secrets.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Secrets, UrlPasswordsAreMasked) {
  EXPECT_EQ(RedactUrl("postgresql://app:s3cr3t@db:5432/x"), "postgresql://app:****@db:5432/x");
  EXPECT_EQ(RedactUrl("mysql://u:p@ss@h/db"), "mysql://u:****@h/db");
  EXPECT_EQ(RedactUrl("postgresql://app@db/x"), "postgresql://app@db/x");
  EXPECT_EQ(RedactUrl("no url here"), "no url here");
  // Found by fuzzing: a quote in a password must not end the redaction early.
  EXPECT_EQ(RedactUrl("mysql://user:pa\"ss@host/db"), "mysql://user:****@host/db");
}

TEST(Secrets, TextWithUrlsConninfoAndRegisteredSecrets) {
  RegisterSecret("hunter2-key-material");
  std::string text =
      "failed at postgresql://u:pw1@h/d and host=h password=pw2 user=u; key hunter2-key-material";
  std::string out = Redact(text);
  EXPECT_EQ(out.find("pw1"), std::string::npos);
  EXPECT_EQ(out.find("pw2"), std::string::npos);
  EXPECT_EQ(out.find("hunter2"), std::string::npos);
  EXPECT_NE(out.find("user=u"), std::string::npos);
}

}  // namespace
}  // namespace sluice
