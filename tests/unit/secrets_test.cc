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

// argv is scrubbed in place: same length (the kernel shows argv's bytes as they are), every
// password byte replaced, nothing else touched.
TEST(Secrets, ArgumentsAreScrubbedInPlace) {
  char url[] = "--pg=postgresql://app:s3cr3t@db:5432/x?sslmode=require";
  EXPECT_TRUE(ScrubSecretsInPlace(url));
  EXPECT_STREQ(url, "--pg=postgresql://app:xxxxxx@db:5432/x?sslmode=require");
  char at_in_password[] = "mysql://u:p@ss@h/db";
  EXPECT_TRUE(ScrubSecretsInPlace(at_in_password));
  EXPECT_STREQ(at_in_password, "mysql://u:xxxx@h/db");
  char conninfo[] = "host=h password='a b' user=u";
  EXPECT_TRUE(ScrubSecretsInPlace(conninfo));
  EXPECT_STREQ(conninfo, "host=h password=xxxxx user=u");
  char both[] = "postgresql://u:pw@h/d?password=other";
  EXPECT_TRUE(ScrubSecretsInPlace(both));
  EXPECT_STREQ(both, "postgresql://u:xx@h/d?password=xxxxx");
  char plain[] = "SELECT 'a:b@c' -- no scheme";
  EXPECT_FALSE(ScrubSecretsInPlace(plain));
  EXPECT_STREQ(plain, "SELECT 'a:b@c' -- no scheme");
  char empty[] = "";
  EXPECT_FALSE(ScrubSecretsInPlace(empty));
}

TEST(Secrets, ConninfoAndUrlPasswordsTogetherAreBothMasked) {
  EXPECT_EQ(Redact("postgresql://u:pw@h/d?password=other and password=third"),
            "postgresql://u:****@h/d?password=**** and password=****");
}

}  // namespace
}  // namespace sluice
