// Loads batches into a PostgreSQL table as an upsert on its key, keeping history:
//
//   first_seen_at         when the key was first loaded
//   updated_at            the last load that changed the row's content
//   deleted_in_source_at  set by a full-dump load that no longer carries the key, cleared when
//                         it comes back; rows are never deleted
//
// Two paths, chosen per load:
// - The target is empty: rows are copied straight into it with its primary key dropped, and the
//   key is rebuilt afterwards, as restore tools do. This is close to a bare COPY.
// - Otherwise rows are copied (binary) into a temporary staging table and merged with one
//   INSERT ... SELECT ... ON CONFLICT DO UPDATE that only touches rows whose content differs, so
//   an identical re-load rewrites nothing and leaves no dead tuples.
// A file that repeats a key keeps its last occurrence (COPY order). Every statement over the whole
// batch or table joins on plain key equality (keys are never null), so PostgreSQL can hash it;
// `IS NOT DISTINCT FROM` would leave only a nested loop, quadratic in the batch.
//
// The sink runs inside one transaction that it opens (a PgTransaction); the caller may add
// statements (rejects) after Finish() and then calls Commit(). A sink aborted, or destroyed
// before Commit(), rolls back, so a failed load leaves the table as it was.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_transaction.h"
#include "core/batch.h"
#include "core/repeat_detector.h"

namespace sluice {

struct UpsertTarget {
  std::string table;
  Schema columns;                // the columns each batch carries, in order
  std::vector<std::string> key;  // the columns of the table's primary key
};

struct MergeStats {
  uint64_t staged = 0;          // rows received
  uint64_t inserted = 0;        // new keys
  uint64_t updated = 0;         // keys whose content changed, or that came back to the source
  uint64_t unchanged = 0;       // keys already present with the same content
  uint64_t duplicates = 0;      // rows dropped because a later row of the load had the same key
  uint64_t marked_deleted = 0;  // keys absent from a full dump, marked now
  bool direct_load = false;     // the empty-table path was taken
};

class PgUpsertSink {
 public:
  struct Options {
    bool full_dump = false;  // mark rows whose keys this load does not carry
    // Called, on the sink's connection inside its transaction, with each statement that reads
    // the whole batch or table (de-duplication, merge, full-dump marking) just before it runs.
    // A test seam: the plan tests EXPLAIN them. An error stops the load.
    std::function<Status(std::string_view sql)> before_bulk_statement;
  };

  static Result<std::unique_ptr<PgUpsertSink>> Begin(PgConnection* conn, UpsertTarget target,
                                                     Options options);
  // Ends a copy still open, then rolls back unless Commit() ran.
  ~PgUpsertSink();

  Status Write(const Batch& batch);
  // Completes the copy and the merge. The transaction stays open. A full dump marks the keys
  // it lacks only with `mark_deleted` (a caller that rejected records of the dump cannot know
  // it is complete).
  Result<MergeStats> Finish(bool mark_deleted = true);
  // Commits the load and whatever the caller added after Finish(); PgTransaction::Commit's
  // errors (a statement that failed in it makes this an error, never a silent rollback).
  Status Commit();
  // Abandons the load: ends the copy if one is open and rolls the transaction back.
  void Abort();

 private:
  PgUpsertSink(PgConnection* conn, UpsertTarget target, Options options);

  Status Start();
  Status FlushBuffer();
  Result<MergeStats> FinishDirect();
  Result<MergeStats> FinishMerge(bool mark_deleted);
  Result<std::pair<uint64_t, uint64_t>> RunMerge();
  Result<uint64_t> DropEarlierRepeats(const std::string& relation, std::string_view what);
  Result<PgResult> BulkQuery(const std::string& sql, std::string_view what);
  std::string ColumnList(std::string_view prefix = "") const;
  std::string KeyList(std::string_view prefix = "") const;
  std::string ContentColumns(std::string_view prefix) const;

  PgConnection* conn_;
  std::optional<PgTransaction> transaction_;  // from Start() on
  UpsertTarget target_;
  Options options_;
  bool direct_ = false;
  std::string pkey_name_;
  std::string pkey_definition_;
  std::string buffer_;
  uint64_t rows_ = 0;
  std::vector<size_t> key_columns_;  // indexes into target_.columns
  RepeatDetector repeats_;
  bool copying_ = false;
};

}  // namespace sluice
