#include "jobs/logins/logins_job.h"

#include "jobs/logins/logins_schema.h"
#include "jobs/logins/logins_stages.h"
#include "pipeline/runner.h"
#include "transforms/message_transform.h"

namespace sluice::logins {

Result<LoginsRunStats> RunLogins(MessageSource& source, LoginsSink& sink,
                                 const MaskKeyring& keyring, MaskMode mode,
                                 const LoginsRunOptions& options) {
  // The caller owns the keyring for the whole run: shared without ownership.
  MessageTransform transform(LoginsMessageSchema(), LoginsMaskedFields(),
                             std::shared_ptr<const MaskKeyring>(std::shared_ptr<void>(), &keyring),
                             mode);
  return RunMessagesIntoTable(source, transform, sink, options);
}

Result<LoginsRunStats> RunMessagesIntoTable(MessageSource& source, Transform& transform,
                                            LoginsSink& sink, const LoginsRunOptions& options) {
  LoginsSinkStage stage(sink, options.ledger_days);
  RunnerOptions runner;
  runner.batch_size = options.batch_size;
  runner.linger = options.linger;
  runner.batch_body_bytes = options.batch_body_bytes;
  runner.retry = options.retry;
  runner.progress_every = options.progress_every;
  runner.observer = options.observer;
  return RunPipeline(source, transform, stage, runner);
}

}  // namespace sluice::logins
