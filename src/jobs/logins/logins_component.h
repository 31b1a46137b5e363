// The `logins-postgres` sink's options (docs/components/logins-postgres.md): where the logins
// job stores masked rows and rejects, exactly once per message.
#pragma once

#include "pipeline/component_registry.h"

namespace sluice::logins {

// pg, table, batch-size, ledger-days.
ComponentSpec LoginsPostgresComponent();

// The `postgres-table` sink (docs/components/postgres-table.md): the same exactly-once store
// over the columns of a message schema (transforms/message_schema.h) instead of user_logins':
// pg, table (required), batch-size, ledger-days.
ComponentSpec PostgresTableComponent();

}  // namespace sluice::logins
