#include "jobs/logins/logins_component.h"

#include "connectors/postgres/pg_connection.h"

namespace sluice::logins {

ComponentSpec LoginsPostgresComponent() {
  ComponentSpec c{.name = "logins-postgres", .kind = ComponentKind::kSink};
  c.summary = "Stores login events in PostgreSQL exactly once per message, rejects beside them";
  c.description =
      "Each batch is one transaction: message ids go into a ledger (or a file's checkpoint moves) "
      "with ON CONFLICT DO NOTHING, and only new messages reach the table or <table>_rejects. "
      "The source lets the messages go after the commit.";
  c.options = {
      PgUrlOption(),
      TextOption("table", "Target table; rejects go to <table>_rejects", "user_logins"),
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
  OptionSpec table = TextOption("table", "Target table; rejects go to <table>_rejects");
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
