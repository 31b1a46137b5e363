#include "cli/schema_command.h"

#include <fmt/format.h>

#include "cli/exit_policy.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_schema.h"

namespace sluice::cli {

void AddSchemaCommand(CLI::App& app, int* exit_code) {
  CLI::App* schema = app.add_subcommand(
      "schema", "Print the JSON Schema of pipeline files (draft 2020-12), for editors");
  schema->callback([exit_code] {
    ComponentRegistry registry;
    RegisterBuiltinComponents(registry);
    fmt::print("{}\n", PipelineJsonSchema(registry));
    *exit_code = kExitOk;
  });
}

}  // namespace sluice::cli
