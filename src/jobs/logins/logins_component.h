// The `logins-postgres` sink's options (docs/components/logins-postgres.md): where the logins
// job stores masked rows and rejects, exactly once per message.
#pragma once

#include "pipeline/component_registry.h"

namespace sluice::logins {

// pg, table, batch-size, ledger-days.
ComponentSpec LoginsPostgresComponent();

}  // namespace sluice::logins
