// Turns a file's records into batches for `warehouse load`: each record becomes a typed row of
// its model's load schema, or a reject (model, source_file, position, reason, record) for the
// load_rejects table, with the reason naming the field and never quoting its value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/warehouse/models.h"
#include "pipeline/stages.h"
#include "transforms/content_hash.h"

namespace sluice::warehouse {

struct RejectedRecord {
  std::string position;  // "line 12", "index 3"
  std::string reason;
};

// What a file's reading found, rejected records included.
struct ReadCounts {
  uint64_t records = 0;
  uint64_t rejected = 0;
  std::vector<RejectedRecord> first_rejects;  // the first few, for the summary
};

// The shape of a load_rejects row in PreparedBatch::rejects.
Schema LoadRejectSchema();

class RowBuilder {
 public:
  // Rows and rejects per batch, at most: a batch's COPY goes out while the next is built.
  static constexpr size_t kBatchRows = 4096;

  RowBuilder(const Model& model, std::string source_file);

  // `values[i]` is the source text of model field i; nullopt is a null. Returns false, with
  // the reason, for a record that cannot be loaded; the caller then rejects it with its text.
  bool Add(const std::vector<std::optional<std::string_view>>& values, std::string* reason);

  // Keeps a record that could not be read at all, or that Add() refused (then already
  // counted). Text PostgreSQL cannot store (a record rejected for its bytes, a file name that
  // is not UTF-8) is kept escaped.
  void Reject(std::string_view position, std::string reason, std::string_view raw_record,
              bool already_counted = true);
  // Keeps a record the reader did not hold (over its size limit): the reason and position only.
  void RejectUnread(std::string_view position, std::string reason);

  // Whether the batch in hand is due to go.
  bool Full() const;
  bool Empty() const;
  // The batch in hand; a new one starts.
  PreparedBatch Take();

  const ReadCounts& counts() const { return counts_; }

 private:
  void Keep(std::string_view position, std::string reason,
            std::optional<std::string_view> raw_record, bool already_counted);

  const Model& model_;
  std::string source_file_;
  PreparedBatch batch_;
  ContentHasher hasher_;
  ReadCounts counts_;
};

}  // namespace sluice::warehouse
