#include "transforms/message_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "core/files.h"
#include "core/suggest.h"
#include "jobs/logins/logins_schema.h"
#include "pipeline/bound_options.h"
#include "transforms/mask.h"

namespace sluice {
namespace {

// The position of an option's value (or of its list's item `index`), else the component's.
FilePosition ValueAt(const ComponentUse& use, std::string_view option, size_t index = 0) {
  auto it = use.positions.find(option);
  if (it == use.positions.end() || index >= it->second.size()) return use.position;
  return it->second[index];
}

// ClosestName, else a field whose name begins the misspelt one or is begun by it ("ipaddr" for
// ip): field names are short, and a word added to one is a likely slip.
std::string Closest(std::string_view name, const std::vector<std::string>& names) {
  std::string closest = ClosestName(name, names);
  if (!closest.empty()) return closest;
  for (const std::string& candidate : names) {
    if (candidate.size() >= 2 && name.size() >= 2 &&
        (name.starts_with(candidate) || std::string_view(candidate).starts_with(name)))
      return candidate;
  }
  return "";
}

// What the checks found, for the builder.
struct Inspection {
  const ComponentUse* validate = nullptr;
  const ComponentUse* mask = nullptr;
  std::shared_ptr<const MessageSchema> schema;  // null when none loaded
  std::vector<std::string> masked;
  bool logins_preset = false;
  // When the schema has errors: its fields without errors of their own, and whether every
  // field's name is known (schema_names), for the mask's checks that still hold.
  std::vector<MessageField> sound_fields;
  std::vector<std::string> schema_names;
  bool all_names_read = false;
  bool schema_read = false;                // a schema was read, with or without errors
  std::optional<std::string> schema_path;  // of the schema read, for errors at its fields
};

// The narrowest column a one-byte value masked with the key in `key_file` fits (its key id is
// part of every masked value), for the mask's `mode`; 0 when the key cannot be read, which the
// build reports.
size_t NarrowestMaskedWidth(const std::string& key_file, MaskMode mode) {
  auto text = ReadWholeFile(key_file, "the key file");
  if (!text.ok()) return 0;
  auto ring = MaskKeyring::Parse(*text, key_file);
  if (!ring.ok()) return 0;
  Masker masker(*ring, mode);
  for (size_t width = 1; width <= 1024; ++width) {
    if (masker.MaxPlainLength(width) >= 1) return width;
  }
  return 0;
}

// `load_errors`: the pipeline file's own errors. A check runs when what it needs bound
// (bound_options.h); one about a component that is absent only when the file's structure is
// whole, since a transform with a misspelt name is absent too.
Inspection Inspect(const PipelineFile& pipeline, const PipelineErrors& load_errors,
                   PipelineErrors* errors) {
  Inspection out;
  const bool whole = StructureWhole(load_errors);
  const auto error = [errors](FilePosition at, std::string path, std::string message) {
    errors->push_back({at, std::move(path), std::move(message)});
  };
  const std::string sink = pipeline.sink ? pipeline.sink->spec->name : "";
  out.logins_preset = sink == "logins-postgres";
  for (const ComponentUse& use : pipeline.transforms) {
    if (use.spec->name == "validate") {
      if (out.validate) {
        error(use.position, use.path, "a second validate: a pipeline validates by one schema");
        continue;
      }
      if (out.mask) {
        error(use.position, use.path,
              "validate comes before mask: mask names the fields validate reads");
      }
      out.validate = &use;
      if (out.logins_preset) {
        error(use.position, use.path,
              "logins-postgres stores the logins job's rows, whose schema is built in "
              "(examples/logins-schema.yaml): for a schema of your own use sink postgres-table");
        continue;
      }
      // Already placed beside the pipeline file by its loader (OptionSpec::beside_pipeline).
      const std::string* schema_path = BoundText(use, "schema", load_errors);
      if (!schema_path || schema_path->empty()) continue;
      const std::string& path = *schema_path;
      LoadedMessageSchema loaded = LoadMessageSchemaFile(path);
      for (PipelineError& e : loaded.errors) {
        if (e.position.line == 0 && e.path.empty() && !e.message.ends_with("not shown")) {
          // The file as a whole: said where the pipeline names it.
          error(ValueAt(use, "schema"), use.path + ".schema",
                fmt::format("{}: {}", path, e.message));
        } else {
          e.file = path;
          errors->push_back(std::move(e));
        }
      }
      out.schema_read = true;
      out.schema_path = path;
      out.schema_names = loaded.names;
      out.all_names_read = loaded.all_names_read;
      if (loaded.ok()) {
        out.sound_fields = loaded.schema.fields;
        out.schema = std::make_shared<const MessageSchema>(std::move(loaded.schema));
      } else {
        out.sound_fields = std::move(loaded.sound_fields);
      }
    } else if (use.spec->name == "mask") {
      if (out.mask) {
        error(use.position, use.path, "a second mask: list every field in one mask's fields");
        continue;
      }
      out.mask = &use;
    }
  }

  if (out.logins_preset) {
    if (out.mask && GivenInFile(*out.mask, "fields", load_errors)) {
      error(ValueAt(*out.mask, "fields"), out.mask->path + ".fields",
            "logins-postgres masks the logins job's ip and device_id: fields is for a "
            "validate transform's schema and sink postgres-table");
    }
    out.schema = logins::LoginsMessageSchema();
    out.masked = logins::LoginsMaskedFields();
    return out;
  }

  bool fields_complete = false;
  const std::vector<std::string>* given =
      out.mask && GivenInFile(*out.mask, "fields", load_errors)
          ? BoundList(*out.mask, "fields", load_errors, &fields_complete)
          : nullptr;
  if (given) {
    const std::vector<std::string>& fields = *given;
    const std::string path = out.mask->path + ".fields";
    if (!out.validate && whole) {
      error(ValueAt(*out.mask, "fields"), path,
            "no input schema: put a validate transform (schema: FILE) before mask");
    }
    const auto sound = [&out](const std::string& name) -> const MessageField* {
      for (const MessageField& f : out.sound_fields) {
        if (f.name == name) return &f;
      }
      return nullptr;
    };
    std::map<std::string, size_t> seen;
    std::optional<size_t> narrowest;  // read once, at the first masked field with a width
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string& name = fields[i];
      const FilePosition at = ValueAt(*out.mask, "fields", i);
      if (!seen.emplace(name, i).second) {
        error(at, path, fmt::format("'{}' is listed twice", name));
        continue;
      }
      if (!out.schema_read) continue;
      const MessageField* field = sound(name);
      const bool named = std::find(out.schema_names.begin(), out.schema_names.end(), name) !=
                         out.schema_names.end();
      if (!named && out.all_names_read) {
        const std::string closest = Closest(name, out.schema_names);
        error(at, path,
              closest.empty()
                  ? fmt::format("'{}' is not a field of the input schema", name)
                  : fmt::format("'{}' is not a field of the input schema (did you mean {}?)", name,
                                closest));
        continue;
      }
      if (!field) continue;  // a field with errors of its own (reported in the schema file)
      if (field->type != ColumnType::kText || field->convert != FieldConversion::kNone ||
          field->origin != FieldOrigin::kBody) {
        error(at, path,
              fmt::format("'{}' is not a text field of the body ({}{}): only text is masked", name,
                          MessageTypeName(field->type),
                          field->origin == FieldOrigin::kBody ? "" : ", from the metadata"));
        continue;
      }
      out.masked.push_back(name);
      // A width no masked value fits would refuse every message with a value.
      if (field->max_length && out.schema_path) {
        if (!narrowest) {
          const std::string* key_file = BoundText(*out.mask, "key-file", load_errors);
          narrowest = key_file && !key_file->empty()
                          ? NarrowestMaskedWidth(*key_file, MaskModeFrom(out.mask->values))
                          : 0;
        }
        if (*narrowest && field->max_length < *narrowest) {
          const std::string where =
              out.schema ? fmt::format("fields[{}]", field - out.sound_fields.data()) : name;
          PipelineError e{
              field->position, where + ".max-length",
              fmt::format("'{}' is masked ({}), and a masked value needs at least {} "
                          "characters; max-length is {}",
                          name, MaskModeFrom(out.mask->values) == MaskMode::kHmac ? "hmac" : "siv",
                          *narrowest, field->max_length),
              *out.schema_path};
          errors->push_back(std::move(e));
        }
      }
    }
    // A second field reading a masked field's key would store its value in the clear. Among
    // the fields without errors: one with errors has no sure path.
    for (size_t i = 0; i < fields.size() && out.schema_read; ++i) {
      const MessageField* masked = sound(fields[i]);
      if (!masked || masked->origin != FieldOrigin::kBody) continue;
      for (const MessageField& other : out.sound_fields) {
        if (other.origin != FieldOrigin::kBody || other.path != masked->path ||
            std::find(fields.begin(), fields.end(), other.name) != fields.end()) {
          continue;
        }
        // A mask item with an error might have named it.
        if (!fields_complete) continue;
        error(ValueAt(*out.mask, "fields", i), path,
              fmt::format("'{}' is masked, but field '{}' reads the same key unmasked and would "
                          "store it in the clear: mask it too, or drop it",
                          masked->name, other.name));
      }
    }
  } else if (out.mask && out.validate && whole && !GivenInFile(*out.mask, "fields", load_errors)) {
    error(out.mask->position, out.mask->path,
          "fields is required after validate: the schema's fields to mask (fields: [] masks "
          "none, and still keeps rejected bodies encrypted)");
  }

  if (sink == "postgres-table" && whole && (!out.validate || !out.mask)) {
    error(pipeline.sink->position, pipeline.sink->path,
          "postgres-table stores the rows of a validate transform and keeps rejected bodies "
          "encrypted with a mask transform's key: give transforms [validate, mask]");
  }
  return out;
}

}  // namespace

ComponentSpec ValidateComponent() {
  ComponentSpec c{.name = "validate", .kind = ComponentKind::kTransform};
  c.summary = "Turns each JSON message into a row of a message schema, or a reject naming why";
  c.description =
      "The schema file (docs/message-schemas.md) lists the fields: JSON key or dotted path, "
      "column, type, required, max-length and conversions. A reject's reason names the field, "
      "never its value. A relative path is taken from the pipeline file's folder.";
  OptionSpec schema = PathOption("schema", "The message schema file (YAML)", false);
  schema.required = true;
  schema.beside_pipeline = true;
  schema.example = "signups-schema.yaml";
  c.options = {schema};
  return c;
}

PipelineErrors CheckMessageTransforms(const PipelineFile& pipeline,
                                      const PipelineErrors& load_errors) {
  PipelineErrors errors;
  (void)Inspect(pipeline, load_errors, &errors);
  return errors;
}

Result<MessageStages> BuildMessageStages(const PipelineFile& pipeline,
                                         const std::string& pipeline_path) {
  PipelineErrors errors;
  Inspection found = Inspect(pipeline, {}, &errors);
  if (!errors.empty()) {
    std::string message = FormatPipelineError(pipeline_path, errors.front());
    if (errors.size() > 1) message += fmt::format(" (and {} more)", errors.size() - 1);
    return UsageError(message);
  }
  if (!found.mask) {
    return UsageError(fmt::format(
        "{}: no mask transform: its key keeps rejected bodies encrypted (fields: [] masks no "
        "field)",
        pipeline_path));
  }
  if (!found.schema) {
    return UsageError(
        fmt::format("{}: no validate transform: it names the message schema", pipeline_path));
  }
  const std::string& key_file = found.mask->values.String("key-file");
  if (key_file.empty()) {
    return UsageError(
        "no masking key: give the mask transform's key-file or set SLUICE_MASK_KEY_FILE (make "
        "one with `sluice logins keygen PATH`)");
  }
  auto keyring = MaskKeyring::LoadFile(key_file);
  // A key file that cannot be read or holds no key is configuration, found before any work.
  if (!keyring.ok()) return UsageError(keyring.status().message());
  MessageStages stages;
  stages.schema = found.schema;
  stages.transform = std::make_unique<MessageTransform>(
      found.schema, found.masked, std::make_shared<const MaskKeyring>(std::move(*keyring)),
      MaskModeFrom(found.mask->values));
  return stages;
}

Result<std::unique_ptr<Transform>> BuildMessageTransform(const PipelineFile& pipeline,
                                                         const std::string& pipeline_path) {
  ASSIGN_OR_RETURN(MessageStages stages, BuildMessageStages(pipeline, pipeline_path));
  return std::unique_ptr<Transform>(std::move(stages.transform));
}

}  // namespace sluice
