// A JSON Schema (draft 2020-12) of warehouse models files, for editors' completion and checks
// (`sluice warehouse models --schema`), written from the same type names, reserved names and
// limits the loader checks (models_file.h). `sluice warehouse models --models FILE` is the full
// check: a schema cannot say that a key names a field, or that names are not given twice.
#pragma once

#include <string>
#include <string_view>

namespace sluice::warehouse {

// The grammar of json_path.h as an ECMAScript regular expression: keys without '.', '[' or
// ']', each followed by [N] (0 to 999999999, no leading zeros) or []. It cannot count the []
// of a path (at most one) or its steps; ParseJsonPath does.
inline constexpr std::string_view kJsonPathPattern =
    R"(^[^.\[\]]+(\[(0|[1-9][0-9]{0,8})?\])*(\.[^.\[\]]+(\[(0|[1-9][0-9]{0,8})?\])*)*$)";

std::string ModelsJsonSchema();

}  // namespace sluice::warehouse
