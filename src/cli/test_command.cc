#include "cli/test_command.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "cli/validate_command.h"
#include "core/secrets.h"
#include "pipeline/component_registry.h"
#include "pipeline/option_spec.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/pipeline_test_run.h"
#include "pipeline/pipeline_tests.h"
#include "transforms/mask.h"
#include "transforms/message_pipeline.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

// A fresh masking key in a private temporary folder, removed with this object: a test's
// expectations hold for any key, so none needs to be shared or kept.
class TemporaryKey {
 public:
  static Result<std::unique_ptr<TemporaryKey>> Make() {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "sluice-test-XXXXXX").string();
    if (ec) return IoError(fmt::format("no temporary folder for a test key: {}", ec.message()));
    if (::mkdtemp(pattern.data()) == nullptr) {
      return IoError(fmt::format("cannot make a folder for a test key in {}",
                                 fs::path(pattern).parent_path().string()));
    }
    std::unique_ptr<TemporaryKey> key(new TemporaryKey(pattern));
    RETURN_IF_ERROR(MaskKeyring::GenerateFile(key->path()));
    return key;
  }
  ~TemporaryKey() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return (fs::path(dir_) / "test.key").string(); }

 private:
  explicit TemporaryKey(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// A path of a test file: as written when absolute, else from the test file's folder.
std::string Beside(const std::string& test_file, const std::string& path) {
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(test_file).parent_path() / path).lexically_normal().string();
}

// The names a pipeline file refers to as a bare ${NAME}, without a default.
std::set<std::string, std::less<>> BareReferences(const std::string& pipeline_path) {
  std::set<std::string, std::less<>> names;
  std::ifstream in(pipeline_path, std::ios::binary);
  std::string text(kMaxPipelineFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  auto name_char = [](char c, bool first) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
  };
  for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
    size_t end = at + 2;
    while (end < text.size() && name_char(text[end], end == at + 2))
      ++end;
    if (end > at + 2 && end < text.size() && text[end] == '}') {
      names.insert(text.substr(at + 2, end - at - 2));
    }
  }
  return names;
}

// The test's variables, then the environment. A bare ${NAME} that neither gives stands as a
// placeholder (UnusedValuePlaceholder, which no option's own check refuses), since a test runs
// no source or sink and their URLs and files are never used; one
// with a default (${NAME:-x}) keeps it.
VariableLookup TestLookup(const PipelineTestFile& test, const std::string& pipeline_path) {
  return [&test, bare = BareReferences(pipeline_path)](
             std::string_view name) -> std::optional<std::string> {
    for (const auto& [n, v] : test.variables) {
      if (n == name) return v;
    }
    if (auto value = EnvironmentLookup()(name)) return value;
    if (bare.contains(name)) return UnusedValuePlaceholder(name);
    return std::nullopt;
  };
}

// The pipeline's transforms as one Transform, with the test's key: what `sluice run` builds for
// the same file (transforms/message_pipeline.h), and the masking it uses, for {masked: PLAIN}.
struct TestStages {
  std::unique_ptr<MaskKeyring> keyring;
  MaskMode mode = MaskMode::kSiv;
  std::unique_ptr<Transform> transform;
};

Result<TestStages> BuildStages(PipelineFile& pipeline, const std::string& pipeline_path,
                               const std::string& key_file) {
  if (pipeline.job) {
    return UsageError(fmt::format(
        "{}: {} has no transforms to test: sluice test runs a source -> transforms -> sink "
        "pipeline's transforms",
        pipeline_path, pipeline.Summary()));
  }
  // The test's key stands in for the pipeline's, whatever the file or environment says.
  const ComponentUse* mask = nullptr;
  for (ComponentUse& use : pipeline.transforms) {
    if (use.spec->name != "mask") continue;
    use.values.Text("key-file") = key_file;
    mask = &use;
  }
  TestStages stages;
  ASSIGN_OR_RETURN(stages.transform, BuildMessageTransform(pipeline, pipeline_path));
  auto keyring = MaskKeyring::LoadFile(key_file);
  if (!keyring.ok()) return AsUsage(keyring.status());
  stages.keyring = std::make_unique<MaskKeyring>(std::move(keyring).value());
  if (mask) stages.mode = MaskModeFrom(mask->values);
  return stages;
}

// Runs one test file; the exit status it deserves alone.
int RunTestFile(const std::string& file) {
  LoadedPipelineTest loaded = LoadPipelineTestFile(file);
  if (!loaded.ok()) {
    PrintPipelineErrors(file, loaded.errors);
    return kExitUsage;
  }
  const PipelineTestFile& test = loaded.test;
  const std::string pipeline_path = Beside(file, test.pipeline);
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  LoadedPipeline pipeline =
      LoadPipelineFile(pipeline_path, registry, TestLookup(test, pipeline_path));
  // The schema a validate transform names, and mask's fields against it, as validate checks
  // them: every error at once.
  if (pipeline.ok()) pipeline.errors = CheckMessageTransforms(pipeline.pipeline);
  if (!pipeline.ok()) {
    PrintPipelineErrors(pipeline_path, pipeline.errors);
    return kExitUsage;
  }
  std::unique_ptr<TemporaryKey> temporary;
  std::string key_file;
  if (test.key_file.empty()) {
    auto made = TemporaryKey::Make();
    if (!made.ok()) return Fail(made.status());
    temporary = std::move(made).value();
    key_file = temporary->path();
  } else {
    key_file = Beside(file, test.key_file);
  }
  auto stages = BuildStages(pipeline.pipeline, pipeline_path, key_file);
  if (!stages.ok()) return Fail(stages.status().WithContext(file));
  Masker masker(*stages->keyring, stages->mode);
  MaskFunction mask = [&masker](std::string_view plain) -> Result<std::string> {
    std::string out;
    RETURN_IF_ERROR(masker.Mask(plain, &out));
    return out;
  };
  RevealFunction reveal;
  if (stages->mode == MaskMode::kSiv) {
    reveal = [&masker](std::string_view masked) { return masker.Reveal(masked); };
  }

  size_t passed = 0, failed = 0;
  fmt::print("{} ({})\n", file, pipeline_path);
  for (const TestCase& c : test.cases) {
    auto outcome = RunTestCase(c, *stages->transform, mask, reveal);
    if (!outcome.ok()) {
      ++failed;
      fmt::print("  FAIL  {} ({}:{}): {}\n", c.name, file, c.position.line,
                 Redact(outcome.status().message()));
      continue;
    }
    if (outcome->passed()) {
      ++passed;
      fmt::print("  ok    {}\n", c.name);
      continue;
    }
    ++failed;
    fmt::print("  FAIL  {} ({}:{})\n", c.name, file, c.position.line);
    for (const std::string& line : outcome->differences)
      fmt::print("          {}\n", line);
  }
  fmt::print("{}: {} case{}, {} passed, {} failed\n", file, test.cases.size(),
             test.cases.size() == 1 ? "" : "s", passed, failed);
  std::fflush(stdout);
  return failed == 0 ? kExitOk : kExitFailure;
}

int RunTests(const OptionValues& values) {
  int worst = kExitOk;
  for (const std::string& file : values.Strings("files")) {
    const int code = RunTestFile(file);
    // A file that cannot be tested outranks a failed case: its cases never ran.
    if (code == kExitUsage || (code == kExitFailure && worst == kExitOk)) worst = code;
  }
  return worst;
}

}  // namespace

void AddTestCommand(CLI::App& app, int* exit_code) {
  OptionSpec files{.name = "files",
                   .type = OptionType::kList,
                   .summary = "Pipeline test files (YAML), e.g. logins_test.yaml"};
  files.positional = true;
  files.required = true;
  AddCommand(app, "test",
             "Run pipeline test files: given messages through a pipeline's transforms, compared "
             "with the rows and rejects they must give; no server is touched",
             {files}, RunTests, exit_code);
}

}  // namespace sluice::cli
