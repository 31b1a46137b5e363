#include "cli/validate_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "core/secrets.h"
#include "jobs/warehouse/load_check.h"
#include "jobs/warehouse/models_file.h"
#include "pipeline/yaml_tree.h"
#include "transforms/message_pipeline.h"
#include "transforms/message_schema.h"

namespace sluice::cli {

void PrintPipelineErrors(const std::string& file, const PipelineErrors& errors) {
  // Messages never quote a secret option's value; Redact is the net under that, for a password
  // that stands where no secret was expected (a URL in a plain text option).
  for (const PipelineError& error : errors)
    fmt::print(stderr, "{}\n", Redact(FormatPipelineError(file, error)));
}

LoadedPipeline LoadCheckedPipeline(const std::string& file, const ComponentRegistry& registry) {
  LoadedPipeline loaded = LoadPipelineFile(file, registry);
  // What the components name, checked as far as it bound even when other parts of the file
  // have errors: the schema a validate transform names and mask's fields against it; the
  // models file of a warehouse-load job and its model.
  PipelineErrors more = CheckMessageTransforms(loaded.pipeline, loaded.errors);
  PipelineErrors models = warehouse::CheckWarehouseLoadJob(loaded.pipeline, loaded.errors);
  loaded.errors.insert(loaded.errors.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
  loaded.errors.insert(loaded.errors.end(), std::make_move_iterator(models.begin()),
                       std::make_move_iterator(models.end()));
  SortAndBoundErrors(&loaded.errors, kMaxPipelineErrors);
  return loaded;
}

namespace {

enum class FileKind { kPipeline, kMessageSchema, kModels };

// What `file` declares, by its top-level keys: `fields` a message schema, `models` a models
// file, anything else (or a file that does not read as a map) a pipeline, whose loader then
// says what is wrong with it.
FileKind KindOf(const std::string& file) {
  PipelineErrors ignored;
  std::optional<std::string> text = ReadBoundedFile(file, kMaxPipelineFileBytes, "", &ignored);
  if (!text || text->size() > kMaxPipelineFileBytes) return FileKind::kPipeline;
  YamlDocument doc = ReadYaml(*text);
  if (!doc.root || doc.root->kind != YamlNode::Kind::kMap) return FileKind::kPipeline;
  bool fields = false, models = false, pipeline = false;
  for (size_t i = 0; i < doc.root->MapSize(); ++i) {
    const std::string& key = doc.root->Key(i).value;
    fields = fields || key == "fields";
    models = models || key == "models";
    pipeline = pipeline || key == "source" || key == "sink" || key == "job" ||
               key == "transforms" || key == "settings";
  }
  if (pipeline || fields == models) return FileKind::kPipeline;
  return fields ? FileKind::kMessageSchema : FileKind::kModels;
}

int Report(const std::string& file, const PipelineErrors& errors, const std::string& summary) {
  if (errors.empty()) {
    fmt::print("{}: ok ({})\n", file, summary);
    return kExitOk;
  }
  PrintPipelineErrors(file, errors);
  return kExitUsage;
}

int RunValidate(const OptionValues& values) {
  const std::string& file = values.String("file");
  switch (KindOf(file)) {
    case FileKind::kMessageSchema: {
      LoadedMessageSchema schema = LoadMessageSchemaFile(file);
      const size_t n = schema.schema.fields.size();
      return Report(file, schema.errors,
                    fmt::format("message schema, {} field{}", n, n == 1 ? "" : "s"));
    }
    case FileKind::kModels: {
      warehouse::LoadedModels models = warehouse::LoadModelsFile(file);
      std::string names;
      for (const warehouse::Model& m : models.models)
        names += (names.empty() ? "" : ", ") + m.name;
      const size_t n = models.models.size();
      return Report(file, models.errors,
                    fmt::format("warehouse models, {} model{}: {}", n, n == 1 ? "" : "s", names));
    }
    case FileKind::kPipeline:
      break;
  }
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  LoadedPipeline loaded = LoadCheckedPipeline(file, registry);
  return Report(file, loaded.errors, loaded.pipeline.Summary());
}

}  // namespace

void AddValidateCommand(CLI::App& app, int* exit_code) {
  OptionSpec file =
      PathOption("file", "The pipeline, message schema or warehouse models file (YAML)", false);
  file.positional = true;
  file.required = true;
  AddCommand(app, "validate",
             "Check a pipeline, message schema or models file, reporting every error with its "
             "position",
             {file}, RunValidate, exit_code);
}

}  // namespace sluice::cli
