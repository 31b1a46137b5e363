// User-given names checked against the naming rules of the service they are sent to, before
// anything is connected to: a name that breaks them is a usage error naming the flag and the
// rule, never a failure half-way through a run or a piece of SQL. Each check returns
// UsageError("<flag>: <why>"); the name itself is not quoted, since it may hold bytes a
// terminal or a log cannot show.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

// A MySQL/MariaDB identifier for a table in the connection's database (MariaDB KB "Identifier
// Names"; MySQL 8.0 reference 11.2 "Schema Object Names"): 1 to 64 characters of valid UTF-8 in
// the Basic Multilingual Plane, no NUL, not ending in a space. Sluice also refuses control
// characters, and a '.', since the flag takes one unqualified name (the database is the URL's).
// Quote it with QuoteMysqlIdent wherever it reaches SQL.
Status ValidateMysqlTableName(std::string_view name, std::string_view flag);

// `name` between backticks with each backtick doubled: the one quoting MySQL defines for
// identifiers (11.2), so the name can only ever name an object.
std::string QuoteMysqlIdent(std::string_view name);

// A PostgreSQL identifier for a table reached through search_path (PostgreSQL 15 docs 4.1.1
// "Identifiers and Key Words"): 1 to 63 bytes (NAMEDATALEN - 1; a longer name would be cut
// short silently and name another table) of valid UTF-8, no control characters (NUL cannot be
// sent at all), without '.' (a schema-qualified name would be quoted as one identifier and not
// found; the schema is the connection's search_path). Quote it with QuoteIdent wherever it
// reaches SQL.
Status ValidatePgIdentifier(std::string_view name, std::string_view flag);

// An S3 bucket name as S3 creates them today (S3 User Guide, "General purpose bucket naming
// rules"): 3 to 63 characters of lowercase letters, digits, '.' and '-', starting and ending
// with a letter or digit, no "..", not an IPv4 address, none of the reserved prefixes
// (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3).
Status ValidateS3BucketName(std::string_view name, std::string_view flag);

// An S3 object key (S3 User Guide, "Naming Amazon S3 objects"): 1 to 1024 bytes of valid
// UTF-8. Sluice also refuses control characters (XML 1.0, in which S3 lists keys, cannot carry
// most of them) and "." or ".." path segments (HTTP clients resolve them, so the request
// would address another key than the one signed).
Status ValidateS3Key(std::string_view key, std::string_view flag);

// An SQS queue name (SQS API reference, CreateQueue "QueueName"): 1 to 80 characters of ASCII
// letters, digits, '-' and '_', and a FIFO queue's name ends in ".fifo".
Status ValidateSqsQueueName(std::string_view name, std::string_view flag);

}  // namespace sluice
