// Whether a model's table, as it stands in PostgreSQL, is the one the model's load writes: a
// table made for an earlier declaration of a models file (a field added since, a type changed,
// another key) would otherwise fail half-way through a load in PostgreSQL's words, or upsert on
// a key the model does not have. Sluice never alters a table itself: the error says what differs
// and the statement that adds a missing column.
#pragma once

#include "connectors/postgres/pg_connection.h"
#include "jobs/warehouse/models.h"

namespace sluice::warehouse {

// Compares the table `model.table` (on the connection's search_path; it must exist) with the
// model: each column of Model::LoadSchema() present with its type (format_type's name), the
// primary key on exactly Model::KeyColumns(), and no other column that is NOT NULL without a
// default (a load could not fill it). Reads only the catalogs, which need no grant. The error,
// InvalidArgument, names every difference at once:
//   table podcasts does not match model podcast: it has no column "rating" (integer); column
//   "minutes" is text, the model's is integer. Add a missing column with ALTER TABLE podcasts
//   ADD COLUMN "rating" integer; ...
Status CheckTableShape(PgConnection& conn, const Model& model);

}  // namespace sluice::warehouse
