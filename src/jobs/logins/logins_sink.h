// Writes login rows and rejects to PostgreSQL exactly once per SQS message.
//
// Each batch is one statement, so one transaction and one round trip: rows and rejects travel
// as binary arrays, one per column, the batch's message ids are inserted into the ledger with
// ON CONFLICT DO NOTHING, and only the messages whose ids were new reach user_logins or
// user_logins_rejects.
// A message redelivered after its batch committed therefore adds nothing, and a crash before
// the commit leaves nothing behind: the message is simply received again. Ordered sources (a
// file) keep one checkpoint instead, which costs far less than a ledger entry per message.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "core/batch.h"
#include "jobs/logins/logins_table.h"

namespace sluice::logins {

// The rejects table is the logins table's name with this appended.
inline constexpr std::string_view kRejectsSuffix = "_rejects";

struct LoginsTables {
  std::string logins = "user_logins";
  std::string rejects = "user_logins_rejects";
  std::string ledger = "sluice_message_ledger";
  std::string checkpoints = "sluice_checkpoints";
};

// The tables of a run writing to `logins` (its rejects table beside it), once
// ValidateLoginsTable accepted the name.
LoginsTables LoginsTablesFor(std::string_view logins);

// `table` as the logins table (`flag` names where it came from; empty for an OptionSpec::check):
// a plain table name (ValidatePlainTableName) that stays within the 63 bytes of one with
// kRejectsSuffix appended,
// since PostgreSQL would silently cut the rejects table's name short (PostgreSQL docs 4.1.1).
// The ledger and checkpoint tables have fixed names. InvalidArgument naming the flag and the
// limit, checked before anything is connected to.
Status ValidateLoginsTable(std::string_view table, std::string_view flag);

// The checkpoint name of an ordered source (MessageSource::CheckpointName, "" for a queue) loading
// into `tables`: the logins table is part of it ("...#table=T"), so one file loads into each
// table it is run into. The default table (LoginsTables{}) keeps the name alone, the form it
// had before tables were named in it, so its existing checkpoints stay valid.
std::string CheckpointNameFor(std::string_view source_checkpoint, const LoginsTables& tables);

// The progress of an ordered source, committed with the batch: `name` moved from `from` (the
// position the run started or last committed at) to `to`.
struct Checkpoint {
  std::string name;
  uint64_t from = 0;
  uint64_t to = 0;
};

struct BatchOutcome {
  uint64_t stored = 0;      // new rows in the logins table
  uint64_t rejected = 0;    // new rows in the rejects table
  uint64_t duplicates = 0;  // messages the ledger had already seen
};

// The table a sink fills: user_logins by default, or a message schema's (postgres-table).
struct TableShape {
  // In the table's order. The names point into storage that outlives the sink (kLoginsColumns,
  // or the MessageSchema the columns were made from: logins_schema.h TableColumnsOf).
  std::vector<TableColumn> columns{kLoginsColumns.begin(), kLoginsColumns.end()};
  // Where a person finds the shape, for the error about an existing table of another shape.
  std::string described_in = "docs/logins.md, \"Tables\"";
  // What a batch holds, for errors: "storing logins in user_logins".
  std::string rows_noun = "logins";
};

class LoginsSink {
 public:
  // Creates the tables if missing (user_logins exactly as specified, logins_table.h) and
  // prepares the session's insert. An existing table is used as it is when it takes the rows the
  // job writes; otherwise FailedPrecondition names each difference (ShapeDifferences).
  static Result<std::unique_ptr<LoginsSink>> Open(const std::string& pg_url, LoginsTables tables,
                                                  std::string source_name);
  // The same over another table's columns (`shape`), whose staged rows are kMessageIdColumn then
  // shape.columns in order (MessageRowSchema of the schema they came from).
  static Result<std::unique_ptr<LoginsSink>> Open(const std::string& pg_url, LoginsTables tables,
                                                  std::string source_name, TableShape shape);

  // Stores one batch in one transaction. `rows` has LoginRowSchema, `rejects` LoginRejectSchema;
  // their message ids are distinct. Without a checkpoint every message id goes through the
  // ledger; with one, the checkpoint alone guards the batch: it must still be at `from` (else
  // another process loaded the same source and this batch is refused), and moves to `to`; found
  // at `to` already, the batch is in (a retry whose first COMMIT went through) and counts as
  // duplicates. A session the server ended is reopened first, so a failed Write may simply be
  // called again: either way each message is stored once.
  Result<BatchOutcome> Write(const Batch& rows, const Batch& rejects,
                             const Checkpoint* checkpoint = nullptr);

  const LoginsTables& tables() const { return tables_; }

  // The committed position of an ordered source, 0 when it has none yet.
  Result<uint64_t> ReadCheckpoint(const std::string& name);

  // Deletes ledger entries older than `days`: by then SQS has dropped the message for good.
  Result<uint64_t> PruneLedger(int days);

 private:
  LoginsSink(std::unique_ptr<PgConnection> conn, LoginsTables tables, std::string source_name,
             TableShape shape)
      : conn_(std::move(conn)),
        tables_(std::move(tables)),
        source_(std::move(source_name)),
        shape_(std::move(shape)) {}
  Status Setup();
  // FailedPrecondition naming each difference when `table` cannot take the rows of `declared`
  // (ShapeDifferences).
  // `described_in` names where the shape is declared; a table that does not exist passes when
  // `absent_is_fine`.
  Status CheckShape(const std::string& table, std::span<const TableColumn> declared,
                    std::string_view described_in, bool absent_is_fine);
  Result<BatchOutcome> WriteThroughLedger(const Batch& rows, const Batch& rejects);
  // The checkpoint's position as this transaction sees it, 0 when unknown.
  uint64_t CheckpointAt(const std::string& name);
  // COPYs columns [first_column, ...) of `batch` into `copy_target` ("table (columns)").
  Status Copy(const std::string& copy_target, const Batch& batch, size_t first_column);

  std::unique_ptr<PgConnection> conn_;
  LoginsTables tables_;
  std::string source_;
  TableShape shape_;
  std::string checkpoint_sql_;
  std::string logins_columns_;  // COPY targets when a checkpoint guards the batch
  std::string rejects_columns_;
};

}  // namespace sluice::logins
