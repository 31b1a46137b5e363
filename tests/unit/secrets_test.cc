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
  // Without a scheme, user:password@host is still a password; SQL that looks like one is
  // scrubbed too (the command reads a copy), erring on masking.
  char plain[] = "SELECT 'a:b@c' -- no scheme";
  EXPECT_TRUE(ScrubSecretsInPlace(plain));
  EXPECT_STREQ(plain, "SELECT 'a:x@c' -- no scheme");
  char no_at[] = "SELECT 'a:b' -- no userinfo";
  EXPECT_FALSE(ScrubSecretsInPlace(no_at));
  char slash[] = "--pg=postgresql://brk_sec:Zx9/aB+cQw==@127.0.0.1:55432/sluice";
  EXPECT_TRUE(ScrubSecretsInPlace(slash));
  EXPECT_STREQ(slash, "--pg=postgresql://brk_sec:xxxxxxxxxxxx@127.0.0.1:55432/sluice");
  char schemeless[] = "brk_sec:p%40ss@127.0.0.1";
  EXPECT_TRUE(ScrubSecretsInPlace(schemeless));
  EXPECT_STREQ(schemeless, "brk_sec:xxxxxx@127.0.0.1");
  char empty[] = "";
  EXPECT_FALSE(ScrubSecretsInPlace(empty));
}

TEST(Secrets, ConninfoAndUrlPasswordsTogetherAreBothMasked) {
  EXPECT_EQ(Redact("postgresql://u:pw@h/d?password=other and password=third"),
            "postgresql://u:****@h/d?password=**** and password=****");
}

// A password holding an unencoded '/', '#', '?' or '@' is masked up to the token's last '@',
// not up to where RFC 3986 would end the authority.
TEST(Secrets, PasswordsWithReservedCharactersAreMaskedWhole) {
  EXPECT_EQ(RedactUrl("postgresql://brk_sec:Zx9/aB+cQw==@127.0.0.1:55432/sluice"),
            "postgresql://brk_sec:****@127.0.0.1:55432/sluice");
  EXPECT_EQ(RedactUrl("mysql://sluice:Zx9#aBcQw@127.0.0.1:53306/sluice"),
            "mysql://sluice:****@127.0.0.1:53306/sluice");
  EXPECT_EQ(RedactUrl("mysql://sluice:Zx9?aBcQw@127.0.0.1:53306/sluice"),
            "mysql://sluice:****@127.0.0.1:53306/sluice");
  EXPECT_EQ(RedactUrl("postgresql://brk_sec:p@ss:w/rd%#?Zq@127.0.0.1:55432/sluice"),
            "postgresql://brk_sec:****@127.0.0.1:55432/sluice");
  EXPECT_EQ(RedactUrl("postgresql://u:Zsec@ret77@127.0.0.1:55432/db"),
            "postgresql://u:****@127.0.0.1:55432/db");
  // Quoted in a message: the quote and what follows the token stay.
  EXPECT_EQ(Redact("'mysql://sluice:Zx9/aB+cQw==@127.0.0.1:53306/sluice' is not a valid URL"),
            "'mysql://sluice:****@127.0.0.1:53306/sluice' is not a valid URL");
  // An '@' in the path or query is masked with the password: masking errs that way.
  EXPECT_EQ(RedactUrl("postgresql://u:pw@h/db?application_name=a@b"), "postgresql://u:****@b");
  // No password, no mask; a port after the host is not a password.
  EXPECT_EQ(RedactUrl("postgresql://u@h:5432/db"), "postgresql://u@h:5432/db");
  EXPECT_EQ(RedactUrl("postgresql://h:5432/db"), "postgresql://h:5432/db");
}

TEST(Secrets, UserinfoWithoutASchemeIsMasked) {
  EXPECT_EQ(Redact("cannot connect to brk_sec:p%40ss@127.0.0.1: refused"),
            "cannot connect to brk_sec:****@127.0.0.1: refused");
  EXPECT_EQ(Redact("at \"u:Zx9/aB+cQw==@127.0.0.1\""), "at \"u:****@127.0.0.1\"");
  // user@host:port has no password before its '@'.
  EXPECT_EQ(Redact("connecting as sluice@127.0.0.1:53306"), "connecting as sluice@127.0.0.1:53306");
  EXPECT_EQ(Redact("error: time 12:30 at noon"), "error: time 12:30 at noon");
}

// A registered secret is masked where it stands as a token, never inside a longer word.
TEST(Secrets, RegisteredSecretsAreMaskedAsTokensOnly) {
  RegisterSecret("sluic");
  EXPECT_EQ(Redact("Access denied for user 'sluice'@'127.0.0.1' (database sluice)"),
            "Access denied for user 'sluice'@'127.0.0.1' (database sluice)");
  // A short secret of name characters may be the name it equals, which servers quote: it is
  // masked by structure only.
  EXPECT_EQ(Redact("FATAL: database \"sluic\" does not exist; role 'sluic'; queue sluic"),
            "FATAL: database \"sluic\" does not exist; role 'sluic'; queue sluic");
  EXPECT_EQ(Redact("postgresql://sluic:sluic@h/sluic password=sluic"),
            "postgresql://sluic:****@h/sluic password=****");
  EXPECT_EQ(Redact("sluic"), "sluic");
  // A distinctive secret (a character no name has, or 16 bytes and more) is masked as a token.
  RegisterSecret("Tok3n-Value!");
  EXPECT_EQ(Redact("key=Tok3n-Value!;x \"Tok3n-Value!\" aTok3n-Value!"),
            "key=****;x \"****\" aTok3n-Value!");
  RegisterSecret("longpasswordword");
  EXPECT_EQ(Redact("longpasswordword, longpasswordwords"), "****, longpasswordwords");
  // A secret that begins or ends with punctuation is masked whatever stands beside that end.
  RegisterSecret("#hash-secret#");
  EXPECT_EQ(Redact("x#hash-secret#y"), "x****y");
  // '_' joins an identifier: a table named after a password stays readable.
  RegisterSecret("qz7pwLongSecret99");
  EXPECT_EQ(
      Redact("relation \"qz7pwLongSecret99_users\" does not exist; password qz7pwLongSecret99"),
      "relation \"qz7pwLongSecret99_users\" does not exist; password ****");
}

// A short password equal to the names around it (the database, a bucket, a schema): the names
// stay readable, and the password is masked where the structure shows it is one.
TEST(Secrets, NamesThatEqualAShortPasswordStayReadable) {
  RegisterSecret("warehouse");
  EXPECT_EQ(Redact("database warehouse at s3://warehouse-reports/warehouse.csv, schema warehouse"),
            "database warehouse at s3://warehouse-reports/warehouse.csv, schema warehouse");
  EXPECT_EQ(Redact("mysql://warehouse:warehouse@h/warehouse host=h password=warehouse"),
            "mysql://warehouse:****@h/warehouse host=h password=****");
}

// A password found by structure in a URL leaves the URL's names readable when the registered
// password equals one of them; elsewhere in the message, and in the query, it is still masked.
TEST(Secrets, AUrlsNamesThatEqualItsPasswordStayReadable) {
  RegisterSecret("logins");
  EXPECT_EQ(Redact("cannot connect to postgresql://logins:logins@127.0.0.1:1/logins: refused"),
            "cannot connect to postgresql://logins:****@127.0.0.1:1/logins: refused");
  EXPECT_EQ(Redact("postgresql://u:logins@h/logins?application_name=logins 'logins'"),
            "postgresql://u:****@h/logins?application_name=logins 'logins'");
  EXPECT_EQ(Redact("postgresql://h/logins"), "postgresql://h/logins");
  // A distinctive secret gets no such exemption where no password was masked by structure.
  RegisterSecret("logins-Pa55word!");
  EXPECT_EQ(Redact("postgresql://h/logins-Pa55word!"), "postgresql://h/****");
}

// Redacting a message twice (the connector, then the CLI) keeps its punctuation.
TEST(Secrets, ConninfoPasswordKeepsTheSeparatorAfterIt) {
  const std::string once =
      Redact("cannot connect to PostgreSQL at postgresql://u@h/d?password=Pw-In-Query");
  EXPECT_EQ(once, "cannot connect to PostgreSQL at postgresql://u@h/d?password=****");
  EXPECT_EQ(Redact(once + ": connection to server failed"),
            "cannot connect to PostgreSQL at postgresql://u@h/d?password=****: connection to "
            "server failed");
  EXPECT_EQ(Redact("password=Pw-In-Query: connection"), "password=****: connection");
  EXPECT_EQ(Redact("password=Pw-In-Query&sslmode=require"), "password=****&sslmode=require");
  EXPECT_EQ(Redact("host=h password=a:b:c user=u"), "host=h password=**** user=u");
}

TEST(Secrets, AmbiguousUserinfoIsRefusedWithoutQuotingIt) {
  for (const char* url :
       {"postgresql://brk_sec:Zx9/aB+cQw==@127.0.0.1:55432/sluice",
        "mysql://sluice:Zx9#aBcQw@127.0.0.1:53306/sluice",
        "mysql://sluice:Zx9?aBcQw@127.0.0.1:53306/sluice",
        "postgresql://brk_sec:p@ss:w/rd%#?Zq@127.0.0.1:55432/sluice",
        "postgresql://u:Zsec@ret77@127.0.0.1:55432/db", "postgresql://u@h1:5432,h2:Zx9/db",
        "postgresql://u:Zx9 aB@127.0.0.1/db", "postgresql://u:Zx9\taB@h/db"}) {
    Status st = CheckUrlUserinfo(url, "PostgreSQL");
    ASSERT_FALSE(st.ok()) << url;
    EXPECT_EQ(st.code(), StatusCode::kUsage);
    for (const char* fragment : {"Zx9", "aB", "rd%", "ret77", "Zsec", "brk_sec", "sluice:"})
      EXPECT_EQ(st.message().find(fragment), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("percent-encoded"), std::string::npos);
  }
  for (const char* url : {"postgresql://u:p%40ss%2F@127.0.0.1:55432/db",
                          "postgresql://u@[::1]:5432,h2/db?sslmode=disable", "mysql://u:pw@h/db",
                          "postgresql:///db?host=/tmp", "host=h port=1"}) {
    EXPECT_TRUE(CheckUrlUserinfo(url, "PostgreSQL").ok()) << url;
  }
  EXPECT_FALSE(CheckUrlUserinfo("postgresql://u@[::1:5432/db", "PostgreSQL").ok());
}

}  // namespace
}  // namespace sluice
