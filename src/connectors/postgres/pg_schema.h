// Creating Sluice's tables only when they are missing. PostgreSQL checks the CREATE privilege on
// the schema before it looks whether the table exists, so even `CREATE TABLE IF NOT EXISTS` on
// an existing table fails for a role with only DML grants ("permission denied for schema
// public"). Commands therefore look first and run their DDL only when something is missing, so
// tables made ahead of time by an owner (a migration) need nothing but the grants of the
// command's docs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"

namespace sluice {

// The relations (tables, indexes) of `relations` that do not exist, in the order given. Each is
// spelled as in SQL (quoted, optionally schema-qualified) and resolved on the connection's
// search_path by to_regclass(), which needs no privilege on the relation.
Result<std::vector<std::string>> MissingRelations(PgConnection& conn,
                                                  const std::vector<std::string>& relations,
                                                  std::string_view what);

// Runs `ddl` (CREATE ... IF NOT EXISTS statements that make `relations`) under the schema-change
// lock (PgConnection::ExecSchemaChange), only when one of `relations` is missing. When the DDL
// fails, the error names the missing relations, so a role without CREATE learns what an owner
// has to make.
Status EnsureRelations(PgConnection& conn, const std::vector<std::string>& relations,
                       std::string_view ddl, std::string_view what);

}  // namespace sluice
