#include "cli/queue_command.h"

#include <fmt/format.h>

#include "cli/aws_clients.h"
#include "cli/exit_codes.h"
#include "core/log.h"
#include "formats/json_reader.h"

namespace sluice::cli {
namespace {

struct QueueFlags {
  std::string endpoint;
  std::string name;
  std::string file;
  int visibility_timeout = 0;
};

int Fail(const Status& status) {
  LogError("{}", status.message());
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

int RunCreate(const QueueFlags& flags) {
  auto client = MakeSqsClient(flags.endpoint);
  if (!client.ok()) return Fail(client.status());
  auto url = (*client)->CreateQueue(flags.name, flags.visibility_timeout);
  if (!url.ok()) return Fail(url.status());
  fmt::print("{}\n", *url);
  return kExitOk;
}

int RunSend(const QueueFlags& flags) {
  // Every element (array) or line (NDJSON) becomes one message body, in file order. A line
  // that is not JSON is sent as it is: the consumer's job is to reject it, visibly.
  std::vector<std::string> bodies;
  Status read = ForEachJsonRecord(
      flags.file, JsonLayout::kAuto,
      [&](const JsonPosition&, const simdjson::dom::element* e, std::string_view,
          std::string_view raw) {
        bodies.push_back(e && raw.empty() ? JsonMinify(*e) : std::string(raw));
        return Status::Ok();
      });
  if (!read.ok()) return Fail(read.WithContext(flags.file));
  auto client = MakeSqsClient(flags.endpoint);
  if (!client.ok()) return Fail(client.status());
  auto url = ResolveQueueUrl(**client, flags.name);
  if (!url.ok()) return Fail(url.status());
  Status st = SendAll(**client, *url, bodies);
  if (!st.ok()) return Fail(st);
  fmt::print("sent {} messages to {}\n", bodies.size(), flags.name);
  return kExitOk;
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
  create->add_option("--visibility-timeout", flags->visibility_timeout, "Seconds");
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
