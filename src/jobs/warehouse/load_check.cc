#include "jobs/warehouse/load_check.h"

#include "jobs/warehouse/models_file.h"

namespace sluice::warehouse {

PipelineErrors CheckWarehouseLoadJob(const PipelineFile& pipeline) {
  PipelineErrors errors;
  if (!pipeline.job || pipeline.job->spec->name != "warehouse-load") return errors;
  const ComponentUse& use = *pipeline.job;
  const std::string& file = use.values.String("models");  // given, or from its variable
  std::vector<Model> declared;
  if (!file.empty()) {
    LoadedModels loaded = LoadModelsFile(file);
    for (PipelineError& error : loaded.errors) {
      error.file = file;
      errors.push_back(std::move(error));
    }
    if (!errors.empty()) return errors;
    declared = std::move(loaded.models);
  }
  const std::span<const Model> models = file.empty() ? std::span<const Model>(Models()) : declared;
  const std::string& name = use.values.String("model");
  if (FindModel(models, name)) return errors;
  auto at = use.positions.find("model");
  errors.push_back(
      {at == use.positions.end() || at->second.empty() ? use.position : at->second.front(),
       use.path + ".model", UnknownModel(models, name, file)});
  return errors;
}

}  // namespace sluice::warehouse
