// The `settings` block of a pipeline file (pipeline/settings.h): checked as a component's options
// are (positions, did-you-mean, ranges and choices, every error at once), written into the
// schema from the same declaration, and turned into the stream runner's options.
#include <gtest/gtest.h>

#include "pipeline/pipeline_file.h"
#include "pipeline/pipeline_schema.h"
#include "pipeline/settings.h"

namespace sluice {
namespace {

constexpr std::string_view kPipeline = R"(source:
  file: {file: events.json}
transforms:
  - mask: {key-file: /k}
sink:
  logins-postgres: {pg: '${PG}'}
)";

LoadedPipeline Load(const std::string& settings) {
  static ComponentRegistry registry = [] {
    ComponentRegistry r;
    RegisterBuiltinComponents(r);
    return r;
  }();
  return ParsePipeline(std::string(kPipeline) + settings, registry,
                       [](std::string_view name) -> std::optional<std::string> {
                         if (name == "PG") return "postgresql://app@db/app";
                         return std::nullopt;
                       });
}

std::vector<std::string> Lines(const LoadedPipeline& loaded) {
  std::vector<std::string> out;
  for (const PipelineError& e : loaded.errors)
    out.push_back(FormatPipelineError("p.yaml", e));
  return out;
}

TEST(PipelineSettings, GivenSettingsAreBoundAndTheRestTakeTheirDefaults) {
  LoadedPipeline loaded = Load(
      "settings:\n  log-format: json\n  metrics-listen: 127.0.0.1:0\n  commit-attempts: 12\n"
      "  batch-linger-ms: 50\n  progress-every: 0\n");
  ASSERT_TRUE(loaded.ok()) << Lines(loaded)[0];
  ASSERT_TRUE(loaded.pipeline.settings);
  const OptionValues& values = loaded.pipeline.settings->values;
  EXPECT_TRUE(values.FromCommandLine("log-format"));
  EXPECT_FALSE(values.FromCommandLine("log-level"));
  EXPECT_EQ(values.String("log-level"), "info");
  EXPECT_EQ(values.String("metrics-listen"), "127.0.0.1:0");
  const RunnerOptions options = RunnerOptionsFrom(values);
  EXPECT_EQ(options.retry.attempts, 12);
  EXPECT_EQ(options.linger, std::chrono::milliseconds(50));
  EXPECT_EQ(options.progress_every, std::chrono::seconds(0));
  // What the file leaves out keeps the runner's own defaults.
  const RunnerOptions defaults;
  EXPECT_EQ(options.retry.first_pause, defaults.retry.first_pause);
  EXPECT_EQ(options.retry.longest_pause, defaults.retry.longest_pause);
  EXPECT_EQ(options.batch_body_bytes, defaults.batch_body_bytes);
}

TEST(PipelineSettings, NoSettingsBlockAndAnEmptyOneBothLoad) {
  EXPECT_TRUE(Load("").ok());
  LoadedPipeline empty = Load("settings: {}\n");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty.pipeline.settings);
  EXPECT_EQ(empty.pipeline.settings->values.String("progress"), "auto");
}

TEST(PipelineSettings, EveryBadSettingIsAnErrorAtItsPosition) {
  EXPECT_EQ(Lines(Load("settings:\n  progres: never\n  log-format: xml\n  commit-attempts: 0\n"
                       "  retries: 3\n  batch-linger-ms: soon\n")),
            (std::vector<std::string>{
                "p.yaml:8:3: settings.progres: unknown option (did you mean progress?)",
                "p.yaml:9:15: settings.log-format: 'xml' is not one of human, json",
                "p.yaml:10:20: settings.commit-attempts: 0 is out of range: 1 to 1000",
                "p.yaml:11:3: settings.retries: unknown option of settings: it has log-format, "
                "log-level, progress, metrics-listen, batch-linger-ms, batch-max-mb, "
                "commit-attempts, commit-first-pause-ms, commit-longest-pause-ms, progress-every",
                "p.yaml:12:20: settings.batch-linger-ms: 'soon' is not a whole number",
            }));
  EXPECT_EQ(
      Lines(Load("settings: [json]\n")),
      (std::vector<std::string>{"p.yaml:7:11: settings: expected a map of options, not a list"}));
}

TEST(PipelineSettings, AStreamsSettingUnderAJobIsAnErrorAtItsKey) {
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  LoadedPipeline loaded = ParsePipeline(
      "job:\n  lake-build: {source: in/, output: out}\nsettings:\n  log-level: warn\n"
      "  metrics-listen: 127.0.0.1:0\n  commit-attempts: 3\n",
      registry, [](std::string_view) { return std::nullopt; });
  EXPECT_EQ(Lines(loaded),
            (std::vector<std::string>{
                "p.yaml:5:3: settings.metrics-listen: a setting of a stream (a source into a "
                "sink); a job runs none, so it would do nothing",
                "p.yaml:6:3: settings.commit-attempts: a setting of a stream (a source into a "
                "sink); a job runs none, so it would do nothing",
            }));
}

TEST(PipelineSettings, TheSchemaDeclaresEachSetting) {
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  const std::string schema = PipelineJsonSchema(registry);
  for (const OptionSpec& spec : PipelineSettingsComponent().options)
    EXPECT_NE(schema.find("\"" + spec.name + "\":{"), std::string::npos) << spec.name;
  EXPECT_NE(schema.find(R"("enum":["auto","always","never"])"), std::string::npos);
}

}  // namespace
}  // namespace sluice
