// Shutdown on SIGTERM and SIGINT, as a service manager (systemd, Kubernetes) asks for it: the
// source stops taking input, the batch in hand still commits and is acknowledged, and the run
// ends with the status it would have had (0), rather than being killed mid-batch.
#pragma once

#include "pipeline/message_source.h"

namespace sluice {

// Routes SIGTERM and SIGINT to `source->Stop()` (the handlers are installed on the first call,
// once per process). Call it with nullptr as early as possible: a signal that arrives while the
// run is still connecting is remembered, and stops the source as soon as it is attached.
// Once it returns, the source attached before gets no further Stop(): call it with nullptr
// before destroying that source.
void StopOnSignals(MessageSource* source);

// Whether SIGTERM or SIGINT has come since StopOnSignals was first called: for a command with
// no MessageSource (sending a file to a queue), which checks between batches.
bool StopRequested();

}  // namespace sluice
