#include "connectors/postgres/pg_upsert_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "connectors/postgres/pg_binary_copy.h"
#include "core/progress.h"

namespace sluice {
namespace {

constexpr const char* kStage = "sluice_stage";
constexpr size_t kFlushBytes = size_t{1} << 20;
constexpr std::string_view kUniqueViolation = "23505";

// The bytes of a key value, for repeat detection: text and uuid as stored, numbers as their
// machine bytes (copied into `buf`), null as empty (keys are never null).
std::string_view KeyBytes(const Column& column, size_t row, std::array<char, 8>& buf) {
  if (column.IsNull(row)) return {};
  switch (column.type()) {
    case ColumnType::kText:
    case ColumnType::kUuid:
      return column.Text(row);
    case ColumnType::kFloat64: {
      const double v = column.Float(row);
      std::memcpy(buf.data(), &v, sizeof v);
      return {buf.data(), sizeof v};
    }
    default: {
      const int64_t v = column.Int(row);
      std::memcpy(buf.data(), &v, sizeof v);
      return {buf.data(), sizeof v};
    }
  }
}

}  // namespace

PgUpsertSink::PgUpsertSink(PgConnection* conn, UpsertTarget target, Options options)
    : conn_(conn), target_(std::move(target)), options_(options) {
  for (const auto& k : target_.key) {
    for (size_t i = 0; i < target_.columns.size(); ++i) {
      if (target_.columns[i].name == k) key_columns_.push_back(i);
    }
  }
}

Result<std::unique_ptr<PgUpsertSink>> PgUpsertSink::Begin(PgConnection* conn, UpsertTarget target,
                                                          Options options) {
  std::unique_ptr<PgUpsertSink> sink(new PgUpsertSink(conn, std::move(target), options));
  RETURN_IF_ERROR(sink->Start());
  return sink;
}

std::string PgUpsertSink::ColumnList(std::string_view prefix) const {
  std::string out;
  for (const auto& f : target_.columns) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += QuoteIdent(f.name);
  }
  return out;
}

std::string PgUpsertSink::KeyList(std::string_view prefix) const {
  std::string out;
  for (const auto& k : target_.key) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += QuoteIdent(k);
  }
  return out;
}

std::string PgUpsertSink::ContentColumns(std::string_view prefix) const {
  std::string out;
  for (const auto& f : target_.columns) {
    if (std::find(target_.key.begin(), target_.key.end(), f.name) != target_.key.end()) continue;
    if (!out.empty()) out += ", ";
    out += prefix;
    out += QuoteIdent(f.name);
  }
  return out;
}

Status PgUpsertSink::Start() {
  const std::string table = QuoteIdent(target_.table);
  const std::string what = fmt::format("loading table {}", target_.table);
  ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(*conn_, what));
  transaction_.emplace(std::move(transaction));

  ASSIGN_OR_RETURN(PgResult pk,
                   conn_->Query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE conrelid = $1::regclass AND contype = 'p'",
                                {table}, what));
  if (pk.rows() != 1) {
    return InvalidArgument(fmt::format("table {} has no primary key to upsert on", target_.table));
  }
  pkey_name_ = pk.Value(0, 0);
  pkey_definition_ = pk.Value(0, 1);

  // A table with no pages takes the rows directly. Only there does COPY append in file order
  // (an emptied table's free space would be refilled out of order), which the de-duplication
  // relies on. The exclusive lock keeps a concurrent load from filling it between the check and
  // the copy.
  // Dropping and rebuilding the key needs ownership: a role with DML grants only stages.
  const std::string no_pages = fmt::format(
      "SELECT pg_relation_size({0}) = 0 AND pg_has_role((SELECT relowner FROM pg_class WHERE "
      "oid = {0}::regclass), 'USAGE')",
      QuoteLiteral(table));
  ASSIGN_OR_RETURN(PgResult empty, conn_->Query(no_pages, what));
  if (empty.Value(0, 0) == "t") {
    RETURN_IF_ERROR(
        conn_->Exec(fmt::format("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", table), what));
    ASSIGN_OR_RETURN(PgResult still_empty, conn_->Query(no_pages, what));
    direct_ = still_empty.Value(0, 0) == "t";
  }
  std::string copy_target;
  if (direct_) {
    RETURN_IF_ERROR(conn_->Exec(
        fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", table, QuoteIdent(pkey_name_)), what));
    copy_target = table;
  } else {
    RETURN_IF_ERROR(conn_->Exec(
        fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA", kStage,
                    ColumnList(), table),
        what));
    copy_target = kStage;
  }
  RETURN_IF_ERROR(conn_->CopyBegin(
      fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", copy_target, ColumnList()), what));
  copying_ = true;
  PgBinaryCopyEncoder::AppendHeader(buffer_);
  return Status::Ok();
}

Status PgUpsertSink::FlushBuffer() {
  if (buffer_.empty()) return Status::Ok();
  Status st = conn_->CopyPut(buffer_);
  buffer_.clear();
  return st;
}

Status PgUpsertSink::Write(const Batch& batch) {
  // Staged rows are looked at for repeated keys on the way, so that a load without any skips
  // the server's de-duplication pass (a hashed grouping over the whole batch). The direct path
  // needs no look: building the primary key finds repeats for free.
  std::vector<std::string_view> parts(key_columns_.size());
  std::vector<std::array<char, 8>> numbers(key_columns_.size());
  for (size_t row = 0; !direct_ && row < batch.num_rows() && !repeats_.MaybeRepeated(); ++row) {
    for (size_t k = 0; k < key_columns_.size(); ++k) {
      parts[k] = KeyBytes(batch.column(key_columns_[k]), row, numbers[k]);
    }
    repeats_.Add(parts);
  }
  PgBinaryCopyEncoder::AppendRows(batch, buffer_);
  rows_ += batch.num_rows();
  if (buffer_.size() >= kFlushBytes) return FlushBuffer();
  return Status::Ok();
}

Result<MergeStats> PgUpsertSink::Finish(bool mark_deleted) {
  // What follows runs on the server, for minutes on a big table: the progress line says which
  // phase it is waiting on instead of going blank.
  ProgressPhase phase(
      direct_ ? fmt::format("{}: building the primary key on the server", target_.table)
              : fmt::format("{}: merging staged rows on the server (upsert)", target_.table));
  PgBinaryCopyEncoder::AppendTrailer(buffer_);
  RETURN_IF_ERROR(FlushBuffer());
  copying_ = false;
  RETURN_IF_ERROR(conn_->CopyEnd());
  return direct_ ? FinishDirect() : FinishMerge(mark_deleted);
}

PgUpsertSink::~PgUpsertSink() {
  // The transaction's ROLLBACK cannot run while the session is still in the COPY.
  if (copying_) conn_->CopyAbort();
}

Status PgUpsertSink::Commit() {
  if (!transaction_)
    return Internal(fmt::format("loading table {}: no load to commit", target_.table));
  return transaction_->Commit();
}

void PgUpsertSink::Abort() {
  if (copying_) conn_->CopyAbort();
  copying_ = false;
  if (transaction_ && transaction_->open()) (void)transaction_->Rollback();
}

Result<MergeStats> PgUpsertSink::FinishDirect() {
  const std::string table = QuoteIdent(target_.table);
  const std::string what = fmt::format("building the primary key of {}", target_.table);
  const std::string add_key = fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", table,
                                          QuoteIdent(pkey_name_), pkey_definition_);
  MergeStats stats;
  stats.direct_load = true;
  stats.staged = rows_;
  RETURN_IF_ERROR(conn_->Exec("SAVEPOINT sluice_key", what));
  Status st = conn_->Exec(add_key, what);
  if (!st.ok() && conn_->last_sqlstate() == kUniqueViolation) {
    // The file repeats keys: keep each key's last row and build the key again. The table has
    // no statistics yet, and the de-duplication's plan depends on them.
    RETURN_IF_ERROR(conn_->Exec("ROLLBACK TO SAVEPOINT sluice_key", what));
    RETURN_IF_ERROR(conn_->Exec(fmt::format("ANALYZE {}", table), what));
    ASSIGN_OR_RETURN(stats.duplicates, DropEarlierRepeats(table, what));
    st = conn_->Exec(add_key, what);
  }
  RETURN_IF_ERROR(st);
  stats.inserted = rows_ - stats.duplicates;
  return stats;
}

Result<PgResult> PgUpsertSink::BulkQuery(const std::string& sql, std::string_view what) {
  if (options_.before_bulk_statement) RETURN_IF_ERROR(options_.before_bulk_statement(sql));
  return conn_->Query(sql, what);
}

Result<uint64_t> PgUpsertSink::DropEarlierRepeats(const std::string& relation,
                                                  std::string_view what) {
  // Rows of one COPY sit in file order, so a key's last row has its highest ctid. Grouping
  // finds the repeated keys in one hashed pass; a file without repeats deletes nothing.
  std::string same_key;
  for (const auto& k : target_.key) {
    same_key += fmt::format("a.{0} = r.{0} AND ", QuoteIdent(k));
  }
  ASSIGN_OR_RETURN(
      PgResult deleted,
      BulkQuery(fmt::format("WITH d AS (DELETE FROM {0} a USING (SELECT {1}, max(ctid) AS "
                            "sluice_last FROM {0} GROUP BY {1} HAVING count(*) > 1) r "
                            "WHERE {2}a.ctid <> r.sluice_last RETURNING 1) "
                            "SELECT count(*) FROM d",
                            relation, KeyList(), same_key),
                what));
  return deleted.Count(0, 0);
}

Result<std::pair<uint64_t, uint64_t>> PgUpsertSink::RunMerge() {
  const std::string table = QuoteIdent(target_.table);
  const std::string key_list = KeyList();
  const std::string content_cur = ContentColumns("cur.");
  const std::string content_new = ContentColumns("EXCLUDED.");
  std::string set_list;
  std::string changed = "false";
  if (!content_cur.empty()) {
    // A single column needs ROW() on both sides to be compared as a row.
    const bool single = content_cur.find(',') == std::string::npos;
    changed = fmt::format(
        fmt::runtime(single ? "ROW({}) IS DISTINCT FROM ROW({})" : "({}) IS DISTINCT FROM ({})"),
        content_cur, content_new);
    for (const auto& f : target_.columns) {
      if (std::find(target_.key.begin(), target_.key.end(), f.name) != target_.key.end()) continue;
      set_list += fmt::format("{0} = EXCLUDED.{0}, ", QuoteIdent(f.name));
    }
    set_list +=
        fmt::format("updated_at = CASE WHEN {} THEN now() ELSE cur.updated_at END, ", changed);
  }
  set_list += "deleted_in_source_at = NULL";
  // Rows already present with the same content, and not marked deleted, are filtered out by
  // a hash anti-join before the upsert: ON CONFLICT would lock (and so write) every one of them.
  std::string same_row;
  for (const auto& k : target_.key) {
    same_row += fmt::format("t.{0} = s.{0} AND ", QuoteIdent(k));
  }
  const std::string content_t = ContentColumns("t.");
  if (!content_t.empty()) {
    same_row +=
        fmt::format("ROW({}) IS NOT DISTINCT FROM ROW({}) AND ", content_t, ContentColumns("s."));
  }
  same_row += "t.deleted_in_source_at IS NULL";
  const std::string filter =
      fmt::format("WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE {})", table, same_row);
  const std::string source =
      fmt::format("SELECT {} FROM {} s {}", ColumnList("s."), kStage, filter);
  std::string sql = fmt::format(
      "WITH merged AS (INSERT INTO {0} AS cur ({1}) {2} ON CONFLICT ({3}) DO UPDATE SET {4} "
      "WHERE {5} OR cur.deleted_in_source_at IS NOT NULL RETURNING (xmax = 0) AS inserted) "
      "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged",
      table, ColumnList(), source, key_list, set_list, changed);
  ASSIGN_OR_RETURN(PgResult r, BulkQuery(sql, fmt::format("merging into {}", target_.table)));
  return std::make_pair(r.Count(0, 0), r.Count(0, 1));
}

Result<MergeStats> PgUpsertSink::FinishMerge(bool mark_deleted) {
  const std::string what = fmt::format("merging into {}", target_.table);
  MergeStats stats;
  stats.staged = rows_;
  // Statistics let the planner hash the joins below.
  RETURN_IF_ERROR(conn_->Exec(fmt::format("ANALYZE {}", kStage), what));
  // Repeats go before the merge, not when it trips over them: its filter drops rows identical to
  // the table's, so an earlier changed row would otherwise win over a later unchanged one.
  if (repeats_.MaybeRepeated()) {
    ASSIGN_OR_RETURN(stats.duplicates, DropEarlierRepeats(kStage, what));
  }
  ASSIGN_OR_RETURN(auto merged, RunMerge());
  const uint64_t distinct = rows_ - stats.duplicates;
  stats.inserted = merged.first;
  stats.updated = merged.second;
  stats.unchanged = distinct - stats.inserted - stats.updated;

  if (options_.full_dump && mark_deleted) {
    std::string same_key;
    for (const auto& k : target_.key) {
      if (!same_key.empty()) same_key += " AND ";
      same_key += fmt::format("s.{0} = cur.{0}", QuoteIdent(k));
    }
    ASSIGN_OR_RETURN(
        PgResult marked,
        BulkQuery(fmt::format("WITH m AS (UPDATE {0} AS cur SET deleted_in_source_at = now() "
                              "WHERE cur.deleted_in_source_at IS NULL AND NOT EXISTS "
                              "(SELECT 1 FROM {1} s WHERE {2}) RETURNING 1) "
                              "SELECT count(*) FROM m",
                              QuoteIdent(target_.table), kStage, same_key),
                  fmt::format("marking rows absent from the dump in {}", target_.table)));
    stats.marked_deleted = marked.Count(0, 0);
  }
  return stats;
}

}  // namespace sluice
