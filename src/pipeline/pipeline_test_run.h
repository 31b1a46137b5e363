// Runs one case of a pipeline test file (pipeline_tests.h) through a pipeline's Transform
// (stages.h), without servers, and says how the rows and rejects it gave differ from the ones the
// case expects, field by field.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/status.h"
#include "pipeline/pipeline_tests.h"
#include "pipeline/stages.h"

namespace sluice {

// The masked form of a plain value under the test's key and the pipeline's mode, for
// {masked: PLAIN} expectations (masking is deterministic for a key: AES-SIV or HMAC).
using MaskFunction = std::function<Result<std::string>(std::string_view plain)>;
// The plain value of a masked one, where the mode can tell (AES-SIV; HMAC cannot), so that a
// masked column that differs is shown as the value it masks rather than as ciphertext.
using RevealFunction = std::function<Result<std::string>(std::string_view masked)>;

struct CaseOutcome {
  // One line per difference ("row 1, masked_ip (line 14): expected ..."); empty when it passed.
  std::vector<std::string> differences;
  bool passed() const { return differences.empty(); }
};

// Feeds the case's messages, in order, into one batch of `transform` and compares: the rows in
// order, each expected row's named columns by their text form (ColumnText); then the rejects in
// order, by reason substring and id. The transform's received_at is 0 for every message. An
// error is the transform's (the crypto library failing) or the mask function's.
// `reveal` may be empty.
Result<CaseOutcome> RunTestCase(const TestCase& test_case, Transform& transform,
                                const MaskFunction& mask, const RevealFunction& reveal = {});

// A value as a test compares it: text as it is, whole numbers in decimal, a float as the
// shortest text that reads back the same, a date as YYYY-MM-DD, a timestamptz as
// YYYY-MM-DDTHH:MM:SS.ffffffZ, a uuid as 8-4-4-4-12 hex; "null" for null.
std::string ColumnText(const Column& column, size_t row);

}  // namespace sluice
