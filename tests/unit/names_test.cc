// User-given names held to their services' naming rules: hostile names of every sort are
// refused with the flag named, and MySQL quoting keeps any legal name one identifier.
#include "core/names.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using namespace std::string_literals;

std::string Why(const Status& st) {
  return st.ok() ? "ok" : st.message();
}

TEST(Names, MysqlTableNamesFollowMysqlsRules) {
  for (std::string ok : {"lesson_completion"s, "Lesson-Completion 2"s, "данные"s, "1x"s, "a`b"s,
                         "semi;colon"s, "quo'te\"s"s, std::string(64, 'x')}) {
    EXPECT_TRUE(ValidateMysqlTableName(ok, "--completions-table").ok()) << ok;
  }
  struct Case {
    std::string name;
    std::string why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "is empty"},
           {std::string(65, 'x'), "64 characters"},
           {"db.table", "unqualified"},
           {"t\0x"s, "NUL byte (byte 2)"},
           {"trailing ", "ends in a space"},
           {"tab\tname", "control character (byte 4)"},
           {"line\nbreak", "control character"},
           {"latin\xe9", "not valid UTF-8 (byte 6)"},
           {"over\xc0\xaflong", "not valid UTF-8"},
           {"surrogate\xed\xa0\x80", "not valid UTF-8"},
           {"emoji\xf0\x9f\x98\x80", "Basic Multilingual Plane"},
       }) {
    Status st = ValidateMysqlTableName(c.name, "--completions-table");
    EXPECT_EQ(st.code(), StatusCode::kUsage) << c.name;
    EXPECT_TRUE(Why(st).starts_with("--completions-table: ")) << Why(st);
    EXPECT_NE(Why(st).find(c.why), std::string::npos) << Why(st);
  }
  // 64 characters, not bytes: 64 Cyrillic letters are 128 bytes and still a legal name.
  std::string cyrillic;
  for (int i = 0; i < 64; ++i)
    cyrillic += "я";
  EXPECT_TRUE(ValidateMysqlTableName(cyrillic, "--t").ok());
  EXPECT_FALSE(ValidateMysqlTableName(cyrillic + "я", "--t").ok());
}

TEST(Names, MysqlQuotingDoublesBackticks) {
  EXPECT_EQ(QuoteMysqlIdent("plain"), "`plain`");
  EXPECT_EQ(QuoteMysqlIdent("x` WHERE 1=0 UNION SELECT 1 -- "),
            "`x`` WHERE 1=0 UNION SELECT 1 -- `");
  EXPECT_EQ(QuoteMysqlIdent("``"), "``````");
}

TEST(Names, PostgresIdentifiersFitNamedatalen) {
  EXPECT_TRUE(ValidatePgIdentifier("mindtickle_users", "--users-table").ok());
  EXPECT_TRUE(ValidatePgIdentifier("we\"ird; DROP TABLE x", "--users-table").ok());  // quoted
  EXPECT_TRUE(ValidatePgIdentifier(std::string(63, 'u'), "--users-table").ok());
  EXPECT_NE(Why(ValidatePgIdentifier(std::string(64, 'u'), "--users-table")).find("63 bytes"),
            std::string::npos);
  // 32 two-byte letters are 64 bytes: PostgreSQL counts bytes.
  std::string wide;
  for (int i = 0; i < 32; ++i)
    wide += "é";
  EXPECT_FALSE(ValidatePgIdentifier(wide, "--users-table").ok());
  EXPECT_NE(Why(ValidatePgIdentifier("a\0b"s, "--users-table")).find("NUL"), std::string::npos);
  EXPECT_NE(Why(ValidatePgIdentifier("\xff", "--users-table")).find("UTF-8"), std::string::npos);
  EXPECT_NE(Why(ValidatePgIdentifier("", "--users-table")).find("empty"), std::string::npos);
  // A schema-qualified name would be quoted as one identifier and never found.
  EXPECT_NE(Why(ValidatePgIdentifier("public.mindtickle_users", "--users-table"))
                .find("takes one unqualified table name"),
            std::string::npos);
}

TEST(Names, BucketNamesFollowS3sRules) {
  for (std::string ok :
       {"abc"s, "reports"s, "my.reports-2024"s, std::string(63, 'b'), "reports-12345-0"s}) {
    EXPECT_TRUE(ValidateS3BucketName(ok, "--bucket").ok())
        << ok << ": " << Why(ValidateS3BucketName(ok, "--bucket"));
  }
  for (std::string bad : {""s,
                          "ab"s,
                          std::string(64, 'b'),
                          "Reports"s,
                          "my_bucket"s,
                          "-reports"s,
                          "reports-"s,
                          "re..ports"s,
                          "192.168.1.2"s,
                          "xn--reports"s,
                          "sthree-x"s,
                          "amzn-s3-demo-x"s,
                          "x-s3alias"s,
                          "x--ol-s3"s,
                          "x.mrap"s,
                          "x--x-s3"s,
                          "a b c"s,
                          "a/b/c"s,
                          "a`b`c"s,
                          "a;bc"s,
                          "ab'c"s,
                          "a\0bc"s,
                          "ab\xe9z"s,
                          "a?b=c"s,
                          "a#bc"s}) {
    Status st = ValidateS3BucketName(bad, "--bucket");
    EXPECT_EQ(st.code(), StatusCode::kUsage) << bad;
    EXPECT_TRUE(Why(st).starts_with("--bucket: ")) << Why(st);
  }
}

TEST(Names, ObjectKeysFollowS3sRules) {
  EXPECT_TRUE(ValidateS3Key("reports/daily-lessons/2024-07-01.csv", "--prefix").ok());
  EXPECT_TRUE(ValidateS3Key("ünïcödé; 'quotes' `ticks` & spaces/x.csv", "--prefix").ok());
  EXPECT_TRUE(ValidateS3Key("a..b/.hidden/x.csv", "--prefix").ok());
  EXPECT_TRUE(ValidateS3Key(std::string(1024, 'k'), "--prefix").ok());
  EXPECT_NE(Why(ValidateS3Key(std::string(1025, 'k'), "--prefix")).find("1024"), std::string::npos);
  // 1024 bytes, not characters.
  std::string wide;
  for (int i = 0; i < 513; ++i)
    wide += "é";
  EXPECT_FALSE(ValidateS3Key(wide, "--prefix").ok());
  for (std::string bad : {""s, "a\0b"s, "bad\xe9utf8"s, "line\nbreak"s, "del\x7f"s, "../x.csv"s,
                          "a/./x.csv"s, "a/.."s, "./x"s}) {
    Status st = ValidateS3Key(bad, "--prefix");
    EXPECT_EQ(st.code(), StatusCode::kUsage) << bad;
    EXPECT_TRUE(Why(st).starts_with("--prefix: ")) << Why(st);
  }
}

TEST(Names, QueueNamesFollowSqsRules) {
  for (std::string ok : {"logins"s, "Logins_2-a"s, "orders.fifo"s, std::string(80, 'q')}) {
    EXPECT_TRUE(ValidateSqsQueueName(ok, "name").ok()) << ok;
  }
  for (std::string bad : {""s, std::string(81, 'q'), ".fifo"s, "a.b"s, "a b"s, "a/b"s,
                          "a&Action=DeleteQueue"s, "a\0b"s, "ünï"s}) {
    EXPECT_EQ(ValidateSqsQueueName(bad, "name").code(), StatusCode::kUsage) << bad;
  }
}

// The one rule of the names Sluice creates: plain lower-case, within PostgreSQL's 63 bytes (less
// a suffix Sluice adds), no reserved word; a table also not in pg_'s namespace.
TEST(Names, TheNamesSluiceCreatesFollowOneRule) {
  for (std::string ok : {"signups"s, "_x"s, "a1_b2"s, "text"s, std::string(63, 'c')}) {
    EXPECT_TRUE(ValidatePlainName(ok, "--table").ok()) << ok;
  }
  struct Case {
    std::string name;
    std::string why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "--table: is empty"},
           {"x.y", "--table: is not a plain lower-case name"},
           {"Signups", "--table: is not a plain lower-case name"},
           {"1x", "--table: is not a plain lower-case name"},
           {"a b", "--table: is not a plain lower-case name"},
           {"a\"b", "--table: is not a plain lower-case name"},
           {"caf\xc3\xa9", "--table: is not a plain lower-case name"},
           {"user", "--table: is a reserved word of PostgreSQL's SQL"},
           {"order", "--table: is a reserved word of PostgreSQL's SQL"},
           {std::string(64, 'c'),
            "--table: is 64 bytes; at most 63 (PostgreSQL keeps 63 of a "
            "name)"},
       }) {
    EXPECT_EQ(Why(ValidatePlainName(c.name, "--table")).rfind(c.why, 0), 0u)
        << c.name << ": " << Why(ValidatePlainName(c.name, "--table"));
  }
  EXPECT_EQ(Why(ValidatePlainName(std::string(59, 't'), "", 58, "the table's key adds _pkey")),
            "is 59 bytes; at most 58 (PostgreSQL keeps 63 of a name, and the table's key adds "
            "_pkey)");
  // Without a flag, the reason alone (an OptionSpec::check's form).
  EXPECT_EQ(Why(ValidatePlainName("", "")), "is empty");
  EXPECT_TRUE(ValidatePlainName("pg_x", "").ok());  // a column may
  EXPECT_EQ(Why(ValidatePlainTableName("pg_x", "")).rfind("begins with pg_", 0), 0u);
}

// One rule for every table a user names for Sluice to write: none of Sluice's own tables, and
// no name a message pipeline's rejects table could have.
TEST(Names, ATableNameIsNeitherSluicesOwnNorARejectsTable) {
  for (std::string own : {"sluice_message_ledger"s, "sluice_checkpoints"s, "load_rejects"s,
                          "sluice_stage"s, "reports_generated"s}) {
    EXPECT_EQ(Why(ValidatePlainTableName(own, "--table")),
              "--table: is a table Sluice keeps itself: choose another name")
        << own;
  }
  EXPECT_EQ(Why(ValidatePlainTableName("signups_rejects", "")).rfind("ends in _rejects, ", 0), 0u);
  EXPECT_TRUE(ValidatePlainTableName("rejects", "").ok());
  EXPECT_TRUE(ValidatePlainTableName("sluice_checkpoints2", "").ok());
  EXPECT_TRUE(ValidatePlainTableName("user_logins", "").ok());
  EXPECT_TRUE(ValidatePlainName("x_rejects", "").ok());  // a column may
}

TEST(Names, AQueueIsANameOrAnHttpUrlEndingInOne) {
  for (std::string ok : {"logins"s, "q.fifo"s, "https://sqs.us-east-1.amazonaws.com/1/logins"s,
                         "http://127.0.0.1:55000/000000000000/q-1"s}) {
    EXPECT_TRUE(ValidateSqsQueueNameOrUrl(ok, "--queue").ok()) << ok;
  }
  for (std::string bad : {""s, "a b"s, "http://"s, "http:///q"s, "https://host"s, "https://h/"s,
                          "https://h/a b"s, "s3://h/q"s}) {
    const Status st = ValidateSqsQueueNameOrUrl(bad, "--queue");
    EXPECT_EQ(st.code(), StatusCode::kUsage) << bad;
    EXPECT_EQ(Why(st).rfind("--queue: ", 0), 0u) << Why(st);
  }
}

}  // namespace
}  // namespace sluice
