// The runner for loads: one input, read once, written in one transaction (`warehouse load`).
// Reading and writing overlap: this thread reads and transforms the next batch while a writer
// thread sends the one before to the sink (a queue of one between them is the back-pressure,
// so memory holds two batches whatever the input's size).
#pragma once

#include "core/status.h"
#include "pipeline/stages.h"

namespace sluice {

// Runs `source` into `sink` and commits. Any failure (reading, writing or committing) aborts
// the sink, so nothing is committed, and is returned: a writer's failure before a reader's,
// since the reader then only stopped because the writer did.
Status RunLoad(BatchSource& source, LoadSink& sink);

}  // namespace sluice
