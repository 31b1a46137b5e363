#include "jobs/logins/logins_stages.h"

#include "core/log.h"
#include "jobs/logins/logins_table.h"

namespace sluice::logins {

Result<uint64_t> LoginsSinkStage::Open(std::string_view source_checkpoint) {
  // An ordered source resumes after its committed checkpoint and never touches the ledger, so
  // its role needs no DELETE there (docs/logins.md lists the grants of each).
  checkpoint_ = Checkpoint{CheckpointNameFor(source_checkpoint, sink_.tables()), 0, 0};
  if (checkpoint_.name.empty()) {
    // At the start a failure is an error (a role without DELETE on the ledger learns it now);
    // later, in Maintain, only a warning.
    ASSIGN_OR_RETURN(const uint64_t pruned, sink_.PruneLedger(ledger_days_));
    if (pruned > 0) LogInfo("pruned {} ledger entries older than {} days", pruned, ledger_days_);
    return uint64_t{0};
  }
  ASSIGN_OR_RETURN(checkpoint_.from, sink_.ReadCheckpoint(checkpoint_.name));
  return checkpoint_.from;
}

Result<SinkOutcome> LoginsSinkStage::Commit(const PreparedBatch& batch, uint64_t through) {
  checkpoint_.to = through;
  ASSIGN_OR_RETURN(
      BatchOutcome outcome,
      sink_.Write(batch.rows, batch.rejects, checkpoint_.name.empty() ? nullptr : &checkpoint_));
  checkpoint_.from = through;
  return SinkOutcome{outcome.stored, outcome.rejected};
}

void LoginsSinkStage::Maintain() {
  if (!checkpoint_.name.empty()) return;
  auto pruned = sink_.PruneLedger(ledger_days_);
  if (!pruned.ok()) {
    LogWarn("{}", pruned.status().message());
  } else if (*pruned > 0) {
    LogInfo("pruned {} ledger entries older than {} days", *pruned, ledger_days_);
  }
}

}  // namespace sluice::logins
