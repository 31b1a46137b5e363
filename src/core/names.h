// User-given names checked against the naming rules of the service they are sent to, before
// anything is connected to: a name that breaks them is a usage error naming the flag and the
// rule, never a failure half-way through a run or a piece of SQL. Each check returns
// UsageError("<flag>: <why>"), or UsageError("<why>") when `flag` is empty (an OptionSpec::check,
// whose caller says where the value stood); the name itself is not quoted, since it may hold
// bytes a terminal or a log cannot show.
#pragma once

#include <cstddef>
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

// PostgreSQL keeps this many bytes of a name (NAMEDATALEN - 1, docs 4.1.1) and cuts a longer
// one short without an error, so it would name another object.
inline constexpr size_t kPgNameBytes = 63;

// THE rule for a table or column name a user gives Sluice to create and write (a pipeline's
// postgres-table `table`, `logins run --table`, a models file's tables and columns, a message
// schema's columns): a lower-case ASCII letter or '_', then lower-case letters, digits or '_';
// at most `max_bytes` (kPgNameBytes, less where Sluice appends a suffix to it: `room_for` then
// says which, "the table's key adds _pkey"); not a reserved key word of PostgreSQL (docs
// Appendix C). Such a name reads the same quoted or unquoted, so SQL written by hand names it
// as the file does, and Sluice may write it either way. docs/pipelines.md, "Names".
Status ValidatePlainName(std::string_view name, std::string_view flag,
                         size_t max_bytes = kPgNameBytes, std::string_view room_for = "");

// The tables Sluice makes and keeps for itself, whatever a user names: the message ledger and
// checkpoints of the message pipelines (logins/logins_sink.h), the warehouse's rejects and
// staging tables (warehouse/models.h, pg_upsert_sink.cc), and the report's record of sent
// reports (report/daily_lessons.cc). A user's table of one of these names would be mixed with
// Sluice's own rows or refused half-way through a run.
inline constexpr std::string_view kSluiceOwnTables[] = {"sluice_message_ledger",
                                                        "sluice_checkpoints", "load_rejects",
                                                        "sluice_stage", "reports_generated"};

// A message pipeline keeps the records its table refuses in "<table>_rejects"; a user's table
// ending in it could be another pipeline's rejects table.
inline constexpr std::string_view kRejectsTableSuffix = "_rejects";

// ValidatePlainName for a table, which also may not begin with "pg_": PostgreSQL looks in
// pg_catalog before the search_path, so an unqualified pg_class names the system catalog while
// CREATE TABLE would make a table of that name elsewhere. Nor may it be one of kSluiceOwnTables
// or end in kRejectsTableSuffix: the one rule of the tables a user names for Sluice to write
// (a postgres-table `table`, `logins run --table`, a models file's `table`).
Status ValidatePlainTableName(std::string_view name, std::string_view flag,
                              size_t max_bytes = kPgNameBytes, std::string_view room_for = "");

// A PostgreSQL identifier for a table Sluice only reads, made by someone else (`report
// --users-table`), reached through search_path (PostgreSQL 15 docs 4.1.1
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

// A queue as `--queue`/`queue:` takes it: a name (ValidateSqsQueueName), or a queue URL,
// http:// or https://, with a host and a path whose last segment is a queue name (as SQS gives
// them: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME).
Status ValidateSqsQueueNameOrUrl(std::string_view queue, std::string_view flag);

}  // namespace sluice
