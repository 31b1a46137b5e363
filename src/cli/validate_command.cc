#include "cli/validate_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "core/secrets.h"
#include "jobs/warehouse/load_check.h"
#include "jobs/warehouse/models_file.h"
#include "pipeline/yaml_tree.h"
#include "transforms/mask.h"
#include "transforms/message_pipeline.h"
#include "transforms/message_schema.h"

namespace sluice::cli {

void PrintPipelineErrors(const std::string& file, const PipelineErrors& errors) {
  // Messages never quote a secret option's value; Redact is the net under that, for a password
  // that stands where no secret was expected (a URL in a plain text option).
  for (const PipelineError& error : errors)
    fmt::print(stderr, "{}\n", Redact(FormatPipelineError(file, error)));
}

namespace {

constexpr const char* kSupported =
    "sluice run supports source file or sqs, transforms [validate, mask], sink postgres-table; "
    "source file or sqs, transforms [mask], sink logins-postgres (as `sluice logins run`); job "
    "warehouse-load (as `sluice warehouse load`), daily-lessons (as `sluice report run`) and "
    "lake-build (as `sluice lake build`)";

std::string TransformNames(const PipelineFile& pipeline) {
  std::string names;
  for (const ComponentUse& use : pipeline.transforms)
    names += (names.empty() ? "" : ", ") + (use.spec ? use.spec->name : "?");
  return "[" + names + "]";
}

}  // namespace

PipelineErrors CheckMaskKeyFiles(const PipelineFile& pipeline) {
  PipelineErrors errors;
  for (const ComponentUse& use : pipeline.transforms) {
    if (use.spec == nullptr || use.spec->name != "mask") continue;
    // Only a key file the pipeline file names and that bound; from the environment it is run's
    // to find, as it is for `sluice logins run`.
    const auto at = use.positions.find("key-file");
    if (at == use.positions.end() || at->second.empty()) continue;
    const std::string& path = use.values.String("key-file");
    auto refuse = [&](std::string message) {
      errors.push_back(
          {.position = at->second[0], .path = use.path + ".key-file", .message = message});
    };
    // A path is not the secret; the key is, and no message here quotes what the file holds.
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      refuse(fmt::format("no such file: {}", path));
    } else if (!std::filesystem::is_regular_file(path, ec)) {
      // A FIFO or a device could block or never end: only a regular file is read.
      refuse(fmt::format("not a regular file: {}", path));
    } else if (Result<MaskKeyring> ring = MaskKeyring::LoadFile(path); !ring.ok()) {
      refuse(ring.status().message());
    }
  }
  return errors;
}

RunPreset RunPresetOf(const PipelineFile& pipeline, PipelineErrors* errors) {
  auto refuse = [&](const ComponentUse& at, std::string why) {
    if (errors) errors->push_back({.position = at.position, .path = at.path, .message = why});
    return RunPreset::kNone;
  };
  if (pipeline.job && pipeline.job->spec) {
    const std::string& job = pipeline.job->spec->name;
    if (job == "warehouse-load") return RunPreset::kWarehouseLoad;
    if (job == "daily-lessons") return RunPreset::kDailyLessons;
    if (job == "lake-build") return RunPreset::kLakeBuild;
    // lake-seed and lake-serve are left to their commands for now: seed's --delete mirrors a
    // folder, and serve runs until stopped, neither what a first `run` should be trusted with.
    return refuse(*pipeline.job,
                  fmt::format("job {} is not run by sluice run yet (run it with `sluice {}`); {}",
                              job, job == "lake-seed" ? "lake seed" : "lake serve", kSupported));
  }
  if (!pipeline.source || !pipeline.sink || !pipeline.source->spec || !pipeline.sink->spec)
    return RunPreset::kNone;
  const std::string& source = pipeline.source->spec->name;
  const std::string& sink = pipeline.sink->spec->name;
  if (source != "file" && source != "sqs") {
    return refuse(*pipeline.source,
                  fmt::format("sluice run reads no source {} yet; {}", source, kSupported));
  }
  const size_t n = pipeline.transforms.size();
  auto named = [&](size_t i, std::string_view name) {
    return pipeline.transforms[i].spec != nullptr && pipeline.transforms[i].spec->name == name;
  };
  // The logins job masks every event: without the mask it would be another pipeline, one that
  // stores PII in the clear, so it is not taken for this one.
  if (sink == "logins-postgres") {
    if (n == 1 && named(0, "mask")) return RunPreset::kLogins;
    return refuse(*pipeline.sink,
                  fmt::format("sink logins-postgres runs after transforms [mask] alone, not {} "
                              "(without the mask it would store PII in the clear); {}",
                              TransformNames(pipeline), kSupported));
  }
  if (sink == "postgres-table") {
    if (n == 2 && named(0, "validate") && named(1, "mask")) return RunPreset::kTable;
    return refuse(*pipeline.sink,
                  fmt::format("sink postgres-table runs after transforms [validate, mask], not "
                              "{}; {}",
                              TransformNames(pipeline), kSupported));
  }
  return refuse(*pipeline.sink,
                fmt::format("sluice run writes to no sink {} yet; {}", sink, kSupported));
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
  PipelineErrors keys = CheckMaskKeyFiles(loaded.pipeline);
  loaded.errors.insert(loaded.errors.end(), std::make_move_iterator(keys.begin()),
                       std::make_move_iterator(keys.end()));
  RunPresetOf(loaded.pipeline, &loaded.errors);
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

int ValidateFile(const std::string& file) {
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

// Each file in turn, all of them however many have errors: exit 2 when any has one.
int RunValidate(const OptionValues& values) {
  int worst = kExitOk;
  for (const std::string& file : values.Strings("files")) {
    if (ValidateFile(file) != kExitOk) worst = kExitUsage;
  }
  return worst;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int* exit_code) {
  OptionSpec files{.name = "files",
                   .type = OptionType::kList,
                   .summary = "Pipeline, message schema or warehouse models files (YAML)"};
  files.positional = true;
  files.required = true;
  AddCommand(app, "validate",
             "Check a pipeline, message schema or models file, reporting every error with its "
             "position",
             {files}, RunValidate, exit_code);
}

}  // namespace sluice::cli
