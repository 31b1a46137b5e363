// `sluice validate FILE...`: checks each pipeline file in turn (pipeline/pipeline_file.h) without
// touching any server. Prints "FILE: ok (source sqs, 1 transform, sink logins-postgres)" and exits
// 0, or prints every error on stderr, one a line as "FILE:LINE:COLUMN: PATH: message", and exits 2
// when any file has errors. A message schema (top-level key `fields`) or a warehouse models file
// (`models`) given directly is checked as what it is: "FILE: ok (message schema, 7 fields)", "FILE:
// ok (warehouse models, 2 models: podcast, episode)".
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "pipeline/component_registry.h"
#include "pipeline/pipeline_error.h"
#include "pipeline/pipeline_file.h"

namespace sluice::cli {

void AddValidateCommand(CLI::App& app, int* exit_code);

// The key file each mask transform of `pipeline` names (when it bound): an error at its value
// unless it is a regular file holding keys, read with the loader run uses (MaskKeyring::LoadFile),
// so validate refuses what run would. Never quotes the file's content. Part of
// LoadCheckedPipeline.
PipelineErrors CheckMaskKeyFiles(const PipelineFile& pipeline);

// The command `sluice run` runs a pipeline as, when it is the preset of one.
enum class RunPreset {
  kNone,           // not a composition run supports (yet)
  kLogins,         // source file or sqs, transforms [mask], sink logins-postgres: `logins run`
  kTable,          // source file or sqs, transforms [validate, mask], sink postgres-table
  kWarehouseLoad,  // job warehouse-load: `warehouse load`
  kDailyLessons,   // job daily-lessons: `report run`
  kLakeBuild,      // job lake-build: `lake build`
};

// What `sluice run` would run `pipeline` as. When it runs none of it, appends to `errors` (when
// not null) one error at the component that leaves what run supports (the job; else the source,
// else the sink, given the transforms it needs), saying what run supports. The one decision for
// both: `validate` reports it (through LoadCheckedPipeline), `run` dispatches on it. A pipeline
// without a job or a source and sink (the loader reported that) is kNone with no error.
RunPreset RunPresetOf(const PipelineFile& pipeline, PipelineErrors* errors);

// Prints `errors` of the pipeline file `file` on stderr as validate does, one a line, redacted.
// `sluice run` reports a file that does not load the same way.
void PrintPipelineErrors(const std::string& file, const PipelineErrors& errors);

// Loads the pipeline file `file` and checks what its components name beyond their options (the
// schema of a validate transform and mask.fields against it, the models file and model of a
// warehouse-load job, the key file a mask transform names) and whether `sluice run` runs its
// composition (RunPresetOf), each as far as it bound, so that every error of every file comes back
// at once: the pipeline file's first (PipelineError::file empty), then each named file's, each by
// position and bounded (SortAndBoundErrors). `validate` reports them; `run` refuses with them
// before it starts anything. `registry` must outlive the result.
LoadedPipeline LoadCheckedPipeline(const std::string& file, const ComponentRegistry& registry);

}  // namespace sluice::cli
