#include "jobs/logins/logins_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "connectors/postgres/pg_binary_copy.h"
#include "connectors/postgres/pg_schema.h"
#include "connectors/postgres/pg_transaction.h"
#include "core/names.h"
#include "jobs/logins/logins_table.h"
#include "jobs/warehouse/table_shape.h"

namespace sluice::logins {
namespace {

// Where the rejects table's shape, the same for every table a message pipeline writes, is told.
constexpr std::string_view kRejectsShape = "docs/message-schemas.md, \"The sink postgres-table\"";

constexpr const char* kMergeStatement = "sluice_logins_merge";

// NAMEDATALEN - 1 (PostgreSQL docs 4.1.1): a longer identifier is cut short without an error.
constexpr size_t kPgIdentifierBytes = 63;

}  // namespace

LoginsTables LoginsTablesFor(std::string_view logins) {
  LoginsTables tables;
  tables.logins = logins;
  tables.rejects = fmt::format("{}{}", logins, kRejectsSuffix);
  return tables;
}

std::string CheckpointNameFor(std::string_view source_checkpoint, const LoginsTables& tables) {
  if (source_checkpoint.empty() || tables.logins == LoginsTables{}.logins)
    return std::string(source_checkpoint);
  return fmt::format("{}#table={}", source_checkpoint, tables.logins);
}

Status ValidateLoginsTable(std::string_view table, std::string_view flag) {
  // The one rule of the names Sluice creates (core/names.h), pg_ prefix included.
  RETURN_IF_ERROR(ValidatePlainTableName(table, flag));
  if (table.size() + kRejectsSuffix.size() > kPgIdentifierBytes) {
    return UsageError(fmt::format(
        "{}{}is {} bytes; with the \"{}\" of its rejects table it would pass PostgreSQL's {} "
        "bytes for an identifier and be cut short, naming another table: use at most {} bytes",
        flag, flag.empty() ? "" : ": ", table.size(), kRejectsSuffix, kPgIdentifierBytes,
        kPgIdentifierBytes - kRejectsSuffix.size()));
  }
  return Status::Ok();
}

Result<std::unique_ptr<LoginsSink>> LoginsSink::Open(const std::string& pg_url, LoginsTables tables,
                                                     std::string source_name) {
  return Open(pg_url, std::move(tables), std::move(source_name), TableShape{});
}

Result<std::unique_ptr<LoginsSink>> LoginsSink::Open(const std::string& pg_url, LoginsTables tables,
                                                     std::string source_name, TableShape shape) {
  ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(pg_url));
  std::unique_ptr<LoginsSink> sink(
      new LoginsSink(std::move(conn), std::move(tables), std::move(source_name), std::move(shape)));
  RETURN_IF_ERROR(sink->Setup());
  return sink;
}

Status LoginsSink::Setup() {
  const std::string logins = QuoteIdent(tables_.logins);
  const std::string rejects = QuoteIdent(tables_.rejects);
  const std::string ledger = QuoteIdent(tables_.ledger);
  const std::string ledger_index = QuoteIdent(tables_.ledger + "_stored_at");
  const std::string checkpoints = QuoteIdent(tables_.checkpoints);
  // Tables made ahead of time, by someone else, must take the rows as the job stages them: both
  // are checked before either is created, so a run refused for one leaves no new table behind.
  RETURN_IF_ERROR(CheckShape(tables_.logins, shape_.columns, shape_.described_in, true));
  RETURN_IF_ERROR(CheckShape(tables_.rejects, kRejectsColumns, kRejectsShape, true));
  // user_logins is the shape the specification fixes; someone else may have made it already,
  // and a consumer role may lack CREATE (docs/logins.md lists its grants).
  RETURN_IF_ERROR(EnsureRelations(
      *conn_, {logins, rejects, ledger, ledger_index, checkpoints},
      fmt::format(
          "{create_logins}; {create_rejects}; "
          "CREATE TABLE IF NOT EXISTS {ledger} (message_id text PRIMARY KEY, source text NOT "
          "NULL, stored_at timestamptz NOT NULL DEFAULT now()); "
          "CREATE INDEX IF NOT EXISTS {ledger_index} ON {ledger} (stored_at); "
          "CREATE TABLE IF NOT EXISTS {checkpoints} (name text PRIMARY KEY, position bigint NOT "
          "NULL, updated_at timestamptz NOT NULL DEFAULT now())",
          fmt::arg("create_logins", CreateTableSql(logins, shape_.columns)),
          fmt::arg("create_rejects", CreateTableSql(rejects, kRejectsColumns)),
          fmt::arg("ledger", ledger), fmt::arg("ledger_index", ledger_index),
          fmt::arg("checkpoints", checkpoints)),
      fmt::format("creating the tables of {}", tables_.logins)));
  // Checked again as created (another run may have made them meanwhile): found now, before
  // anything is received, rather than as a failed first batch.
  RETURN_IF_ERROR(CheckShape(tables_.logins, shape_.columns, shape_.described_in, false));
  RETURN_IF_ERROR(CheckShape(tables_.rejects, kRejectsColumns, kRejectsShape, false));
  // One statement, so one round trip and its own transaction: the batch arrives as one array
  // per column, the ledger keeps the ids it had not seen, and only those messages are stored.
  const Schema row_schema = StagedRowSchema(shape_.columns);
  const Schema reject_schema = LoginRejectSchema();
  const std::string merge_sql = fmt::format(
      "WITH batch AS ("
      "  SELECT * FROM unnest({row_params}) AS b({row_names})), "
      "batch_rejects AS ("
      "  SELECT * FROM unnest({reject_params}) AS j({reject_names})), "
      "fresh AS ("
      "  INSERT INTO {ledger} (message_id, source) "
      "  SELECT message_id, {source} FROM batch UNION ALL "
      "  SELECT message_id, {source} FROM batch_rejects "
      "  ON CONFLICT (message_id) DO NOTHING RETURNING message_id), "
      "stored AS ("
      "  INSERT INTO {logins} ({logins_names}) "
      "  SELECT {b_logins_names} FROM batch b JOIN fresh f USING (message_id) "
      "  RETURNING 1), "
      "rejected AS ("
      "  INSERT INTO {rejects} ({reject_names}) "
      "  SELECT {j_reject_names} FROM batch_rejects j JOIN fresh f USING (message_id) RETURNING 1) "
      "SELECT (SELECT count(*) FROM stored), (SELECT count(*) FROM rejected)",
      fmt::arg("row_params", UnnestParameters(row_schema, 1)),
      fmt::arg("row_names", ColumnList(row_schema)),
      fmt::arg("reject_params",
               UnnestParameters(reject_schema, 1 + static_cast<int>(row_schema.size()))),
      fmt::arg("reject_names", ColumnList(kRejectsColumns)), fmt::arg("ledger", ledger),
      fmt::arg("source", QuoteLiteral(source_)), fmt::arg("logins", logins),
      fmt::arg("logins_names", ColumnList(shape_.columns)),
      fmt::arg("b_logins_names", ColumnList(shape_.columns, "b")), fmt::arg("rejects", rejects),
      fmt::arg("j_reject_names", ColumnList(kRejectsColumns, "j")));
  RETURN_IF_ERROR(conn_->Prepare(kMergeStatement, merge_sql,
                                 fmt::format("preparing the insert into {}", tables_.logins)));
  logins_columns_ = fmt::format("{} ({})", logins, ColumnList(shape_.columns));
  rejects_columns_ = fmt::format("{} ({})", rejects, ColumnList(kRejectsColumns));
  // Moves the checkpoint only from where this process last saw it: a second process loading
  // the same source finds it moved, updates nothing, and its batch is rolled back.
  checkpoint_sql_ = fmt::format(
      "INSERT INTO {0} AS c (name, position) VALUES ($1, $3) ON CONFLICT (name) DO UPDATE "
      "SET position = EXCLUDED.position, updated_at = now() WHERE c.position = $2::bigint "
      "RETURNING 1",
      QuoteIdent(tables_.checkpoints));
  return Status::Ok();
}

Status LoginsSink::CheckShape(const std::string& table, std::span<const TableColumn> declared,
                              std::string_view described_in, bool absent_is_fine) {
  // A view's columns read like a table's, but no ALTER TABLE or INSERT of a batch would work.
  RETURN_IF_ERROR(warehouse::CheckIsTable(*conn_, table));
  // The catalog needs no privilege on the table, and to_regclass finds it on the search_path
  // as the job's statements do.
  ASSIGN_OR_RETURN(
      PgResult r,
      conn_->Query("SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
                   "a.attnotnull, a.attnotnull AND NOT a.atthasdef AND "
                   "a.attidentity = '' FROM pg_catalog.pg_attribute a "
                   "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 "
                   "AND NOT a.attisdropped ORDER BY a.attnum",
                   {QuoteIdent(table)}, fmt::format("reading the columns of {}", table)));
  if (r.rows() == 0 && absent_is_fine) return Status::Ok();
  std::vector<ExistingColumn> found;
  for (int row = 0; row < r.rows(); ++row) {
    found.push_back({std::string(r.Value(row, 0)), std::string(r.Value(row, 1)),
                     r.Value(row, 2) == "t", r.Value(row, 3) == "t"});
  }
  const std::string differences = ShapeDifferences(declared, found);
  if (differences.empty()) return Status::Ok();
  // Sluice never alters a table it did not make; it says how to add what is missing, as the
  // warehouse does for a model's table. Without NOT NULL, so that it works on a table with rows.
  std::vector<warehouse::MissingColumn> missing;
  for (const TableColumn& want : declared) {
    if (std::none_of(found.begin(), found.end(),
                     [&](const ExistingColumn& c) { return c.name == want.name; }))
      missing.push_back({std::string(want.name), SqlType(want)});
  }
  const std::string hint = warehouse::AddColumnsHint(table, missing);
  return Status(StatusCode::kFailedPrecondition,
                fmt::format("{} exists, but not in the shape Sluice writes ({}): {}{}{}", table,
                            described_in, differences, hint.empty() ? "" : "; ", hint));
}

Result<uint64_t> LoginsSink::ReadCheckpoint(const std::string& name) {
  RETURN_IF_ERROR(conn_->ReconnectIfBroken());
  ASSIGN_OR_RETURN(PgResult r, conn_->Query(fmt::format("SELECT position FROM {} WHERE name = $1",
                                                        QuoteIdent(tables_.checkpoints)),
                                            {name}, "reading the checkpoint"));
  return r.rows() == 0 ? 0 : r.Count(0, 0);
}

uint64_t LoginsSink::CheckpointAt(const std::string& name) {
  auto position = ReadCheckpoint(name);
  return position.ok() ? *position : 0;
}

Status LoginsSink::Copy(const std::string& copy_target, const Batch& batch, size_t first_column) {
  if (batch.num_rows() == 0) return Status::Ok();
  std::string data;
  PgBinaryCopyEncoder::AppendHeader(data);
  PgBinaryCopyEncoder::AppendRows(batch, data, first_column);
  PgBinaryCopyEncoder::AppendTrailer(data);
  RETURN_IF_ERROR(conn_->CopyBegin(fmt::format("COPY {} FROM STDIN (FORMAT binary)", copy_target),
                                   fmt::format("copying into {}", copy_target)));
  RETURN_IF_ERROR(conn_->CopyPut(data));
  return conn_->CopyEnd();
}

Result<BatchOutcome> LoginsSink::Write(const Batch& rows, const Batch& rejects,
                                       const Checkpoint* checkpoint) {
  // A session the server ended is replaced before the batch, which starts from scratch in it.
  RETURN_IF_ERROR(conn_->ReconnectIfBroken());
  if (!checkpoint) return WriteThroughLedger(rows, rejects);
  const std::string what = fmt::format("storing {} in {}", shape_.rows_noun, tables_.logins);
  ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(*conn_, what));
  Status st;
  auto moved = conn_->Query(
      checkpoint_sql_,
      {checkpoint->name, std::to_string(checkpoint->from), std::to_string(checkpoint->to)},
      "moving the checkpoint");
  if (!moved.ok()) {
    st = moved.status();
  } else if (moved->rows() == 0 && CheckpointAt(checkpoint->name) == checkpoint->to) {
    // This batch is in already: a retry after a COMMIT whose answer was lost with the session.
    (void)transaction.Rollback();
    BatchOutcome outcome;
    outcome.duplicates = rows.num_rows() + rejects.num_rows();
    return outcome;
  } else if (moved->rows() == 0) {
    st = Status(StatusCode::kAlreadyExists,
                fmt::format("{}: another process has loaded this source past message {}; "
                            "stopping so nothing is stored twice",
                            checkpoint->name, checkpoint->from));
  }
  // The checkpoint guards the whole batch, so rows go straight into their tables.
  if (st.ok()) st = Copy(logins_columns_, rows, kFirstLoginsColumn);
  if (st.ok()) st = Copy(rejects_columns_, rejects, 0);
  if (st.ok()) st = transaction.Commit();
  if (!st.ok()) return st;  // the transaction rolls back as it leaves scope
  BatchOutcome outcome;
  outcome.stored = rows.num_rows();
  outcome.rejected = rejects.num_rows();
  return outcome;
}

Result<BatchOutcome> LoginsSink::WriteThroughLedger(const Batch& rows, const Batch& rejects) {
  std::vector<std::string> params;
  params.reserve(rows.num_columns() + rejects.num_columns());
  for (size_t c = 0; c < rows.num_columns(); ++c)
    params.push_back(EncodePgBinaryArray(rows, c));
  for (size_t c = 0; c < rejects.num_columns(); ++c)
    params.push_back(EncodePgBinaryArray(rejects, c));
  ASSIGN_OR_RETURN(
      PgResult counts,
      conn_->ExecPrepared(kMergeStatement, params,
                          fmt::format("storing {} in {}", shape_.rows_noun, tables_.logins)));
  BatchOutcome outcome;
  outcome.stored = counts.Count(0, 0);
  outcome.rejected = counts.Count(0, 1);
  outcome.duplicates = rows.num_rows() + rejects.num_rows() - outcome.stored - outcome.rejected;
  return outcome;
}

Result<uint64_t> LoginsSink::PruneLedger(int days) {
  RETURN_IF_ERROR(conn_->ReconnectIfBroken());
  ASSIGN_OR_RETURN(
      PgResult r,
      conn_->Query(fmt::format("WITH d AS (DELETE FROM {} WHERE stored_at < now() - make_interval("
                               "days => $1::int) RETURNING 1) SELECT count(*) FROM d",
                               QuoteIdent(tables_.ledger)),
                   {std::to_string(days)}, "pruning the message ledger"));
  return r.Count(0, 0);
}

}  // namespace sluice::logins
