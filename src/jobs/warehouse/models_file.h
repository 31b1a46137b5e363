// A warehouse models file: models declared in YAML (docs/warehouse-models.md), loaded into the
// same Model the built-in six are (they are one such file, examples/warehouse-models.yaml,
// compiled in), so a declared model loads with the same upsert, history and rejects.
//
//   models:
//     - name: podcast            # as --model takes it
//       table: podcasts
//       key: [title]             # or: key: content-hash
//       fields:
//         - {column: title, type: text, csv: Title, json: meta.title}
//         - {column: host, type: text, json: "hosts[].name", pick: last, skip: [tbd]}
//
// The YAML rules are yaml_tree.h's (no anchors, aliases or tags, bounded depth, no key twice).
// Loading never throws and never stops at the first problem: every error comes back with its
// position and path ("models[2].fields[1].type"), sorted by position, at most kMaxModelErrors
// of them plus a count of the rest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jobs/warehouse/models.h"
#include "pipeline/pipeline_error.h"

namespace sluice::warehouse {

// Larger files are refused unread: six models take 3 KB.
inline constexpr size_t kMaxModelsFileBytes = 1 << 20;
inline constexpr size_t kMaxModelErrors = 100;
// PostgreSQL allows 1600 columns in a table; with the history columns, this leaves room.
inline constexpr size_t kMaxModelFields = 1000;

struct LoadedModels {
  std::vector<Model> models;  // complete only when `errors` is empty
  PipelineErrors errors;
  bool ok() const { return errors.empty(); }

  // When `errors` is not empty: every model as far as it was read (a name or table with an
  // error may be empty), for checking a job's --model against the file even so; and whether
  // every model's name and table were read, so that a name none of them has is surely unknown.
  std::vector<Model> named;
  bool all_names_read = false;
};

// What is checked, each at its position: unknown keys (with the closest known one), missing
// models, name, table, key or fields, values of the wrong shape, a type that is not one of
// text, integer, bigint, double, date, timestamptz; names that break the identifier rule (a
// model's name: a lower-case letter, then lower-case letters, digits, '_' or '-', at most 63
// bytes; a table or column: a lower-case letter or '_', then lower-case letters, digits or '_',
// at most 58 bytes for a table (its key constraint adds "_pkey") and 63 for a column); the
// tables Sluice keeps (kSluiceOwnTables, core/names.h) or a name ending in _rejects (a message
// pipeline's rejects table; ValidatePlainTableName), the columns Sluice adds (first_seen_at,
// updated_at, deleted_in_source_at, content_hash); a model name or table given twice (names
// and tables share one namespace, as --model takes either), a column or CSV header given twice
// (headers in any letter case), a key naming no field or a field twice, a JSON path that does
// not parse (json_path.h), [] without pick, pick or skip without [].
LoadedModels ParseModels(std::string_view text);

// The types a field declares ("text", "integer", ...), in the order errors list them.
const std::vector<std::string>& ModelTypeNames();
// The columns Sluice adds to every model's table, and the tables it keeps beside them: no model
// may declare them.
const std::vector<std::string>& ReservedColumns();
const std::vector<std::string>& ReservedTables();

// Reads the file at `path` (at most kMaxModelsFileBytes + 1 bytes of it) and loads it. A file
// that cannot be read, or is too big, is one error without a position.
LoadedModels LoadModelsFile(const std::string& path);

}  // namespace sluice::warehouse
