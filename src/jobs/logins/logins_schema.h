// The logins job as a message schema: examples/logins-schema.yaml, compiled into the binary
// (cmake/embed_text.cmake), is the definition the job validates events by, so the example and
// the job cannot drift apart. tests/unit/logins_schema_test.cc checks that it declares exactly
// user_logins' columns (logins_table.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/logins/logins_table.h"
#include "transforms/message_schema.h"

namespace sluice::logins {

// The text of examples/logins-schema.yaml (generated at build time).
std::string_view LoginsSchemaYaml();

// The schema, loaded once. It was checked when it was built, so a failure here is a bug: Die.
std::shared_ptr<const MessageSchema> LoginsMessageSchema();

// The fields the logins job masks: ip and device_id.
const std::vector<std::string>& LoginsMaskedFields();

// A table's columns from a schema: each field's column, type, width and required. The names
// point into `schema`, which must outlive the result.
std::vector<TableColumn> TableColumnsOf(const MessageSchema& schema);

}  // namespace sluice::logins
