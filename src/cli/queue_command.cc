#include "cli/queue_command.h"

#include <fmt/format.h>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "connectors/sqs/sqs_limits.h"
#include "core/log.h"
#include "core/names.h"
#include "formats/json_record_stream.h"

namespace sluice::cli {
namespace {

struct QueueFlags {
  std::string endpoint;
  std::string name;
  std::string file;
  int visibility_timeout = 0;
  size_t max_message_size = 0;
};

int RunCreate(const QueueFlags& flags) {
  if (Status valid = ValidateSqsQueueName(flags.name, "the queue name"); !valid.ok()) {
    return Fail(valid);
  }
  auto client = MakeSqsClient(flags.endpoint);
  if (!client.ok()) return Fail(client.status());
  auto url = (*client)->CreateQueue(flags.name, flags.visibility_timeout, flags.max_message_size);
  if (!url.ok()) return Fail(url.status());
  fmt::print("{}\n", *url);
  return kExitOk;
}

// Every element (array), line (NDJSON) or value spanning lines (`jq .` output) becomes one
// message body, in file order, streamed, read as `logins run --file` reads the file (the same
// bodies): at most one batch and one record are held. A line that is not JSON is sent as it is (the
// consumer's job is to reject it, visibly); a record SQS cannot take (over the queue's
// MaximumMessageSize, not valid UTF-8, a character SQS refuses) is rejected alone, named, and
// the rest are sent.
int RunSend(const QueueFlags& flags) {
  auto client = MakeSqsClient(flags.endpoint);
  if (!client.ok()) return Fail(client.status());
  auto url = ResolveQueueUrl(**client, flags.name);
  if (!url.ok()) return Fail(url.status());
  const size_t limit = MaxMessageBytesOr256KiB(**client, *url);

  SqsBatchPacker packer(limit);
  std::vector<std::string> positions;  // of the packer's records, for errors and rejects
  uint64_t sent = 0, rejected = 0;
  auto flush = [&]() -> Status {
    if (packer.empty()) return Status::Ok();
    std::vector<std::string> bodies = packer.Take();
    auto result = (*client)->SendMessageBatchEntries(*url, bodies);
    Status st = result.status();
    if (st.ok()) {
      sent += bodies.size() - result->failed.size();
      for (const auto& f : result->failed) {
        // An entry SQS holds at fault is rejected alone, like one found before sending.
        if (f.sender_fault) {
          ++rejected;
          LogError("{}: {}: SQS refused it ({}); not sent", flags.file, positions[f.index],
                   f.reason);
        } else if (st.ok()) {
          st = Unavailable(fmt::format("SQS could not take {}: {}", positions[f.index], f.reason));
        }
      }
    }
    if (!st.ok()) {
      return st.WithContext(
          fmt::format("sending the batch from {} ({} sent before it)", positions.front(), sent));
    }
    positions.clear();
    return Status::Ok();
  };
  Status st = ForEachRawJsonRecord(flags.file, limit, [&](const RawJsonRecord& record) {
    if (record.oversized) {
      ++rejected;
      LogError(
          "{}: {}: {} bytes, over the queue's limit of {} bytes (MaximumMessageSize); not sent",
          flags.file, record.position.ToString(), record.size, limit);
      return Status::Ok();
    }
    if (auto problem = FindSqsBodyProblem(record.text)) {
      ++rejected;
      LogError("{}: {}: byte offset {} {}; not sent", flags.file, record.position.ToString(),
               problem->byte_offset, problem->reason);
      return Status::Ok();
    }
    if (packer.NeedsFlushBefore(record.text.size())) RETURN_IF_ERROR(flush());
    positions.push_back(record.position.ToString());
    packer.Add(std::string(record.text));
    return Status::Ok();
  });
  if (st.ok()) st = flush();
  if (!st.ok()) return Fail(st.WithContext(flags.file));
  fmt::print("sent {} messages to {}{}\n", sent, flags.name,
             rejected ? fmt::format("; {} rejected (see above)", rejected) : "");
  return rejected ? kExitRejects : kExitOk;
}

int RunPurge(const QueueFlags& flags) {
  auto client = MakeSqsClient(flags.endpoint);
  if (!client.ok()) return Fail(client.status());
  auto url = ResolveQueueUrl(**client, flags.name);
  if (!url.ok()) return Fail(url.status());
  Status st = (*client)->PurgeQueue(*url);
  if (!st.ok()) return Fail(st);
  fmt::print("purged {}\n", flags.name);
  return kExitOk;
}

}  // namespace

void AddQueueCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<QueueFlags>();
  CLI::App* queue = app.add_subcommand("queue", "Create, fill and purge SQS queues");
  queue->require_subcommand(1);
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--sqs-endpoint", flags->endpoint,
                    "SQS endpoint URL (default: $AWS_ENDPOINT_URL, else AWS)");
    cmd->add_option("name", flags->name, "Queue name (or URL)")->required();
  };
  CLI::App* create = queue->add_subcommand("create", "Create a queue (no-op if it exists)");
  common(create);
  create->add_option("--visibility-timeout", flags->visibility_timeout, "Seconds, 0 to 43200")
      ->check(CLI::Range(0, 43200));
  create
      ->add_option("--max-message-size", flags->max_message_size,
                   "Bytes a message (and a batch) may hold, 1024 to 1048576 (default: SQS's)")
      ->check(CLI::Range(size_t{1024}, kSqsLargestMaxMessageBytes));
  create->callback([flags, exit_code] { *exit_code = RunCreate(*flags); });

  CLI::App* send =
      queue->add_subcommand("send", "Send each element of a JSON array or NDJSON file");
  common(send);
  send->add_option("file", flags->file, "JSON array or NDJSON file")
      ->required()
      ->check(CLI::ExistingFile);
  send->callback([flags, exit_code] { *exit_code = RunSend(*flags); });

  CLI::App* purge = queue->add_subcommand("purge", "Delete every message in a queue");
  common(purge);
  purge->callback([flags, exit_code] { *exit_code = RunPurge(*flags); });
}

}  // namespace sluice::cli
