// What `sluice validate` checks of a warehouse-load job beyond its options' own rules, without
// touching any server: the models file it names (`models`) loads, and `model` is one of its
// models (or of the built-in ones when there is no models file).
#pragma once

#include "pipeline/pipeline_error.h"
#include "pipeline/pipeline_file.h"

namespace sluice::warehouse {

// The errors of `pipeline`'s warehouse-load job, none for another pipeline. A models file's own
// errors keep their positions in it (PipelineError::file names it); an unknown model is placed
// at the `model` value, with the closest name. The models path is already placed beside the
// pipeline file by its loader (OptionSpec::beside_pipeline).
//
// `load_errors` are the pipeline file's own: the models file is checked whenever `models` bound,
// and `model` whenever it bound too, even against a models file with errors when that file
// still names all its models (LoadedModels::named), so one run shows every error.
PipelineErrors CheckWarehouseLoadJob(const PipelineFile& pipeline,
                                     const PipelineErrors& load_errors = {});

}  // namespace sluice::warehouse
