#include "jobs/logins/logins_schema.h"

#include <fmt/format.h>

#include "core/status.h"

namespace sluice::logins {

std::shared_ptr<const MessageSchema> LoginsMessageSchema() {
  static const std::shared_ptr<const MessageSchema> schema = [] {
    LoadedMessageSchema loaded = ParseMessageSchema(LoginsSchemaYaml());
    if (!loaded.ok()) {
      DieOfBug(fmt::format("the built-in examples/logins-schema.yaml does not load: {}",
                           FormatPipelineError("logins-schema.yaml", loaded.errors.front())));
    }
    return std::make_shared<const MessageSchema>(std::move(loaded.schema));
  }();
  return schema;
}

const std::vector<std::string>& LoginsMaskedFields() {
  static const std::vector<std::string> fields = {"ip", "device_id"};
  return fields;
}

std::vector<TableColumn> TableColumnsOf(const MessageSchema& schema) {
  std::vector<TableColumn> columns;
  columns.reserve(schema.fields.size());
  for (const MessageField& f : schema.fields) {
    TableColumn c{.name = f.column, .type = f.type};
    c.max_chars = f.type == ColumnType::kText ? f.max_length : 0;
    c.required = f.required;
    columns.push_back(c);
  }
  return columns;
}

}  // namespace sluice::logins
