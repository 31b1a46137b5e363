// The message half of a pipeline file: the `validate` transform (a message schema file,
// message_schema.h) and the `mask` transform's `fields`, checked against each other and built
// into the one Transform (message_transform.h) that `sluice run`, `sluice logins run` and
// `sluice test` feed messages through.
//
//   transforms:
//     - validate: {schema: signups-schema.yaml}     # relative to the pipeline file's folder
//     - mask: {key-file: ${SLUICE_MASK_KEY_FILE}, fields: [email, phone], mask: siv}
//
// A pipeline whose sink is logins-postgres is the logins preset: `transforms: [mask]` alone,
// with the built-in logins schema (examples/logins-schema.yaml, compiled in) and ip and
// device_id masked.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "pipeline/component_registry.h"
#include "pipeline/pipeline_error.h"
#include "pipeline/pipeline_file.h"
#include "pipeline/stages.h"
#include "transforms/message_schema.h"
#include "transforms/message_transform.h"

namespace sluice {

// The `validate` transform's options (docs/components/validate.md): schema.
ComponentSpec ValidateComponent();

// What a loaded pipeline's transforms get wrong beyond their options, all at once: a schema file
// that does not load (its errors carry the schema file's name in PipelineError::file and its
// own positions), validate given twice or after mask, mask.fields naming a field the input
// schema lacks (with the closest name), one that is not text or has a conversion, or a field
// listed twice; a mask with fields but no validate before it; a postgres-table sink without
// validate and mask; a logins-postgres sink with validate or mask.fields. Reads only the
// schema file.
//
// `load_errors` are the pipeline file's own (LoadedPipeline::errors): each check still runs when
// what it needs bound (pipeline/bound_options.h), so that one run of `sluice validate` shows a
// misspelt option and a bad mask field together; one that needs a part with errors is left for
// the run after that part is fixed. A schema with errors still has mask.fields checked against
// its fields without errors, and against the names of all (LoadedMessageSchema::names).
PipelineErrors CheckMessageTransforms(const PipelineFile& pipeline,
                                      const PipelineErrors& load_errors = {});

// The pipeline's validate and mask transforms, built: the schema they fill rows of, and the
// transform itself.
struct MessageStages {
  std::shared_ptr<const MessageSchema> schema;
  std::unique_ptr<MessageTransform> transform;
};

// Builds the message transform of a loaded pipeline file (`pipeline_path`: where it was loaded
// from, for the schema's relative path). Loads the schema file and the mask's key file (its
// key-file option, else SLUICE_MASK_KEY_FILE, as resolved when the file loaded). Errors:
// UsageError with CheckMessageTransforms' first error (and how many more), a pipeline that has
// no mask transform (rejected bodies are kept encrypted with its key), a missing or unreadable
// key file.
Result<MessageStages> BuildMessageStages(const PipelineFile& pipeline,
                                         const std::string& pipeline_path);

// For `sluice test` and other callers that feed messages (InboundMessage) through a pipeline's
// transforms without servers: BuildMessageStages' transform alone. Its NewBatch() gives rows in
// MessageRowSchema(schema) (column 0 the message id, then one column per schema field, named
// by the field's column) and rejects in MessageRejectSchema() (message_id, received_at, reason,
// body_encrypted). Apply never touches a server. The signature stays stable.
Result<std::unique_ptr<Transform>> BuildMessageTransform(const PipelineFile& pipeline,
                                                         const std::string& pipeline_path);

}  // namespace sluice
