#include "jobs/warehouse/load_check.h"

#include <fmt/format.h>

#include "core/environment.h"
#include "jobs/warehouse/models_file.h"
#include "pipeline/bound_options.h"

namespace sluice::warehouse {

PipelineErrors CheckWarehouseLoadJob(const PipelineFile& pipeline,
                                     const PipelineErrors& load_errors) {
  PipelineErrors errors;
  if (!pipeline.job || pipeline.job->spec->name != "warehouse-load") return errors;
  const ComponentUse& use = *pipeline.job;
  // Given, or from its variable (as Resolve would take it when the job's other options have
  // errors); unknown when the value given has errors, and then neither is checked.
  std::string from_environment;
  const std::string* file = BoundText(use, "models", load_errors);
  if (!file && !HasErrorUnder(load_errors, use.path + ".models")) {
    for (const OptionSpec& spec : use.spec->options) {
      if (spec.name == "models" && !spec.env.empty()) from_environment = GetEnv(spec.env);
    }
    file = &from_environment;
  }
  if (!file) return errors;
  std::vector<Model> declared;
  bool all_named = true;
  if (!file->empty()) {
    LoadedModels loaded = LoadModelsFile(*file);
    for (PipelineError& error : loaded.errors) {
      if (error.position.line == 0 && error.path.empty() && !error.message.ends_with("not shown") &&
          use.positions.count("models")) {
        // The file as a whole (unreadable, too big): said where the pipeline names it.
        errors.push_back({use.positions.at("models").front(), use.path + ".models",
                          fmt::format("{}: {}", *file, error.message)});
      } else {
        error.file = *file;
        errors.push_back(std::move(error));
      }
    }
    // A file with errors still tells which models it declares, when it names them all.
    all_named = loaded.ok() || loaded.all_names_read;
    declared = loaded.ok() ? std::move(loaded.models) : std::move(loaded.named);
  }
  const std::span<const Model> models = file->empty() ? std::span<const Model>(Models()) : declared;
  const std::string* name = BoundText(use, "model", load_errors);
  if (!name || name->empty() || FindModel(models, *name) || !all_named) return errors;
  auto at = use.positions.find("model");
  errors.push_back(
      {at == use.positions.end() || at->second.empty() ? use.position : at->second.front(),
       use.path + ".model", UnknownModel(models, *name, *file)});
  return errors;
}

}  // namespace sluice::warehouse
