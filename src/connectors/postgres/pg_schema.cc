#include "connectors/postgres/pg_schema.h"

#include <fmt/format.h>

namespace sluice {

Result<std::vector<std::string>> MissingRelations(PgConnection& conn,
                                                  const std::vector<std::string>& relations,
                                                  std::string_view what) {
  std::vector<std::string> missing;
  if (relations.empty()) return missing;
  // One round trip: the names travel as one text array literal.
  std::string array = "{";
  for (size_t i = 0; i < relations.size(); ++i) {
    if (i > 0) array += ',';
    array += '"';
    for (char c : relations[i]) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  ASSIGN_OR_RETURN(PgResult r,
                   conn.Query("SELECT n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) "
                              "WHERE to_regclass(n) IS NULL ORDER BY i",
                              {array}, what));
  for (int row = 0; row < r.rows(); ++row)
    missing.emplace_back(r.Value(row, 0));
  return missing;
}

Status EnsureRelations(PgConnection& conn, const std::vector<std::string>& relations,
                       std::string_view ddl, std::string_view what) {
  ASSIGN_OR_RETURN(std::vector<std::string> missing, MissingRelations(conn, relations, what));
  if (missing.empty()) return Status::Ok();
  Status st = conn.ExecSchemaChange(ddl, what);
  if (st.ok()) return st;
  std::string names;
  for (const auto& m : missing)
    names += (names.empty() ? "" : ", ") + m;
  return st.WithContext(
      fmt::format("{} missing; an owner has to create it, or this role needs "
                  "CREATE on the schema",
                  names));
}

}  // namespace sluice
