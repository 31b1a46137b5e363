// Writes login rows and rejects to PostgreSQL exactly once per SQS message.
//
// Each batch is one transaction: rows and rejects are copied (binary) into session-local
// staging tables, the batch's message ids are inserted into the ledger with ON CONFLICT DO
// NOTHING, and only the messages whose ids were new reach user_logins or user_logins_rejects.
// A message redelivered after its batch committed therefore adds nothing, and a crash before
// the commit leaves nothing behind: the message is simply received again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/batch.h"

namespace sluice::logins {

struct LoginsTables {
  std::string logins = "user_logins";
  std::string rejects = "user_logins_rejects";
  std::string ledger = "sluice_message_ledger";
};

struct BatchOutcome {
  uint64_t stored = 0;      // new rows in the logins table
  uint64_t rejected = 0;    // new rows in the rejects table
  uint64_t duplicates = 0;  // messages the ledger had already seen
};

class LoginsSink {
 public:
  // Creates the tables if missing (user_logins exactly as specified, so an existing one is used
  // as it is) and the session's staging tables.
  static Result<std::unique_ptr<LoginsSink>> Open(const std::string& pg_url, LoginsTables tables,
                                                  std::string source_name);

  // Stores one batch in one transaction. `rows` has LoginRowSchema, `rejects` LoginRejectSchema;
  // their message ids are distinct.
  Result<BatchOutcome> Write(const Batch& rows, const Batch& rejects);

  // Deletes ledger entries older than `days`: by then SQS has dropped the message for good.
  Result<uint64_t> PruneLedger(int days);

 private:
  LoginsSink(std::unique_ptr<PgConnection> conn, LoginsTables tables, std::string source_name)
      : conn_(std::move(conn)), tables_(std::move(tables)), source_(std::move(source_name)) {}
  Status Setup();
  Status Copy(const std::string& table, const Batch& batch);

  std::unique_ptr<PgConnection> conn_;
  LoginsTables tables_;
  std::string source_;
  std::string merge_sql_;
};

}  // namespace sluice::logins
