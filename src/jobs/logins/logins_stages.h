// The logins job's two stages for the pipeline runner (pipeline/runner.h): the transform that
// validates and masks each login event, and the sink adapter that commits rows, rejects and
// the source's progress (a queue's ledger or a file's checkpoint) through LoginsSink.
#pragma once

#include <string>

#include "jobs/logins/login_record.h"
#include "jobs/logins/logins_sink.h"
#include "pipeline/stages.h"
#include "transforms/mask.h"

namespace sluice::logins {

// Each message becomes a row of user_logins (ip and device_id masked with the chosen mode) or
// a reject with its reason and its body encrypted (SIV, so a key holder can repair it).
class LoginsTransform : public Transform {
 public:
  LoginsTransform(const MaskKeyring& keyring, MaskMode mode)
      : field_masker_(keyring, mode),
        body_masker_(keyring, MaskMode::kSiv),
        transformer_(field_masker_, body_masker_) {}

  PreparedBatch NewBatch() const override;
  Status Apply(const InboundMessage& message, PreparedBatch* batch) override;

 private:
  Masker field_masker_;
  Masker body_masker_;
  LoginTransformer transformer_;
  std::string reason_;
};

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
