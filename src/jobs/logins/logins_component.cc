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

}  // namespace sluice::logins
