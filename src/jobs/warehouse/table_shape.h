// Whether a model's table, as it stands in PostgreSQL, is the one the model's load writes: a
// table made for an earlier declaration of a models file (a field added since, a type changed,
// another key) would otherwise fail half-way through a load in PostgreSQL's words, or upsert on
// a key the model does not have. Sluice never alters a table itself: the error says what differs
// and the statement that adds a missing column.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "connectors/postgres/pg_connection.h"
#include "jobs/warehouse/models.h"

namespace sluice::warehouse {

// A column an existing table lacks: its name, unquoted, and its definition as ADD COLUMN takes
// it ("integer", "varchar(128)", "timestamptz NOT NULL DEFAULT now()").
struct MissingColumn {
  std::string name;
  std::string definition;
};

// "a missing column can be added with ALTER TABLE "t" ADD COLUMN "c" integer; ALTER TABLE ...",
// one statement per column of `missing`, the table and column names quoted (QuoteIdent); "" when
// none is missing. Every refusal of a table Sluice did not make in the shape it writes says it
// this way: a model's table (CheckTableShape) and a message schema's (logins/logins_sink.h).
std::string AddColumnsHint(std::string_view table, std::span<const MissingColumn> missing);

// Whether `table` (found on the search_path as the job's statements find it) is one Sluice can
// write: OK when there is no relation of that name (it will be created) or it is a table
// (relkind r or p). Anything else, a view most often, is FailedPrecondition naming what it is,
// "t_vw is a view, not a table: ...", since the ALTER TABLE of AddColumnsHint, the upsert and
// the key lookup work on tables only. Reads only pg_class, which needs no grant. Checked before
// the shape by both the warehouse (CheckTableShape) and the message sink (logins_sink.h).
Status CheckIsTable(PgConnection& conn, std::string_view table);

// Compares the table `model.table` (on the connection's search_path; it must exist) with the
// model: each column of Model::LoadSchema() present with its type (format_type's name), the
// primary key on exactly Model::KeyColumns(), and no other column that is NOT NULL without a
// default (a load could not fill it). Reads only the catalogs, which need no grant. The error,
// InvalidArgument, names every difference at once:
//   table podcasts does not match model podcast: it has no column "rating" (integer); column
//   "minutes" is text, the model's is integer. It was made for another declaration of the
//   model, or another model; a missing column can be added with ALTER TABLE "podcasts" ADD
//   COLUMN "rating" integer (AddColumnsHint)
// A content-hash model (Model::content_hash_key) is the exception: its key is a hash of every
// field, so a field the table lacks would change the key of every row it holds, and a load
// after ADD COLUMN would add each row again beside the old one. No ALTER TABLE is offered for
// such a field; the error says to load into a new table or drop the table and load again.
// A relation that is not a table is refused first (CheckIsTable).
Status CheckTableShape(PgConnection& conn, const Model& model);

}  // namespace sluice::warehouse
