#include "cli/validate_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "core/secrets.h"
#include "jobs/warehouse/load_check.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_file.h"
#include "transforms/message_pipeline.h"

namespace sluice::cli {

void PrintPipelineErrors(const std::string& file, const PipelineErrors& errors) {
  // Messages never quote a secret option's value; Redact is the net under that, for a password
  // that stands where no secret was expected (a URL in a plain text option).
  for (const PipelineError& error : errors)
    fmt::print(stderr, "{}\n", Redact(FormatPipelineError(file, error)));
}

namespace {

int RunValidate(const OptionValues& values) {
  const std::string& file = values.String("file");
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  LoadedPipeline loaded = LoadPipelineFile(file, registry);
  // The schema a validate transform names, and mask's fields against it, once the file itself
  // is sound.
  if (loaded.ok()) loaded.errors = CheckMessageTransforms(loaded.pipeline);
  // The models file a warehouse-load job names, and its model.
  if (loaded.ok()) loaded.errors = warehouse::CheckWarehouseLoadJob(loaded.pipeline);
  if (loaded.ok()) {
    fmt::print("{}: ok ({})\n", file, loaded.pipeline.Summary());
    return kExitOk;
  }
  PrintPipelineErrors(file, loaded.errors);
  return kExitUsage;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int* exit_code) {
  OptionSpec file = PathOption("file", "The pipeline file (YAML)", false);
  file.positional = true;
  file.required = true;
  AddCommand(app, "validate", "Check a pipeline file, reporting every error with its position",
             {file}, RunValidate, exit_code);
}

}  // namespace sluice::cli
