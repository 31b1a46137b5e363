// What `sluice validate` checks of a warehouse-load job beyond its options' own rules, without
// touching any server: the models file it names (`models`) loads, and `model` is one of its
// models (or of the built-in ones when there is no models file).
#pragma once

#include "pipeline/pipeline_error.h"
#include "pipeline/pipeline_file.h"

namespace sluice::warehouse {

// The errors of `pipeline`'s warehouse-load job, none for another pipeline. A models file's own
// errors keep their positions in it (PipelineError::file names it); an unknown model is placed
// at the `model` value, with the closest name. `pipeline` loaded without errors. The models
// path is already placed beside the pipeline file by its loader (OptionSpec::beside_pipeline).
PipelineErrors CheckWarehouseLoadJob(const PipelineFile& pipeline);

}  // namespace sluice::warehouse
