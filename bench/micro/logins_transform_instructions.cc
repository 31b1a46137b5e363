// Instructions per message of the logins transforms, for callgrind, whose counts repeat from run
// to run where timings on a shared machine do not (bench/micro_instructions.sh runs it):
//
//     logins_transform_instructions general|oracle siv|hmac [MESSAGES]
//
// Each transformer first warms up on 1,024 messages (the parser's and columns' buffers grown),
// then MeasuredRun transforms MESSAGES more (default 10,000); callgrind collects inside
// MeasuredRun only, so its count divided by MESSAGES is the cost of one message.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "jobs/logins/logins_schema.h"
#include "jobs/logins/logins_table.h"
#include "login_messages.h"
#include "support/reference_login_transformer.h"
#include "transforms/message_transform.h"

namespace sluice::logins {
namespace {

// Transforms `count` messages with `append`, clearing the batch every 1,024 rows as the
// benchmark does; returns how many passed (all should).
template <typename AppendFn>
__attribute__((noinline)) size_t MeasuredRun(AppendFn& append, Batch& rows,
                                             const std::vector<std::string>& messages,
                                             size_t count) {
  std::string reason;
  size_t passed = 0;
  for (size_t i = 0; i < count; ++i) {
    if (rows.num_rows() == 1024) rows.Clear();
    passed += append(messages[i & 1023], &rows, &reason);
  }
  return passed;
}

template <typename AppendFn>
int Run(AppendFn append, Batch rows, size_t count) {
  const auto messages = bench::Messages(1024);
  if (MeasuredRun(append, rows, messages, 1024) != 1024) {
    std::fprintf(stderr, "a benchmark message was rejected\n");
    return 1;
  }
  rows.Clear();
  if (MeasuredRun(append, rows, messages, count) != count) return 1;
  std::printf("%zu messages\n", count);
  return 0;
}

int Main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s general|oracle siv|hmac [MESSAGES]\n", argv[0]);
    return 2;
  }
  const bool general = std::strcmp(argv[1], "general") == 0;
  const MaskMode mode = std::strcmp(argv[2], "hmac") == 0 ? MaskMode::kHmac : MaskMode::kSiv;
  const size_t count = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 10000;
  auto ring = std::make_shared<const MaskKeyring>(
      std::move(MaskKeyring::Parse(bench::kKey, "bench")).value());
  if (general) {
    MessageTransform transformer(LoginsMessageSchema(), LoginsMaskedFields(), ring, mode);
    return Run(
        [&](const std::string& m, Batch* rows, std::string* reason) {
          return transformer.Append("id", m, 1640475000000, rows, reason);
        },
        Batch(MessageRowSchema(*LoginsMessageSchema())), count);
  }
  Masker field_masker(*ring, mode);
  Masker body_masker(*ring, MaskMode::kSiv);
  LoginTransformer transformer(field_masker, body_masker);
  return Run(
      [&](const std::string& m, Batch* rows, std::string* reason) {
        return transformer.Append("id", m, 1640475000000, rows, reason);
      },
      Batch(LoginRowSchema()), count);
}

}  // namespace
}  // namespace sluice::logins

int main(int argc, char** argv) {
  return sluice::logins::Main(argc, argv);
}
