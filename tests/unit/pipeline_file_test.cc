// Pipeline files (pipeline/pipeline_file.h): what loads, and every check with the position and
// option path it reports, several at once; hostile YAML (aliases, depth, size) refused cheaply;
// ${VAR} interpolation; secret options taken only as references and never quoted.
#include "pipeline/pipeline_file.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/suggest.h"
#include "jobs/logins/logins_component.h"
#include "pipeline/interpolation.h"

namespace sluice {
namespace {

class PipelineFileTest : public testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinComponents(registry_);
    // Required options whose variable may stand in: tests say when it is set.
    ::unsetenv("SLUICE_PG_URL");
    ::unsetenv("SLUICE_MYSQL_URL");
  }

  LoadedPipeline Load(std::string_view text) {
    return ParsePipeline(text, registry_, [this](std::string_view name) {
      auto it = variables_.find(std::string(name));
      return it == variables_.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }

  // Every error as validate prints it, for exact comparisons.
  static std::vector<std::string> Lines(const LoadedPipeline& loaded) {
    std::vector<std::string> out;
    for (const PipelineError& e : loaded.errors)
      out.push_back(FormatPipelineError("p.yaml", e));
    return out;
  }

  ComponentRegistry registry_;
  std::map<std::string, std::string> variables_ = {{"PG", "postgresql://app:hunter22@db/app"}};
};

constexpr std::string_view kGood = R"(source:
  sqs: {queue: logins, receivers: 4, until-empty: true}
transforms:
  - mask: {key-file: /secure/logins.key, mask: hmac}
sink:
  logins-postgres:
    pg: ${PG}
    batch-size: 500
settings: {}
)";

TEST_F(PipelineFileTest, AGoodFileLoadsWithItsValuesResolved) {
  LoadedPipeline loaded = Load(kGood);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(Lines(loaded));
  const PipelineFile& p = loaded.pipeline;
  EXPECT_EQ(p.Summary(), "source sqs, 1 transform, sink logins-postgres");
  ASSERT_TRUE(p.source && p.sink);
  EXPECT_EQ(p.source->values.String("queue"), "logins");
  EXPECT_EQ(p.source->values.Int("receivers"), 4);
  EXPECT_EQ(p.source->values.Int("wait-seconds"), 10);  // the default, from Resolve
  EXPECT_TRUE(p.source->values.Flag("until-empty"));
  EXPECT_EQ(p.source->position.line, 2);
  EXPECT_EQ(p.source->position.column, 3);
  ASSERT_EQ(p.transforms.size(), 1u);
  EXPECT_EQ(p.transforms[0].path, "transforms[0].mask");
  EXPECT_EQ(p.transforms[0].values.String("mask"), "hmac");
  EXPECT_EQ(p.sink->values.String("pg"), "postgresql://app:hunter22@db/app");
  EXPECT_EQ(p.sink->values.Int("batch-size"), 500);
  EXPECT_EQ(p.sink->values.String("table"), "user_logins");
}

TEST_F(PipelineFileTest, AJobStandsAlone) {
  LoadedPipeline loaded = Load(R"(job:
  warehouse-load:
    pg: ${PG}
    model: movie
    files: [a.csv, b.csv]
    full-dump: false
)");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(Lines(loaded));
  EXPECT_EQ(loaded.pipeline.Summary(), "job warehouse-load");
  EXPECT_EQ(loaded.pipeline.job->values.Strings("files"),
            (std::vector<std::string>{"a.csv", "b.csv"}));
  EXPECT_FALSE(loaded.pipeline.job->values.Flag("full-dump"));

  EXPECT_EQ(Lines(Load("job: {warehouse-load: {pg: '${PG}', model: movie, files: [a]}}\n"
                       "source: {sqs: {}}\n")),
            (std::vector<std::string>{"p.yaml:1:1: job: a job is a whole pipeline: give it alone, "
                                      "without source, transforms or sink"}));
}

TEST_F(PipelineFileTest, EveryErrorIsReportedAtOnceWithItsPositionAndPath) {
  LoadedPipeline loaded = Load(R"(source:
  sqss: {queue: logins}
transforms:
  - mask: {key-file: /k, mask: rot13}
  - mask: {kye-file: /k}
  - logins-postgres: {}
sink:
  logins-postgres: {pg: '${PG}', batch-size: 0, table: [a], ledger-days: 1.5}
settings: {progres: never}
sorce: x
)");
  EXPECT_EQ(Lines(loaded),
            (std::vector<std::string>{
                "p.yaml:2:3: source: unknown component 'sqss' (did you mean sqs?)",
                "p.yaml:4:32: transforms[0].mask.mask: 'rot13' is not one of siv, hmac",
                "p.yaml:5:12: transforms[1].mask.kye-file: unknown option (did you mean key-file?)",
                "p.yaml:6:5: transforms[2]: 'logins-postgres' is a sink, not a transform",
                "p.yaml:8:46: sink.logins-postgres.batch-size: 0 is out of range: 1 to 100000",
                "p.yaml:8:56: sink.logins-postgres.table: expected text, not a list",
                "p.yaml:8:74: sink.logins-postgres.ledger-days: '1.5' is not a whole number",
                "p.yaml:9:12: settings.progres: unknown option (did you mean progress?)",
                "p.yaml:10:1: sorce: unknown key (did you mean source?)",
            }));
}

// An option's own check (OptionSpec::check) speaks at the value's line and column, with the
// option's path and the check's own words, not the command-line flag.
TEST_F(PipelineFileTest, AnOptionsOwnCheckIsReportedAtTheValue) {
  EXPECT_EQ(Lines(Load(R"(source:
  sqs: {queue: "", receivers: 1e30, visibility-timeout: 99999999999999999999}
sink:
  postgres-table: {pg: '${PG}', table: x.y}
settings: {metrics-listen: "http://127.0.0.1:9000"}
)")),
            (std::vector<std::string>{
                "p.yaml:2:16: source.sqs.queue: SQS queue names are 1 to 80 characters",
                "p.yaml:2:31: source.sqs.receivers: '1e30' is in exponent form: write a whole "
                "number in digits, 1 to 64",
                "p.yaml:2:57: source.sqs.visibility-timeout: 99999999999999999999 is out of "
                "range: 5 to 43200",
                "p.yaml:4:40: sink.postgres-table.table: is not a plain lower-case name: a "
                "lower-case letter or '_', then lower-case letters, digits or '_' (so SQL can "
                "name it without quotes)",
                "p.yaml:5:28: settings.metrics-listen: is a URL (http://...): give the address "
                "alone, without a scheme or a path (expected host:port, e.g. 127.0.0.1:8080)",
            }));
  // A URL with a bad sslmode: at the value, never quoting the URL.
  variables_["PG"] = "postgresql://app:hunter22@db/app?sslmode=bogus";
  EXPECT_EQ(Lines(Load("source: {sqs: {queue: q}}\nsink: {logins-postgres: {pg: '${PG}'}}\n")),
            (std::vector<std::string>{
                "p.yaml:2:30: sink.logins-postgres.pg: the PostgreSQL URL's sslmode 'bogus' is "
                "not one of disable, allow, prefer, require, verify-ca, verify-full",
            }));
}

// Each item of a list meets the check, at its own position.
TEST_F(PipelineFileTest, AListsItemsAreEachChecked) {
  ComponentRegistry registry;
  ComponentSpec names{.name = "names", .kind = ComponentKind::kSource};
  names.summary = "Names";
  OptionSpec list{.name = "names", .type = OptionType::kList, .summary = "Names"};
  list.check = [](std::string_view v) {
    return v.find(' ') == std::string_view::npos ? Status::Ok() : UsageError("holds a space");
  };
  names.options = {list};
  registry.Add(names);
  registry.Add(logins::PostgresTableComponent());
  const LoadedPipeline loaded = ParsePipeline(
      "source: {names: {names: [a, b c, d, e f]}}\nsink: {postgres-table: {pg: x, table: t}}\n",
      registry, [](std::string_view) { return std::nullopt; });
  std::vector<std::string> lines = Lines(loaded);
  lines.resize(std::min<size_t>(lines.size(), 2));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "p.yaml:1:29: source.names.names[1]: holds a space",
                       "p.yaml:1:37: source.names.names[3]: holds a space",
                   }));
}

// A NUL is no part of YAML text: raw, the file is refused at its place; escaped in a quoted
// scalar, the value is.
TEST_F(PipelineFileTest, ANulByteIsRefusedAtItsPlace) {
  EXPECT_EQ(Lines(Load(std::string_view("source:\n  sqs: {queue: a\0b}\n", 26))),
            (std::vector<std::string>{
                "p.yaml:2:17: a NUL byte: a YAML file is text, and holds none; not read further",
            }));
  EXPECT_EQ(Lines(Load("source: {sqs: {queue: \"a\\0b\"}}\nsink: {logins-postgres: {pg: "
                       "'${PG}'}}\n")),
            (std::vector<std::string>{
                "p.yaml:1:23: a NUL character (\\0) is not allowed in a value",
            }));
}

TEST_F(PipelineFileTest, ValuesOfTheWrongShapeAreRefused) {
  EXPECT_EQ(Lines(Load(R"(source:
  sqs:
    queue: {name: q}
    until-empty: yes
    receivers: many
    sqs-endpoint:
sink: {logins-postgres: {pg: '${PG}'}}
)")),
            (std::vector<std::string>{
                "p.yaml:3:12: source.sqs.queue: expected text, not a map",
                "p.yaml:4:18: source.sqs.until-empty: 'yes' is not true or false",
                "p.yaml:5:16: source.sqs.receivers: 'many' is not a whole number",
                "p.yaml:6:5: source.sqs.sqs-endpoint: no value: expected text",
            }));
  EXPECT_EQ(Lines(Load("job: {warehouse-load: {pg: '${PG}', model: movie, files: a.csv}}\n")),
            (std::vector<std::string>{"p.yaml:1:58: job.warehouse-load.files: expected a list "
                                      "(files: [a, b]), not text"}));
  EXPECT_EQ(
      Lines(Load("source: [sqs]\nsink: {logins-postgres: {pg: '${PG}'}}\n")),
      (std::vector<std::string>{
          "p.yaml:1:9: source: expected one source as a map ({NAME: {options}}), not a list"}));
  EXPECT_EQ(Lines(Load("- a\n- b\n")),
            (std::vector<std::string>{"p.yaml:1:1: expected a map of source, transforms and sink "
                                      "(or job), not a list"}));
}

TEST_F(PipelineFileTest, RequiredOptionsMayComeFromTheirVariable) {
  EXPECT_EQ(Lines(Load("job: {warehouse-load: {files: []}}\n")),
            (std::vector<std::string>{
                "p.yaml:1:7: job.warehouse-load: model is required: give model: VALUE",
                "p.yaml:1:31: job.warehouse-load.files: is empty: give at least one",
            }));
  ::setenv("SLUICE_PG_URL", "postgresql://from-env/db", 1);
  LoadedPipeline loaded = Load("job: {warehouse-load: {model: movie, files: [a.csv]}}\n");
  ::unsetenv("SLUICE_PG_URL");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(Lines(loaded));
  EXPECT_EQ(loaded.pipeline.job->values.String("pg"), "postgresql://from-env/db");
}

TEST_F(PipelineFileTest, AMissingSlotOrAnEmptyFileIsSaid) {
  EXPECT_EQ(Lines(Load("source: {sqs: }\n")),
            (std::vector<std::string>{
                "p.yaml:1:1: no sink: a pipeline has a source and a sink (or a job)"}));
  EXPECT_EQ(Lines(Load("")), (std::vector<std::string>{"p.yaml: empty: a pipeline has a source "
                                                       "and a sink (or a job); see "
                                                       "docs/pipelines.md"}));
  EXPECT_EQ(Lines(Load("source: {sqs: {}, file: {}}\nsink: {logins-postgres: {pg: '${PG}'}}\n")),
            (std::vector<std::string>{"p.yaml:1:19: source: one source only, not 2"}));
  EXPECT_EQ(Lines(Load("source: {warehouse-load: {}}\nsink: {logins-postgres: {pg: '${PG}'}}\n")),
            (std::vector<std::string>{"p.yaml:1:10: source: 'warehouse-load' is a job, not a "
                                      "source (a job stands alone: job: {NAME: ...})"}));
}

TEST_F(PipelineFileTest, MalformedYamlIsOneErrorWithYamlCppsMessageAndPosition) {
  EXPECT_EQ(Lines(Load("source:\n  sqs: {queue: [logins}\n")),
            (std::vector<std::string>{"p.yaml:2:23: malformed YAML: illegal flow end"}));
  // A reference in a {...} map must be quoted: the braces would end the map.
  std::vector<std::string> flow = Lines(Load("sink:\n  logins-postgres: {pg: ${PG}}\n"));
  ASSERT_EQ(flow.size(), 1u);
  EXPECT_NE(flow[0].find("p.yaml:2:26: malformed YAML"), std::string::npos) << flow[0];
  EXPECT_NE(flow[0].find("quote a value holding ${...}"), std::string::npos) << flow[0];
  EXPECT_EQ(Lines(Load("source: {sqs: {}}\nsink: {logins-postgres: {pg: '${PG}'}}\n---\nx: 1\n")),
            (std::vector<std::string>{
                "p.yaml:3:1: a second document: a pipeline file holds one (no '---' between)"}));
}

TEST_F(PipelineFileTest, DuplicateKeysAreRefusedInEveryMap) {
  EXPECT_EQ(Lines(Load(R"(source:
  sqs:
    queue: a
    receivers: 2
    queue: b
sink: {logins-postgres: {pg: '${PG}'}}
source: {file: {file: x}}
)")),
            (std::vector<std::string>{
                "p.yaml:5:5: 'queue' is given twice (first at line 3, column 5)",
                "p.yaml:7:1: 'source' is given twice (first at line 1, column 1)",
            }));
}

TEST_F(PipelineFileTest, TagsAndKeysThatAreNotTextAreRefused) {
  EXPECT_EQ(Lines(Load("source:\n  sqs: {queue: !!str logins, ? [a] : b, ~: c}\n"
                       "sink: {logins-postgres: {pg: '${PG}'}}\n")),
            (std::vector<std::string>{
                "p.yaml:2:16: a tag (tag:yaml.org,2002:str) is not allowed: write the value "
                "plainly",
                "p.yaml:2:32: a key must be text, not a list",
                "p.yaml:2:41: a key must be text, not nothing",
            }));
  // Where a value is not in the file byte for byte (a block scalar), its start stands for it.
  EXPECT_EQ(Lines(Load("source:\n  sqs:\n    queue: |\n      a ${X}\n"
                       "sink: {logins-postgres: {pg: '${PG}'}}\n")),
            (std::vector<std::string>{"p.yaml:3:12: source.sqs.queue: ${X}: X is not set (give a "
                                      "default: ${X:-value})"}));
}

TEST_F(PipelineFileTest, AnchorsAndAliasesAreRefusedSoABombNeverExpands) {
  // The billion laughs: nine levels of ten aliases each would be 10^9 strings when expanded.
  std::string bomb =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    const char prev = static_cast<char>(level - 1);
    bomb += fmt::format("{0}: &{0} [*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1},*{1}]\n", level, prev);
  }
  const std::vector<std::string> lines = Lines(Load(bomb));
  auto count = [&lines](std::string_view part) {
    return std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(part) != std::string::npos;
    });
  };
  // Each of the 9 anchors and 72 aliases is refused where it stands; none is followed.
  EXPECT_EQ(count("is not allowed"), 81);
  EXPECT_EQ(count("p.yaml:1:4: an anchor (&a) is not allowed: write the value out"), 1);
  EXPECT_EQ(count("p.yaml:2:8: an alias (*a) is not allowed: write the value out"), 1);
  EXPECT_EQ(count("p.yaml:9:8: an alias (*h) is not allowed: write the value out"), 1);
  EXPECT_EQ(Lines(Load("source: &s {sqs: {}}\nsink: {logins-postgres: {pg: '${PG}'}}\nx: *s\n"))[0],
            "p.yaml:1:9: an anchor (&s) is not allowed: write the value out");
}

TEST_F(PipelineFileTest, NestingDeeperThan32IsOneError) {
  std::string deep = "source: {sqs: {queue: ";
  for (int i = 0; i < 100; ++i)
    deep += "[";
  for (int i = 0; i < 100; ++i)
    deep += "]";
  deep += "}}\nsink: {logins-postgres: {pg: '${PG}'}}\n";
  EXPECT_EQ(Lines(Load(deep)), (std::vector<std::string>{
                                   "p.yaml:1:23: source.sqs.queue: expected text, not a list",
                                   "p.yaml:1:52: nesting deeper than 32 levels",
                               }));
  // Far past yaml-cpp's own guard (2,000 levels): two errors, never a crash.
  const std::string deeper(100000, '[');
  std::vector<std::string> lines = Lines(Load(deeper));
  ASSERT_EQ(lines.size(), 2u) << testing::PrintToString(lines);
  EXPECT_NE(lines[0].find("p.yaml:1:1: not read further: nested too deep for YAML"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("nesting deeper than 32 levels"), std::string::npos) << lines[1];
}

TEST_F(PipelineFileTest, AFileOverOneMebibyteIsRefusedUnread) {
  const std::string big = "# " + std::string(10 << 20, 'x') + "\n";
  EXPECT_EQ(Lines(Load(big)),
            (std::vector<std::string>{"p.yaml: larger than 1 MiB: a pipeline file is at most "
                                      "1,048,576 bytes"}));
  const auto path = std::filesystem::temp_directory_path() /
                    ("sluice-pipeline-big-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path, std::ios::binary) << big;
  LoadedPipeline loaded = LoadPipelineFile(path.string(), registry_);
  std::filesystem::remove(path);
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].message,
            "larger than 1 MiB: a pipeline file is at most 1,048,576 bytes");
  EXPECT_EQ(LoadPipelineFile("/nonexistent/p.yaml", registry_).errors[0].message,
            "cannot read: No such file or directory");
}

TEST_F(PipelineFileTest, InterpolationResolvesReferencesAndReportsBadOnesInPlace) {
  variables_["QUEUE"] = "logins";
  variables_["EMPTY"] = "";
  LoadedPipeline loaded = Load(R"(source:
  sqs:
    queue: q-${QUEUE}
    sqs-endpoint: http://h/q-${QUEUE}-$$1-${MISSING:-x}-${EMPTY:-y}-$HOME
    receivers: ${RECEIVERS:-3}
sink: {logins-postgres: {pg: '${PG}'}}
)");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(Lines(loaded));
  EXPECT_EQ(loaded.pipeline.source->values.String("queue"), "q-logins");
  EXPECT_EQ(loaded.pipeline.source->values.String("sqs-endpoint"),
            "http://h/q-logins-$1-x-y-$HOME");
  EXPECT_EQ(loaded.pipeline.source->values.Int("receivers"), 3);

  EXPECT_EQ(Lines(Load(R"(source:
  sqs:
    queue: a-${UNSET}-${OTHER}
    sqs-endpoint: "http://${HOST"
    visibility-timeout: ${9X}
sink: {logins-postgres: {pg: '${PG}'}}
)")),
            (std::vector<std::string>{
                "p.yaml:3:14: source.sqs.queue: ${UNSET}: UNSET is not set (give a default: "
                "${UNSET:-value})",
                "p.yaml:3:23: source.sqs.queue: ${OTHER}: OTHER is not set (give a default: "
                "${OTHER:-value})",
                "p.yaml:4:27: source.sqs.sqs-endpoint: '${' without a closing '}' (write $$ for a "
                "literal '$')",
                "p.yaml:5:25: source.sqs.visibility-timeout: a variable name in ${...} is letters, "
                "digits and '_', not starting with a digit",
            }));
  // A secret takes no default, so its hint is to set the variable.
  EXPECT_EQ(Lines(Load(R"(source: {sqs: {queue: q}}
sink: {logins-postgres: {pg: '${UNSET_PG}'}}
)")),
            (std::vector<std::string>{
                "p.yaml:2:31: sink.logins-postgres.pg: ${UNSET_PG}: UNSET_PG is not set: set it "
                "in the environment of the process that runs the pipeline (a secret takes no "
                "default)",
            }));
}

TEST_F(PipelineFileTest, ASecretIsOnlyAReferenceAndNeverQuoted) {
  const std::vector<std::string> lines = Lines(Load(R"(job:
  daily-lessons:
    pg: postgresql://app:hunter22@db/app
    mysql: ${PG:-mysql://root:hunter22@db/x}
)"));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "p.yaml:3:9: job.daily-lessons.pg: a secret: give it as ${SLUICE_PG_URL} "
                       "(an environment variable), never inline",
                       "p.yaml:4:12: job.daily-lessons.mysql: a secret: give it as "
                       "${SLUICE_MYSQL_URL} (an environment variable), never inline",
                   }));
  for (const std::string& line : lines)
    EXPECT_EQ(line.find("hunter22"), std::string::npos) << line;
  // A key file is a path: inline is fine.
  variables_["MY"] = "mysql://u:hunter22@db/x";
  LoadedPipeline loaded = Load("job: {daily-lessons: {pg: '${PG}', mysql: '${MY}'}}\n");
  EXPECT_TRUE(loaded.ok()) << testing::PrintToString(Lines(loaded));
  EXPECT_TRUE(Load("source: {sqs: {}}\ntransforms: [mask: {key-file: /k}]\n"
                   "sink: {logins-postgres: {pg: '${PG}'}}\n")
                  .ok());
}

TEST(Interpolation, ReferencesDefaultsAndDollars) {
  auto lookup = [](std::string_view name) -> std::optional<std::string> {
    if (name == "A") return "1";
    if (name == "E") return "";
    return std::nullopt;
  };
  EXPECT_EQ(Interpolate("${A}${A}", lookup).value, "11");
  EXPECT_EQ(Interpolate("${E}", lookup).value, "");
  EXPECT_EQ(Interpolate("${E:-d}|${U:-}|${U:-a b}", lookup).value, "d||a b");
  EXPECT_EQ(Interpolate("$$A $A $ $", lookup).value, "$A $A $ $");
  Interpolated bad = Interpolate("x${A:=1}${}${U}", lookup);
  ASSERT_EQ(bad.issues.size(), 3u);
  EXPECT_EQ(bad.issues[0].offset, 1u);
  EXPECT_EQ(bad.issues[0].message, "only ${A} and ${A:-default} are understood");
  EXPECT_EQ(bad.issues[1].offset, 8u);
  EXPECT_EQ(bad.issues[2].offset, 11u);
  EXPECT_TRUE(IsWholeReference("${SLUICE_PG_URL}"));
  EXPECT_FALSE(IsWholeReference("${A:-x}"));
  EXPECT_FALSE(IsWholeReference(" ${A}"));
  EXPECT_FALSE(IsWholeReference("${A}${B}"));
  EXPECT_FALSE(IsWholeReference("${}"));
}

TEST(Suggest, TheClosestNameWithinTwoEdits) {
  EXPECT_EQ(EditDistance("recievers", "receivers"), 1u);  // a swap of neighbours
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  const std::vector<std::string> names = {"queue", "receivers", "wait-seconds"};
  EXPECT_EQ(ClosestName("recievers", names), "receivers");
  EXPECT_EQ(ClosestName("queu", names), "queue");
  EXPECT_EQ(ClosestName("pg", names), "");
  EXPECT_EQ(ClosestName("wait", names), "");
  // Two edits by length alone: still suggested. Three: never, whatever the letters.
  EXPECT_EQ(ClosestName("queueXY", names), "queue");
  EXPECT_EQ(ClosestName("que", names), "queue");
  EXPECT_EQ(ClosestName("queueXYZ", names), "");
  EXPECT_EQ(ClosestName(std::string(1 << 20, 'q'), names), "");
}

}  // namespace
}  // namespace sluice
