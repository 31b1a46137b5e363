#include "jobs/warehouse/load_check.h"

#include <fmt/format.h>

#include "core/environment.h"
#include "jobs/warehouse/models_file.h"
#include "jobs/warehouse/warehouse_load.h"
#include "pipeline/bound_options.h"

namespace sluice::warehouse {
namespace {

// allow-empty-dump given true without full-dump true: an option that would do nothing.
void CheckDumpFlags(const ComponentUse& use, const PipelineErrors& load_errors,
                    PipelineErrors* errors) {
  const std::string* allow = BoundText(use, "allow-empty-dump", load_errors);
  if (!allow || *allow != "true") return;
  const std::string* full = BoundText(use, "full-dump", load_errors);
  if (HasErrorUnder(load_errors, use.path + ".full-dump") || (full && *full == "true")) return;
  auto at = use.positions.find("allow-empty-dump");
  errors->push_back(
      {at == use.positions.end() || at->second.empty() ? use.position : at->second.front(),
       use.path + ".allow-empty-dump", std::string(kAllowEmptyDumpAlone)});
}

// The same file twice in `files`: placed at the second.
void CheckRepeatedFiles(const ComponentUse& use, const PipelineErrors& load_errors,
                        PipelineErrors* errors) {
  bool complete = false;
  const std::vector<std::string>* files = BoundList(use, "files", load_errors, &complete);
  auto at = use.positions.find("files");
  // Item by item only when every item bound, so that an index is its position in the file.
  if (!files || !complete || at == use.positions.end() || at->second.size() != files->size())
    return;
  std::optional<RepeatedFile> repeated = FindRepeatedFile(*files);
  if (!repeated) return;
  errors->push_back({at->second[repeated->second],
                     fmt::format("{}.files[{}]", use.path, repeated->second),
                     fmt::format("is the file files[{}] already names: each file is loaded once",
                                 repeated->first)});
}

}  // namespace

PipelineErrors CheckWarehouseLoadJob(const PipelineFile& pipeline,
                                     const PipelineErrors& load_errors) {
  PipelineErrors errors;
  if (!pipeline.job || pipeline.job->spec->name != "warehouse-load") return errors;
  const ComponentUse& use = *pipeline.job;
  CheckDumpFlags(use, load_errors, &errors);
  CheckRepeatedFiles(use, load_errors, &errors);
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
