#include "cli/run_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/exit_policy.h"
#include "cli/lake_command.h"
#include "cli/logins_command.h"
#include "cli/option_binder.h"
#include "cli/report_command.h"
#include "cli/run_summary.h"
#include "cli/validate_command.h"
#include "cli/warehouse_command.h"
#include "connectors/file/ndjson_source.h"
#include "connectors/sqs/sqs_source.h"
#include "core/log.h"
#include "jobs/logins/logins_component.h"
#include "jobs/logins/logins_schema.h"
#include "jobs/warehouse/warehouse_load.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/settings.h"
#include "transforms/message_pipeline.h"

namespace sluice::cli {
namespace {

// A composition a command already runs: that command's options and its run function.
struct Preset {
  std::vector<OptionSpec> specs;
  CommandFn run;
};

// A queue -> validate -> mask -> postgres-table pipeline's options: the sink's, a source's and
// the runner settings', as `logins run` composes them.
std::vector<OptionSpec> TableRunOptions() {
  std::vector<OptionSpec> specs =
      ComposeOptions({logins::PostgresTableComponent().options, SqsSourceComponent().options,
                      FileSourceComponent().options, RunnerSettingsOptions()});
  for (OptionSpec& spec : specs) {
    if (spec.name == "file") spec.excludes = "queue";
  }
  return specs;
}

// Runs a postgres-table pipeline: the general form of which `logins run` is the preset. The
// table is made from (or checked against) the validate transform's schema.
int RunTablePipeline(const std::string& file, const PipelineFile& pipeline,
                     const OptionValues& values) {
  auto stages = BuildMessageStages(pipeline, file);
  if (!stages.ok()) return Fail(stages.status());
  std::shared_ptr<const MessageSchema> schema = stages->schema;
  std::unique_ptr<Transform> transform = std::move(stages->transform);
  TableRun run;
  run.make_transform = [&]() -> Result<std::unique_ptr<Transform>> { return std::move(transform); };
  run.shape.columns = logins::TableColumnsOf(*schema);
  run.shape.described_in = "the validate transform's schema, docs/message-schemas.md";
  run.shape.rows_noun = "rows";
  run.table_flag = fmt::format("{}: {}.table", file, pipeline.sink->path);
  return RunIntoTable(values, run);
}

// The preset `pipeline` is, or nothing when no command runs that composition (RunPresetOf,
// which validate reports at the component's place, decides).
std::optional<Preset> PresetFor(const std::string& file, const PipelineFile& pipeline) {
  switch (RunPresetOf(pipeline, nullptr)) {
    case RunPreset::kWarehouseLoad:
      return Preset{warehouse::WarehouseLoadComponent().options, RunWarehouseLoad};
    case RunPreset::kDailyLessons:
      return Preset{ReportRunOptions(), RunReport};
    case RunPreset::kLakeBuild:
      return Preset{LakeBuildOptions(), RunLakeBuild};
    case RunPreset::kLogins:
      return Preset{LoginsRunOptions(), RunLoginsCommand};
    case RunPreset::kTable:
      return Preset{TableRunOptions(), [&file, &pipeline](const OptionValues& values) {
                      return RunTablePipeline(file, pipeline, values);
                    }};
    case RunPreset::kNone:
      break;
  }
  return std::nullopt;
}

// The options `use` gives, into `values` as the command line would leave them: only what the
// file gave counts as given, so the command's Resolve fills the rest from the environment and
// the defaults exactly as it does for its flags, and its "given with --file" checks see the
// same thing. CLI11 checks a must_exist file while parsing; a file is checked here, before any
// work, so a missing one is the same usage error as on the command line.
Status BindUse(const std::string& file, const ComponentUse& use, OptionValues* values) {
  for (const OptionSpec& spec : use.spec->options) {
    if (!use.values.FromCommandLine(spec.name)) continue;
    values->Given(spec.name) = true;
    if (spec.type == OptionType::kList) {
      values->List(spec.name) = use.values.Strings(spec.name);
    } else {
      values->Text(spec.name) = use.values.String(spec.name);
    }
    if (!spec.must_exist) continue;
    const std::vector<std::string> paths = spec.type == OptionType::kList
                                               ? use.values.Strings(spec.name)
                                               : std::vector{use.values.String(spec.name)};
    for (const std::string& path : paths) {
      std::error_code ec;
      if (path != "-" && !std::filesystem::is_regular_file(path, ec)) {
        const bool exists = std::filesystem::exists(path, ec);
        return UsageError(fmt::format("{}: {}.{}: {}: {}", file, use.path, spec.name,
                                      exists ? "not a regular file" : "no such file", path));
      }
    }
  }
  return Status::Ok();
}

int RunPipeline(const OptionValues& flags) {
  const std::string& file = flags.String("file");
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  // Every error `validate` would report, of the file and of the schema or models file it
  // names, refuses the run before anything starts.
  LoadedPipeline loaded = LoadCheckedPipeline(file, registry);
  if (!loaded.ok()) {
    PrintPipelineErrors(file, loaded.errors);
    return kExitUsage;
  }
  const PipelineFile& pipeline = loaded.pipeline;
  std::optional<Preset> preset = PresetFor(file, pipeline);
  // LoadCheckedPipeline refused any composition RunPresetOf does not know.
  if (!preset) DieOfBug(fmt::format("{}: {} loaded without a preset", file, pipeline.Summary()));
  // The settings bind as the command's own flags (a runner setting of a stream) or set what
  // main's global flags set (logging, progress); one the command cannot take is refused.
  if (pipeline.settings) {
    if (Status st = CheckSettingsTaken(file, *pipeline.settings, preset->specs); !st.ok())
      return Fail(st);
    ApplyGlobalSettings(pipeline.settings->values);
  }
  OptionValues values;
  std::vector<const ComponentUse*> uses;
  if (pipeline.settings) uses.push_back(&*pipeline.settings);
  if (pipeline.job) uses.push_back(&*pipeline.job);
  if (pipeline.source) uses.push_back(&*pipeline.source);
  for (const ComponentUse& use : pipeline.transforms)
    uses.push_back(&use);
  if (pipeline.sink) uses.push_back(&*pipeline.sink);
  for (const ComponentUse* use : uses) {
    if (Status st = BindUse(file, *use, &values); !st.ok()) return Fail(st);
  }
  // --metrics-listen given to `run` wins over the file's setting; a file that runs no stream
  // has nothing to measure.
  if (flags.FromCommandLine("metrics-listen")) {
    if (std::none_of(preset->specs.begin(), preset->specs.end(),
                     [](const OptionSpec& o) { return o.name == "metrics-listen"; })) {
      return Fail(UsageError(
          fmt::format("--metrics-listen: {} runs {}, not a stream: there is nothing to measure",
                      file, pipeline.Summary())));
    }
    values.Given("metrics-listen") = true;
    values.Text("metrics-listen") = flags.String("metrics-listen");
  }
  if (Status st = values.Resolve(preset->specs); !st.ok()) return Fail(st);
  LogEvent(LogLevel::kInfo, "run.start", {{"job", "run"}, {"pipeline", file}}, "{}: running {}",
           file, pipeline.Summary());
  SetSummaryPipeline(file);
  return preset->run(values);
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  OptionSpec file = PathOption("file", "The pipeline file (YAML)", false);
  file.positional = true;
  file.required = true;
  AddCommand(app, "run", "Run a pipeline file: the same work as the command it is a preset of",
             {file, MetricsListenOption()}, RunPipeline, exit_code);
}

}  // namespace sluice::cli
