#include "jobs/logins/logins_job.h"

#include "jobs/logins/logins_stages.h"
#include "pipeline/runner.h"

namespace sluice::logins {

Result<LoginsRunStats> RunLogins(MessageSource& source, LoginsSink& sink,
                                 const MaskKeyring& keyring, MaskMode mode,
                                 const LoginsRunOptions& options) {
  LoginsTransform transform(keyring, mode);
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
