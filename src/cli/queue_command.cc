#include "cli/queue_command.h"

#include <fmt/format.h>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "cli/run_summary.h"
#include "connectors/sqs/sqs_limits.h"
#include "core/input_format.h"
#include "core/input_stream.h"
#include "core/log.h"
#include "core/names.h"
#include "formats/json_record_stream.h"
#include "pipeline/shutdown.h"

namespace sluice::cli {
namespace {

int RunCreate(const OptionValues& values) {
  const std::string& name = values.String("name");
  if (Status valid = ValidateSqsQueueName(name, "the queue name"); !valid.ok()) {
    return Fail(valid);
  }
  auto client = MakeSqsClient(values.String("sqs-endpoint"));
  if (!client.ok()) return Fail(client.status());
  auto url = (*client)->CreateQueue(name, static_cast<int>(values.Int("visibility-timeout")),
                                    static_cast<size_t>(values.Int("max-message-size")));
  if (!url.ok()) {
    // SQS refuses a CreateQueue whose attributes differ from the existing queue's.
    return Fail(url.status().WithContext(fmt::format(
        "queue '{}'{}", name,
        url.status().message().find("QueueNameExists") != std::string::npos
            ? " exists with other attributes (create it without them, or delete it first)"
            : "")));
  }
  fmt::print("{}\n", *url);
  return kExitOk;
}

// Every element (array), line (NDJSON) or value spanning lines (`jq .` output) becomes one
// message body, in file order, streamed, read as `logins run --file` reads the file (the same
// bodies): at most one batch and one record are held. A line that is not JSON is sent as it is (the
// consumer's job is to reject it, visibly); a record SQS cannot take (over the queue's
// MaximumMessageSize, not valid UTF-8, a character SQS refuses) is rejected alone, named, and
// the rest are sent.
int RunSend(const OptionValues& values) {
  // SIGTERM or SIGINT ends the send between batches, saying how far it got.
  StopOnSignals(nullptr);
  // Parquet and the like are told plainly before the queue is looked up (core/input_stream.h).
  if (Status st = CheckSupportedInput(values.String("file"), false, InputTextReader::kJsonOnly);
      !st.ok())
    return Fail(st);
  auto client = MakeSqsClient(values.String("sqs-endpoint"));
  if (!client.ok()) return Fail(client.status());
  auto url = ResolveQueueUrl(**client, values.String("name"));
  if (!url.ok()) return Fail(url.status());
  const size_t limit = MaxMessageBytesOr256KiB(**client, *url);

  SqsBatchPacker packer(limit);
  std::vector<std::string> positions;  // of the packer's records, for errors and rejects
  uint64_t sent = 0, rejected = 0;
  // The records not sent, (position, reason), for --json: the error lines name them too.
  std::vector<std::pair<std::string, std::string>> rejects;
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
          rejects.emplace_back(positions[f.index], "SQS refused it (" + f.reason + ")");
          LogError("{}: {}: SQS refused it ({}); not sent", values.String("file"),
                   positions[f.index], f.reason);
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
  std::string stopped_before;  // the first record not sent, when a signal stopped the send
  Status st = ForEachRawJsonRecord(values.String("file"), limit, [&](const RawJsonRecord& record) {
    if (StopRequested()) {
      stopped_before = record.position.ToString();
      return Status(StatusCode::kCancelled, "stopped by a signal");
    }
    if (record.oversized) {
      ++rejected;
      rejects.emplace_back(
          record.position.ToString(),
          fmt::format("{} bytes, over the queue's limit of {} bytes", record.size, limit));
      LogError(
          "{}: {}: {} bytes, over the queue's limit of {} bytes (MaximumMessageSize); not sent",
          values.String("file"), record.position.ToString(), record.size, limit);
      return Status::Ok();
    }
    if (auto problem = FindSqsBodyProblem(record.text)) {
      ++rejected;
      rejects.emplace_back(record.position.ToString(),
                           fmt::format("byte offset {} {}", problem->byte_offset, problem->reason));
      LogError("{}: {}: byte offset {} {}; not sent", values.String("file"),
               record.position.ToString(), problem->byte_offset, problem->reason);
      return Status::Ok();
    }
    if (packer.NeedsFlushBefore(record.text.size())) RETURN_IF_ERROR(flush());
    positions.push_back(record.position.ToString());
    packer.Add(std::string(record.text));
    return Status::Ok();
  });
  if (st.ok() || !stopped_before.empty()) st = flush();
  if (st.ok() && !stopped_before.empty()) {
    return Fail(Status(StatusCode::kCancelled,
                       fmt::format("stopped by a signal: sent {} message{} to {}{}; {} from {} on "
                                   "was not sent",
                                   sent, sent == 1 ? "" : "s", values.String("name"),
                                   rejected ? fmt::format(", {} rejected", rejected) : "",
                                   values.String("file"), stopped_before)));
  }
  if (!st.ok()) return Fail(st.WithContext(InputDisplayName(values.String("file"))));
  const int code = rejected ? kExitRejects : kExitOk;
  RunSummary summary("queue send");
  summary.json()
      .Key("queue")
      .String(values.String("name"))
      .Key("file")
      .String(values.String("file"));
  summary.json()
      .Key("sent")
      .Int(static_cast<int64_t>(sent))
      .Key("rejected")
      .Int(static_cast<int64_t>(rejected));
  summary.json().Key("rejects").BeginArray();
  for (const auto& [position, reason] : rejects)
    summary.json()
        .BeginObject()
        .Key("position")
        .String(position)
        .Key("reason")
        .String(reason)
        .EndObject();
  summary.json().EndArray();
  summary.Print(
      code,
      fmt::format("sent {} message{} to {}{}\n", sent, sent == 1 ? "" : "s", values.String("name"),
                  rejected ? fmt::format("; {} rejected (see above)", rejected) : ""));
  return code;
}

int RunPurge(const OptionValues& values) {
  auto client = MakeSqsClient(values.String("sqs-endpoint"));
  if (!client.ok()) return Fail(client.status());
  auto url = ResolveQueueUrl(**client, values.String("name"));
  if (!url.ok()) return Fail(url.status());
  Status st = (*client)->PurgeQueue(*url);
  if (!st.ok()) return Fail(st);
  fmt::print("purged {}\n", values.String("name"));
  return kExitOk;
}

}  // namespace

void AddQueueCommand(CLI::App& app, int* exit_code) {
  CLI::App* queue = app.add_subcommand("queue", "Create, fill and purge SQS queues");
  queue->require_subcommand(1);
  OptionSpec name = TextOption("name", "Queue name (or URL)");
  name.positional = true;
  name.required = true;
  const OptionSpec endpoint = AwsEndpointOption("sqs-endpoint", "sqs");
  // Empty defaults: unless given, the queue gets SQS's own (30 s, 256 KiB).
  OptionSpec visibility = IntOption("visibility-timeout",
                                    "Seconds a received message stays "
                                    "hidden (default: SQS's, 30)",
                                    0, 0, 43200);
  visibility.default_value.clear();
  OptionSpec size = IntOption("max-message-size",
                              "Bytes a message (and a batch) may hold (default: SQS's, 262144)", 0,
                              1024, static_cast<int64_t>(kSqsLargestMaxMessageBytes));
  size.default_value.clear();
  AddCommand(*queue, "create", "Create a queue (no-op if it exists)",
             {endpoint, name, visibility, size}, RunCreate, exit_code);
  OptionSpec file = PathOption("file", "JSON array or NDJSON file", true);
  file.positional = true;
  file.required = true;
  AddCommand(*queue, "send", "Send each element of a JSON array or NDJSON file",
             {endpoint, name, file}, RunSend, exit_code);
  AddCommand(*queue, "purge", "Delete every message in a queue", {endpoint, name}, RunPurge,
             exit_code);
}

}  // namespace sluice::cli
