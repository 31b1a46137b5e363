// The logins job's sink stage for the pipeline runner (pipeline/runner.h): it commits rows,
// rejects and the source's progress (a queue's ledger or a file's checkpoint) through
// LoginsSink. The transform is the general message transform (transforms/message_transform.h).
#pragma once

#include <string>

#include "jobs/logins/logins_sink.h"
#include "pipeline/stages.h"

namespace sluice::logins {

// A queue's messages are deduplicated by the ledger (pruned after `ledger_days`); a file's by
// its checkpoint, committed with each batch, which the runner resumes after.
class LoginsSinkStage : public Sink {
 public:
  LoginsSinkStage(LoginsSink& sink, int ledger_days) : sink_(sink), ledger_days_(ledger_days) {}

  Result<uint64_t> Open(std::string_view source_checkpoint) override;
  Result<SinkOutcome> Commit(const PreparedBatch& batch, uint64_t through) override;
  void Maintain() override;

 private:
  LoginsSink& sink_;
  int ledger_days_;
  Checkpoint checkpoint_;  // its name is empty for a queue
};

}  // namespace sluice::logins
