#include "jobs/logins/logins_component.h"

#include "connectors/postgres/pg_connection.h"
#include "jobs/logins/logins_sink.h"

namespace sluice::logins {
namespace {

// The table a message stream writes, with <table>_rejects beside it: the one rule of the names
// Sluice creates (core/names.h, ValidatePlainTableName), checked where the value is given.
OptionSpec TableOption(std::string default_value) {
  OptionSpec table =
      TextOption("table", "Target table; rejects go to <table>_rejects", std::move(default_value));
  table.check = [](std::string_view value) { return ValidateLoginsTable(value, ""); };
  table.check_rule =
      "a lower-case letter or _, then lower-case letters, digits or _; at most 55 bytes; not a "
      "reserved word of PostgreSQL, not beginning with pg_";
  return table;
}

}  // namespace

ComponentSpec LoginsPostgresComponent() {
  ComponentSpec c{.name = "logins-postgres", .kind = ComponentKind::kSink};
  c.summary = "Stores login events in PostgreSQL exactly once per message, rejects beside them";
  c.description =
      "Each batch is one transaction: message ids go into a ledger (or a file's checkpoint moves) "
      "with ON CONFLICT DO NOTHING, and only new messages reach the table or <table>_rejects. "
      "The source lets the messages go after the commit.";
  c.options = {
      PgUrlOption(),
      TableOption("user_logins"),
      IntOption("batch-size", "Messages per transaction", 1000, 1, 100000),
      IntOption("ledger-days", "Days message ids are remembered", 15, 1, 3650),
  };
  return c;
}

ComponentSpec PostgresTableComponent() {
  ComponentSpec c{.name = "postgres-table", .kind = ComponentKind::kSink};
  c.summary = "Stores the rows of a validate transform in a PostgreSQL table exactly once";
  c.description =
      "The table is created from the message schema (one column per field; <table>_rejects "
      "beside it), or checked when it exists. Exactly once as logins-postgres: a queue's message "
      "ids go through a ledger, a file's progress is a checkpoint, each batch one transaction.";
  OptionSpec table = TableOption("");
  table.required = true;
  table.example = "signups";
  c.options = {
      PgUrlOption(),
      table,
      IntOption("batch-size", "Messages per transaction", 1000, 1, 100000),
      IntOption("ledger-days", "Days message ids are remembered", 15, 1, 3650),
  };
  return c;
}

}  // namespace sluice::logins
