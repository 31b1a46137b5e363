#include "jobs/warehouse/models_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "core/names.h"
#include "core/strings.h"
#include "core/suggest.h"
#include "pipeline/yaml_tree.h"

namespace sluice::warehouse {
namespace {

using Kind = YamlNode::Kind;

const std::vector<std::string> kTopKeys = {"models"};
const std::vector<std::string> kModelKeys = {"name", "table", "key", "fields"};
const std::vector<std::string> kFieldKeys = {"column", "type", "csv", "json", "pick", "skip"};

struct TypeName {
  std::string name;
  ColumnType type;
};
const std::vector<TypeName> kTypes = {
    {"text", ColumnType::kText},    {"integer", ColumnType::kInt32},
    {"bigint", ColumnType::kInt64}, {"double", ColumnType::kFloat64},
    {"date", ColumnType::kDate},    {"timestamptz", ColumnType::kTimestamptz},
};

constexpr size_t kMaxNameBytes = 63;       // PostgreSQL's NAMEDATALEN - 1
constexpr size_t kMaxTableBytes = 63 - 5;  // room for "_pkey"
constexpr std::string_view kContentHashKey = "content-hash";

bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Why `name` breaks the one rule of the names Sluice creates (core/names.h), or "".
// A table's name leaves room for its key constraint's "_pkey".
std::string TableNameProblem(std::string_view name) {
  return ValidatePlainTableName(name, "", kMaxTableBytes, "the table's key adds _pkey").message();
}
std::string ColumnNameProblem(std::string_view name) {
  return ValidatePlainName(name, "", kMaxNameBytes).message();
}

std::string ModelNameProblem(std::string_view name) {
  if (name.size() > kMaxNameBytes) {
    return fmt::format("is {} bytes; at most {}", name.size(), kMaxNameBytes);
  }
  const bool ok = IsLower(name[0]) && std::all_of(name.begin(), name.end(), [](char c) {
                    return IsLower(c) || IsDigit(c) || c == '_' || c == '-';
                  });
  if (ok) return "";
  return "is not a model name: a lower-case letter, then lower-case letters, digits, '_' or '-'";
}

// A quoted name for a message: cut when long, so one bad value cannot flood a terminal.
std::string Quoted(std::string_view value) {
  constexpr size_t kShown = 80;
  if (value.size() <= kShown) return fmt::format("'{}'", value);
  return fmt::format("'{}...'", value.substr(0, kShown));
}

std::string At(FilePosition p) {
  return fmt::format("line {}, column {}", p.line, p.column);
}

class ModelsChecker {
 public:
  explicit ModelsChecker(LoadedModels* out) : out_(out) {}

  void Check(const YamlNode& root) {
    if (root.kind == Kind::kRefused) return;
    if (root.kind != Kind::kMap) {
      Error(root.position, "",
            fmt::format("expected a map with models: [...], not {}", root.KindName()));
      return;
    }
    const YamlNode* models = nullptr;
    for (size_t i = 0; i < root.MapSize(); ++i) {
      const YamlNode& key = root.Key(i);
      if (key.kind != Kind::kScalar) continue;  // reported by the YAML reader
      if (key.value == "models") {
        if (!models) models = &root.Value(i);
      } else {
        UnknownKey(key, key.value, kTopKeys, "a models file has models");
      }
    }
    if (!models) {
      Error(root.position, "", "no models: a models file is models: [a list of models]");
      return;
    }
    if (models->kind == Kind::kRefused) return;
    if (models->kind != Kind::kSequence || models->children.empty()) {
      Error(models->position, "models",
            fmt::format("expected a list of models, not {}",
                        models->kind == Kind::kSequence ? "an empty list" : models->KindName()));
      return;
    }
    for (size_t i = 0; i < models->children.size(); ++i)
      CheckModel(models->children[i], fmt::format("models[{}]", i));
    out_->all_names_read = every_model_named_;
  }

 private:
  void Error(FilePosition position, std::string path, std::string message) {
    out_->errors.push_back({position, std::move(path), std::move(message)});
  }

  void UnknownKey(const YamlNode& key, const std::string& path,
                  const std::vector<std::string>& known, std::string_view what) {
    const std::string closest = ClosestName(key.value, known);
    Error(key.position, path,
          closest.empty() ? fmt::format("unknown key: {} {}", what, JoinWithCommas(known))
                          : fmt::format("unknown key (did you mean {}?)", closest));
  }

  // The text of a scalar, or null after reporting what it is instead.
  const std::string* Text(const YamlNode& node, const std::string& path) {
    if (node.kind == Kind::kRefused) return nullptr;
    if (node.kind == Kind::kNull) {
      Error(node.position, path, "no value");
      return nullptr;
    }
    if (node.kind != Kind::kScalar) {
      Error(node.position, path, fmt::format("expected text, not {}", node.KindName()));
      return nullptr;
    }
    if (node.value.empty()) {
      Error(node.position, path, "is empty");
      return nullptr;
    }
    return &node.value;
  }

  // Model names and tables share one namespace: --model takes either.
  void Claim(const std::string& name, const YamlNode& node, const std::string& path,
             const std::string& owner, std::string_view as) {
    auto [it, inserted] = claimed_.emplace(name, Claimed{owner, std::string(as), node.position});
    if (inserted) return;
    const Claimed& first = it->second;
    if (first.owner == owner) return;  // a model may be named as its table
    Error(node.position, path,
          fmt::format("{} is already the {} of {} ({}): --model must name one model", Quoted(name),
                      first.as, first.owner, At(first.position)));
  }

  void CheckModel(const YamlNode& node, const std::string& path) {
    if (node.kind != Kind::kMap) every_model_named_ = false;  // its name is not read
    if (node.kind == Kind::kRefused) return;
    if (node.kind != Kind::kMap) {
      Error(node.position, path,
            fmt::format("expected a model as a map of name, table, key and fields, not {}",
                        node.KindName()));
      return;
    }
    Model model;
    columns_.clear();
    const YamlNode* key = nullptr;
    const YamlNode* fields = nullptr;
    bool name = false, table = false;
    for (size_t i = 0; i < node.MapSize(); ++i) {
      const YamlNode& k = node.Key(i);
      const YamlNode& v = node.Value(i);
      if (k.kind != Kind::kScalar) continue;
      const std::string at = path + "." + k.value;
      if (k.value == "name") {
        name = true;
        if (const std::string* text = Text(v, at)) {
          model.name = *text;
          if (std::string why = ModelNameProblem(*text); !why.empty()) {
            Error(v.position, at, fmt::format("{} {}", Quoted(*text), why));
          } else {
            Claim(*text, v, at, path, "name");
          }
        }
      } else if (k.value == "table") {
        table = true;
        if (const std::string* text = Text(v, at)) {
          model.table = *text;
          if (std::string why = TableNameProblem(*text); !why.empty()) {
            Error(v.position, at, fmt::format("{} {}", Quoted(*text), why));
          } else {
            Claim(*text, v, at, path, "table");
          }
        }
      } else if (k.value == "key") {
        if (!key) key = &v;
      } else if (k.value == "fields") {
        if (!fields) fields = &v;
      } else {
        UnknownKey(k, at, kModelKeys, "a model has");
      }
    }
    // --model names a model by its name or table: both must be known to say it names none.
    if (model.name.empty() || !ModelNameProblem(model.name).empty() || model.table.empty())
      every_model_named_ = false;
    if (!name) Error(node.position, path, "no name: a model has name, table, key and fields");
    if (!table) Error(node.position, path, "no table: a model has name, table, key and fields");
    if (fields) CheckFields(*fields, path + ".fields", &model);
    if (!fields) Error(node.position, path, "no fields: a model has name, table, key and fields");
    if (key) CheckKey(*key, path + ".key", fields != nullptr, &model);
    if (!key) {
      Error(node.position, path,
            "no key: give key: [FIELD, ...] (a natural key) or key: content-hash");
    }
    out_->models.push_back(std::move(model));
  }

  void CheckFields(const YamlNode& node, const std::string& path, Model* model) {
    if (node.kind == Kind::kRefused) return;
    if (node.kind != Kind::kSequence || node.children.empty()) {
      Error(node.position, path,
            fmt::format("expected a list of fields ({{column: NAME, type: TYPE}}), not {}",
                        node.kind == Kind::kSequence ? "an empty list" : node.KindName()));
      return;
    }
    if (node.children.size() > kMaxModelFields) {
      Error(node.position, path,
            fmt::format("{} fields; at most {}", node.children.size(), kMaxModelFields));
      return;
    }
    std::map<std::string, std::pair<std::string, FilePosition>> columns, headers;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const std::string at = fmt::format("{}[{}]", path, i);
      ModelField field;
      const bool ok = CheckField(node.children[i], at, &field);
      if (field.column.empty()) continue;
      auto [c, new_column] = columns.emplace(field.column, std::pair{at, positions_.column});
      if (!new_column) {
        Error(positions_.column, at + ".column",
              fmt::format("column '{}' is already {} ({})", field.column, c->second.first,
                          At(c->second.second)));
      }
      auto [h, new_header] =
          headers.emplace(AsciiLower(field.csv_header), std::pair{at, positions_.csv});
      if (!new_header && new_column) {
        Error(positions_.csv, at + ".csv",
              fmt::format("CSV header '{}' is already {}'s ({}); headers match in any letter case",
                          field.csv_header, h->second.first, At(h->second.second)));
      }
      if (ok) model->fields.push_back(std::move(field));
    }
  }

  // Where the last field checked had its column and CSV header (the header's is the column's
  // when `csv` is not given).
  struct FieldPositions {
    FilePosition column, csv;
  };

  bool CheckField(const YamlNode& node, const std::string& path, ModelField* field) {
    if (node.kind == Kind::kRefused) return false;
    if (node.kind != Kind::kMap) {
      Error(node.position, path,
            fmt::format("expected a field as a map ({{column: NAME, type: TYPE}}), not {}",
                        node.KindName()));
      return false;
    }
    const size_t errors_before = out_->errors.size();
    const YamlNode *column = nullptr, *type = nullptr, *csv = nullptr, *json = nullptr,
                   *pick = nullptr, *skip = nullptr;
    for (size_t i = 0; i < node.MapSize(); ++i) {
      const YamlNode& k = node.Key(i);
      if (k.kind != Kind::kScalar) continue;
      const YamlNode* v = &node.Value(i);
      const YamlNode** slot = k.value == "column" ? &column
                              : k.value == "type" ? &type
                              : k.value == "csv"  ? &csv
                              : k.value == "json" ? &json
                              : k.value == "pick" ? &pick
                              : k.value == "skip" ? &skip
                                                  : nullptr;
      if (!slot) {
        UnknownKey(k, path + "." + k.value, kFieldKeys, "a field has");
      } else if (!*slot) {
        *slot = v;
      }
    }
    if (!column) Error(node.position, path, "no column: a field has column and type");
    if (!type) Error(node.position, path, "no type: a field has column and type");
    positions_ = {};
    if (column) {
      positions_ = {column->position, column->position};
      if (const std::string* text = Text(*column, path + ".column")) {
        field->column = *text;
        columns_.push_back(*text);
        if (std::string why = ColumnNameProblem(*text); !why.empty()) {
          Error(column->position, path + ".column", fmt::format("{} {}", Quoted(*text), why));
        } else if (std::find(ReservedColumns().begin(), ReservedColumns().end(), *text) !=
                   ReservedColumns().end()) {
          Error(column->position, path + ".column",
                fmt::format("'{}' is a column Sluice adds to every model's table: choose another "
                            "name",
                            *text));
        }
      }
    }
    if (type) CheckType(*type, path + ".type", field);
    field->csv_header = field->column;
    if (csv) {
      positions_.csv = csv->position;
      if (const std::string* text = Text(*csv, path + ".csv")) {
        if (TrimBlanks(*text).size() != text->size()) {
          Error(csv->position, path + ".csv",
                "begins or ends with blanks, which header names are matched without");
        }
        field->csv_header = *text;
      }
    }
    CheckJson(json, pick, skip, path, field);
    return out_->errors.size() == errors_before;
  }

  void CheckType(const YamlNode& node, const std::string& path, ModelField* field) {
    const std::string* text = Text(node, path);
    if (!text) return;
    for (const TypeName& t : kTypes) {
      if (t.name == *text) {
        field->type = t.type;
        return;
      }
    }
    const std::vector<std::string>& names = ModelTypeNames();
    const std::string closest = ClosestName(*text, names);
    Error(node.position, path,
          fmt::format("{} is not one of {}{}", Quoted(*text), JoinWithCommas(names),
                      closest.empty() ? "" : fmt::format(" (did you mean {}?)", closest)));
  }

  void CheckJson(const YamlNode* json, const YamlNode* pick, const YamlNode* skip,
                 const std::string& path, ModelField* field) {
    JsonPath& out = field->json;
    if (json) {
      const std::string* text = Text(*json, path + ".json");
      if (!text) return;
      if (auto error = ParseJsonPath(*text, &out)) {
        const FilePosition at = json->verbatim ? json->PositionAt(error->offset) : json->position;
        Error(at, path + ".json",
              fmt::format("character {} of {}: {}", error->offset + 1, Quoted(*text),
                          error->message));
        return;
      }
    } else if (!field->column.empty()) {
      // Without json:, the field reads the key named like its column, taken whole: a column
      // name is never parsed as a path (one refused for holding "[]" or "." would otherwise
      // become a path with steps the checks below do not expect).
      out.text = field->column;
      out.steps = {JsonPathStep{JsonPathStep::Kind::kKey, field->column, 0}};
      out.keys = {field->column};
    }
    const bool each = out.HasEach();
    if (pick) {
      const std::string* text = Text(*pick, path + ".pick");
      if (text && *text == "first") {
        out.pick = JsonPick::kFirst;
      } else if (text && *text == "last") {
        out.pick = JsonPick::kLast;
      } else if (text) {
        Error(pick->position, path + ".pick",
              fmt::format("{} is not one of first, last", Quoted(*text)));
      }
      if (text && !each) {
        Error(pick->position, path + ".pick",
              "applies to a json path with [] (every element of a list), and this field's has "
              "none");
      }
    } else if (each) {
      Error(json->position, path + ".json",
            "a path with [] takes pick: first or last (which element's value the field takes)");
    }
    if (skip) CheckSkip(*skip, path + ".skip", each, &out);
  }

  void CheckSkip(const YamlNode& node, const std::string& path, bool each, JsonPath* out) {
    if (node.kind == Kind::kRefused) return;
    if (node.kind != Kind::kSequence) {
      Error(node.position, path,
            fmt::format("expected a list of values ([end]), not {}", node.KindName()));
      return;
    }
    if (!each) {
      Error(node.position, path,
            "applies to a json path with [] (every element of a list), and this field's has "
            "none");
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      const YamlNode& item = node.children[i];
      const std::string at = fmt::format("{}[{}]", path, i);
      if (item.kind == Kind::kRefused) continue;
      if (item.kind != Kind::kScalar) {
        Error(item.position, at, fmt::format("expected text, not {}", item.KindName()));
        continue;
      }
      out->skip.push_back(item.value);
    }
  }

  void CheckKey(const YamlNode& node, const std::string& path, bool has_fields, Model* model) {
    if (node.kind == Kind::kRefused) return;
    if (node.kind == Kind::kScalar) {
      if (node.value == kContentHashKey) {
        model->content_hash_key = true;
        return;
      }
      const bool is_field =
          std::any_of(model->fields.begin(), model->fields.end(),
                      [&](const ModelField& f) { return f.column == node.value; });
      Error(node.position, path,
            is_field ? fmt::format("a natural key is a list: key: [{}]", node.value)
                     : fmt::format("{} is not content-hash: give key: [FIELD, ...] or key: "
                                   "content-hash",
                                   Quoted(node.value)));
      return;
    }
    if (node.kind != Kind::kSequence || node.children.empty()) {
      Error(node.position, path,
            fmt::format("expected a list of fields ([title]) or content-hash, not {}",
                        node.kind == Kind::kSequence ? "an empty list" : node.KindName()));
      return;
    }
    const std::vector<std::string>& columns = columns_;  // with those whose field had errors
    std::map<std::string, FilePosition> seen;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const YamlNode& item = node.children[i];
      const std::string at = fmt::format("{}[{}]", path, i);
      const std::string* name = Text(item, at);
      if (!name) continue;
      auto [it, inserted] = seen.emplace(*name, item.position);
      if (!inserted) {
        Error(item.position, at,
              fmt::format("'{}' is already in the key ({})", *name, At(it->second)));
        continue;
      }
      auto field = std::find_if(model->fields.begin(), model->fields.end(),
                                [&](const ModelField& f) { return f.column == *name; });
      if (field != model->fields.end()) {
        field->key = true;
      } else if (has_fields && std::find(columns_.begin(), columns_.end(), *name) ==
                                   columns_.end()) {  // else its field was reported
        const std::string closest = ClosestName(*name, columns);
        Error(
            item.position, at,
            fmt::format("{} is not a field of this model{}", Quoted(*name),
                        closest.empty() ? fmt::format(" (its fields: {})", JoinWithCommas(columns))
                                        : fmt::format(" (did you mean {}?)", closest)));
      }
    }
  }

  struct Claimed {
    std::string owner;  // "models[0]"
    std::string as;     // "name" or "table"
    FilePosition position;
  };

  LoadedModels* out_;
  bool every_model_named_ = true;
  std::map<std::string, Claimed> claimed_;
  FieldPositions positions_;
  std::vector<std::string> columns_;  // every column the model's fields name, valid or not
};

}  // namespace

const std::vector<std::string>& ModelTypeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const TypeName& t : kTypes)
      out.push_back(t.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& ReservedColumns() {
  static const std::vector<std::string> columns = {"first_seen_at", "updated_at",
                                                   "deleted_in_source_at", "content_hash"};
  return columns;
}

const std::vector<std::string>& ReservedTables() {
  static const std::vector<std::string> tables(std::begin(kSluiceOwnTables),
                                               std::end(kSluiceOwnTables));
  return tables;
}

LoadedModels ParseModels(std::string_view text) {
  LoadedModels out;
  if (text.size() > kMaxModelsFileBytes) {
    out.errors.push_back({{}, "", "larger than 1 MiB: a models file is at most 1,048,576 bytes"});
    return out;
  }
  YamlDocument doc = ReadYaml(text);
  out.errors = std::move(doc.errors);
  if (doc.root) {
    ModelsChecker(&out).Check(*doc.root);
  } else if (out.errors.empty()) {
    out.errors.push_back(
        {{},
         "",
         "empty: a models file is models: [a list of models]; see docs/warehouse-models.md"});
  }
  SortAndBoundErrors(&out.errors, kMaxModelErrors);
  if (!out.ok()) {
    out.named = std::move(out.models);
    out.models.clear();
  }
  return out;
}

LoadedModels LoadModelsFile(const std::string& path) {
  LoadedModels out;
  std::optional<std::string> text =
      ReadBoundedFile(path, kMaxModelsFileBytes, "a models file", &out.errors);
  if (!text) return out;
  return ParseModels(*text);
}

}  // namespace sluice::warehouse
