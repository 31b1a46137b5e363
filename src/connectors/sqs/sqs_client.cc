#include "connectors/sqs/sqs_client.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

#include "aws/aws_errors.h"
#include "aws/crypto.h"
#include "core/json_writer.h"
#include "core/strings.h"
#include "formats/json_reader.h"

namespace sluice {
namespace {

// SQS errors carry "__type": "com.amazonaws.sqs#QueueDoesNotExist" and a message.
// An SQS error answer as a Status: its code (the `__type` without its namespace) decides the
// StatusCode, and the message names the action, the code and the service's words.
Status ErrorFrom(std::string_view action, std::string_view body, long status) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view type;
  std::string description = fmt::format("HTTP {}: {}", status, body.substr(0, 200));
  if (!parser.parse(body.data(), body.size()).get(doc)) {
    type = JsonStringOr(doc["__type"]);
    std::string_view message = JsonStringOr(doc["message"], JsonStringOr(doc["Message"]));
    if (size_t hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
    if (!type.empty()) description = fmt::format("{}: {} (HTTP {})", type, message, status);
  }
  return Status(StatusCodeForAwsError(status, type),
                fmt::format("SQS {}: {}", action, description));
}

Status ParseFailedEntries(std::string_view response, std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response.data(), response.size()).get(doc)) {
    return Unavailable(fmt::format("{}: unreadable response", what));
  }
  simdjson::dom::array failed;
  if (doc["Failed"].get_array().get(failed) || failed.size() == 0) return Status::Ok();
  std::string reasons;
  bool all_sender_faults = true;
  for (simdjson::dom::element f : failed) {
    std::string_view id = JsonStringOr(f["Id"]);
    std::string_view code = JsonStringOr(f["Code"]);
    std::string_view message = JsonStringOr(f["Message"]);
    bool sender_fault = false;
    if (f["SenderFault"].get_bool().get(sender_fault) || !sender_fault) all_sender_faults = false;
    reasons += fmt::format("{}entry {}: {} {}", reasons.empty() ? "" : "; ", id, code, message);
  }
  // Entries refused for their own sake (BatchResultErrorEntry.SenderFault, such as a receipt
  // handle that is no longer valid) fail the same way again, and say nothing of SQS's health.
  return Status(all_sender_faults ? StatusCode::kFailedPrecondition : StatusCode::kUnavailable,
                fmt::format("{}: {} of the batch failed: {}", what, failed.size(), reasons));
}

// The body of a batch action: {"QueueUrl": url, "Entries": [{"Id": "0", ...}, ...]}, where
// `add_fields(writer, i)` writes entry i's own fields after its Id.
template <typename AddFields>
std::string BatchBody(const std::string& queue_url, size_t count, AddFields add_fields) {
  JsonWriter w;
  w.BeginObject().Key("QueueUrl").String(queue_url).Key("Entries").BeginArray();
  for (size_t i = 0; i < count; ++i) {
    w.BeginObject().Key("Id").String(std::to_string(i));
    add_fields(w, i);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace

SqsClient::SqsClient(AwsConfig config, std::unique_ptr<HttpTransport> transport, RetryPolicy retry)
    : config_(std::move(config)), transport_(std::move(transport)), retry_(retry) {}

Result<std::string> SqsClient::Call(std::string_view action, std::string body,
                                    std::chrono::milliseconds timeout,
                                    const std::atomic<bool>* cancel) {
  const std::string target = fmt::format("AmazonSQS.{}", action);
  const std::string payload_hash = HexLower(Sha256(body));
  ASSIGN_OR_RETURN(const AwsCredentials credentials, config_.CurrentCredentials());
  auto build = [&] {
    SigningRequest signing;
    signing.method = "POST";
    signing.path = config_.endpoint.base_path.empty() ? "/" : config_.endpoint.base_path + "/";
    signing.headers = {{"Host", config_.endpoint.host},
                       {"Content-Type", "application/x-amz-json-1.0"},
                       {"X-Amz-Target", target}};
    signing.payload_sha256_hex = payload_hash;
    SigningScope scope{config_.region, "sqs", AmzDateNow(), false};
    SignRequest(signing, scope, credentials);
    HttpRequest request;
    request.method = "POST";
    request.url = config_.endpoint.Url("/");
    request.headers = std::move(signing.headers);
    request.body = body;
    request.timeout = timeout;
    request.cancel = cancel;
    return request;
  };
  ASSIGN_OR_RETURN(HttpResponse response,
                   SendWithRetries(*transport_, retry_, build, &unanswered_requests_));
  if (response.status != 200) return ErrorFrom(action, response.body, response.status);
  return std::move(response.body);
}

Result<std::string> SqsClient::CreateQueue(const std::string& name, int visibility_timeout_seconds,
                                           size_t maximum_message_size_bytes) {
  JsonWriter w;
  w.BeginObject().Key("QueueName").String(name);
  if (visibility_timeout_seconds > 0 || maximum_message_size_bytes > 0) {
    w.Key("Attributes").BeginObject();
    if (visibility_timeout_seconds > 0) {
      w.Key("VisibilityTimeout").String(std::to_string(visibility_timeout_seconds));
    }
    if (maximum_message_size_bytes > 0) {
      w.Key("MaximumMessageSize").String(std::to_string(maximum_message_size_bytes));
    }
    w.EndObject();
  }
  w.EndObject();
  ASSIGN_OR_RETURN(std::string body, Call("CreateQueue", w.Take()));
  simdjson::dom::parser parser;
  std::string_view url;
  if (parser.parse(body).get_object()["QueueUrl"].get_string().get(url)) {
    return Unavailable("SQS CreateQueue: no QueueUrl in the response");
  }
  return std::string(url);
}

Result<std::string> SqsClient::GetQueueUrl(const std::string& name) {
  JsonWriter w;
  w.BeginObject().Key("QueueName").String(name).EndObject();
  auto body = Call("GetQueueUrl", w.Take());
  if (!body.ok()) return body.status().WithContext(fmt::format("queue '{}'", name));
  simdjson::dom::parser parser;
  std::string_view url;
  if (parser.parse(*body).get_object()["QueueUrl"].get_string().get(url)) {
    return Unavailable("SQS GetQueueUrl: no QueueUrl in the response");
  }
  return std::string(url);
}

Status SqsClient::PurgeQueue(const std::string& queue_url) {
  JsonWriter w;
  w.BeginObject().Key("QueueUrl").String(queue_url).EndObject();
  return Call("PurgeQueue", w.Take()).status();
}

Result<int64_t> SqsClient::ApproximateNumberOfMessages(const std::string& queue_url,
                                                       bool include_in_flight) {
  JsonWriter w;
  w.BeginObject()
      .Key("QueueUrl")
      .String(queue_url)
      .Key("AttributeNames")
      .BeginArray()
      .String("ApproximateNumberOfMessages")
      .String("ApproximateNumberOfMessagesNotVisible")
      .EndArray()
      .EndObject();
  ASSIGN_OR_RETURN(std::string body, Call("GetQueueAttributes", w.Take()));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc))
    return Unavailable("SQS GetQueueAttributes: unreadable response");
  int64_t total = 0;
  for (const char* name :
       {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}) {
    if (!include_in_flight && std::string_view(name).ends_with("NotVisible")) continue;
    std::string_view text;
    if (doc["Attributes"][name].get_string().get(text)) continue;
    int64_t v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    total += v;
  }
  return total;
}

Result<size_t> SqsClient::MaximumMessageSize(const std::string& queue_url) {
  JsonWriter w;
  w.BeginObject()
      .Key("QueueUrl")
      .String(queue_url)
      .Key("AttributeNames")
      .BeginArray()
      .String("MaximumMessageSize")
      .EndArray()
      .EndObject();
  ASSIGN_OR_RETURN(std::string body, Call("GetQueueAttributes", w.Take()));
  simdjson::dom::parser parser;
  std::string_view text;
  size_t bytes = 0;
  if (parser.parse(body)["Attributes"]["MaximumMessageSize"].get_string().get(text) ||
      !ParseInt(text, &bytes) || bytes == 0) {
    return Unavailable("SQS GetQueueAttributes: no MaximumMessageSize in the response");
  }
  return bytes;
}

Result<std::vector<std::string>> SqsClient::SendMessageBatch(
    const std::string& queue_url, const std::vector<std::string>& bodies) {
  ASSIGN_OR_RETURN(SqsSendResult result, SendMessageBatchEntries(queue_url, bodies));
  if (result.failed.empty()) return std::move(result.message_ids);
  std::string reasons;
  for (const auto& f : result.failed)
    reasons += fmt::format("{}entry {}: {}", reasons.empty() ? "" : "; ", f.index, f.reason);
  return Unavailable(fmt::format("SQS SendMessageBatch: {} of the batch failed: {}",
                                 result.failed.size(), reasons));
}

Result<SqsSendResult> SqsClient::SendMessageBatchEntries(const std::string& queue_url,
                                                         const std::vector<std::string>& bodies) {
  if (bodies.empty() || bodies.size() > kSqsMaxBatchEntries) {
    return InvalidArgument("SQS SendMessageBatch takes 1 to 10 messages");
  }
  std::string request = BatchBody(queue_url, bodies.size(), [&](JsonWriter& w, size_t i) {
    w.Key("MessageBody").String(bodies[i]);
  });
  ASSIGN_OR_RETURN(std::string body, Call("SendMessageBatch", std::move(request)));
  SqsSendResult result;
  result.message_ids.resize(bodies.size());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return Unavailable("SQS SendMessageBatch: unreadable response");
  // Ids are the entries' indexes, as BatchBody wrote them; anything else is not ours. An entry
  // answered twice (sent and refused, say) cannot be told sent or not: the answer is refused,
  // since counting it once would leave another entry neither sent nor refused.
  std::vector<bool> seen(bodies.size(), false);
  size_t twice = bodies.size();
  auto index_of = [&](simdjson::dom::element e, size_t* index) {
    std::string_view id = JsonStringOr(e["Id"]);
    if (!ParseInt(id, index) || *index >= bodies.size()) return false;
    if (seen[*index]) twice = *index;
    seen[*index] = true;
    return true;
  };
  size_t answered = 0;
  simdjson::dom::array list;
  if (!doc["Successful"].get_array().get(list)) {
    for (simdjson::dom::element e : list) {
      size_t index = 0;
      std::string_view message_id;
      // A sent entry without an id would read as a refused one (an empty id).
      if (e["MessageId"].get_string().get(message_id) || message_id.empty() ||
          !index_of(e, &index)) {
        continue;
      }
      result.message_ids[index] = std::string(message_id);
      ++answered;
    }
  }
  if (!doc["Failed"].get_array().get(list)) {
    for (simdjson::dom::element e : list) {
      SqsEntryFailure failure;
      if (!index_of(e, &failure.index)) continue;
      bool sender_fault = false;
      failure.sender_fault = !e["SenderFault"].get_bool().get(sender_fault) && sender_fault;
      failure.reason = fmt::format("{}: {}", JsonStringOr(e["Code"]), JsonStringOr(e["Message"]));
      result.failed.push_back(std::move(failure));
      ++answered;
    }
  }
  if (twice < bodies.size()) {
    return Unavailable(
        fmt::format("SQS SendMessageBatch: the response answers entry {} more than once", twice));
  }
  if (answered != bodies.size()) {
    return Unavailable(
        fmt::format("SQS SendMessageBatch: the response accounts for {} of {} "
                    "entries",
                    answered, bodies.size()));
  }
  return result;
}

Result<std::vector<SqsMessage>> SqsClient::ReceiveMessages(const std::string& queue_url,
                                                           int max_messages, int wait_seconds,
                                                           int visibility_timeout_seconds,
                                                           const std::atomic<bool>* cancel) {
  // SQS's ranges (ReceiveMessage API reference), checked here so a caller's mistake is named
  // before a request SQS would refuse.
  if (max_messages < 1 || max_messages > static_cast<int>(kSqsMaxBatchEntries) ||
      wait_seconds < 0 || wait_seconds > 20 || visibility_timeout_seconds < 0 ||
      visibility_timeout_seconds > 43200) {
    return InvalidArgument(fmt::format(
        "SQS ReceiveMessage takes 1 to 10 messages, a wait of 0 to 20 s and a visibility "
        "timeout of 0 to 43200 s (asked: {}, {} s, {} s)",
        max_messages, wait_seconds, visibility_timeout_seconds));
  }
  JsonWriter w;
  w.BeginObject()
      .Key("QueueUrl")
      .String(queue_url)
      .Key("MaxNumberOfMessages")
      .Int(max_messages)
      .Key("WaitTimeSeconds")
      .Int(wait_seconds);
  if (visibility_timeout_seconds > 0) w.Key("VisibilityTimeout").Int(visibility_timeout_seconds);
  // Both spellings: older servers read AttributeNames, newer ones MessageSystemAttributeNames.
  w.Key("AttributeNames")
      .BeginArray()
      .String("SentTimestamp")
      .String("ApproximateReceiveCount")
      .EndArray();
  w.Key("MessageSystemAttributeNames")
      .BeginArray()
      .String("SentTimestamp")
      .String("ApproximateReceiveCount")
      .EndArray();
  w.EndObject();
  // The long poll must not be cut short by the HTTP timeout.
  auto timeout = std::chrono::milliseconds((wait_seconds + 15) * 1000);
  ASSIGN_OR_RETURN(std::string body, Call("ReceiveMessage", w.Take(), timeout, cancel));
  std::vector<SqsMessage> messages;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return Unavailable("SQS ReceiveMessage: unreadable response");
  simdjson::dom::array list;
  if (doc["Messages"].get_array().get(list)) return messages;  // none
  for (simdjson::dom::element m : list) {
    SqsMessage msg;
    std::string_view id, handle, sent, count;
    if (m["MessageId"].get_string().get(id) || m["ReceiptHandle"].get_string().get(handle)) {
      return Unavailable("SQS ReceiveMessage: a message without id or receipt handle");
    }
    msg.message_id = id;
    msg.receipt_handle = handle;
    msg.body = JsonStringOr(m["Body"]);
    if (!m["Attributes"]["SentTimestamp"].get_string().get(sent)) {
      std::from_chars(sent.data(), sent.data() + sent.size(), msg.sent_timestamp_ms);
    }
    if (!m["Attributes"]["ApproximateReceiveCount"].get_string().get(count)) {
      std::from_chars(count.data(), count.data() + count.size(), msg.receive_count);
    }
    messages.push_back(std::move(msg));
  }
  return messages;
}

Status SqsClient::DeleteMessageBatch(const std::string& queue_url,
                                     const std::vector<std::string>& handles) {
  for (size_t i = 0; i < handles.size(); i += kSqsMaxBatchEntries) {
    RETURN_IF_ERROR(DeleteChunk(queue_url, handles.data() + i,
                                std::min(kSqsMaxBatchEntries, handles.size() - i)));
  }
  return Status::Ok();
}

Status SqsClient::DeleteChunk(const std::string& queue_url, const std::string* handles,
                              size_t count) {
  std::string request = BatchBody(queue_url, count, [&](JsonWriter& w, size_t i) {
    w.Key("ReceiptHandle").String(handles[i]);
  });
  ASSIGN_OR_RETURN(std::string body, Call("DeleteMessageBatch", std::move(request)));
  return ParseFailedEntries(body, "SQS DeleteMessageBatch");
}

Status SqsClient::ChangeVisibilityBatch(const std::string& queue_url,
                                        const std::vector<std::string>& handles,
                                        int timeout_seconds) {
  for (size_t i = 0; i < handles.size(); i += kSqsMaxBatchEntries) {
    RETURN_IF_ERROR(ChangeVisibilityChunk(queue_url, handles.data() + i,
                                          std::min(kSqsMaxBatchEntries, handles.size() - i),
                                          timeout_seconds));
  }
  return Status::Ok();
}

Status SqsClient::ChangeVisibilityChunk(const std::string& queue_url, const std::string* handles,
                                        size_t count, int timeout_seconds) {
  std::string request = BatchBody(queue_url, count, [&](JsonWriter& w, size_t i) {
    w.Key("ReceiptHandle").String(handles[i]).Key("VisibilityTimeout").Int(timeout_seconds);
  });
  ASSIGN_OR_RETURN(std::string body, Call("ChangeMessageVisibilityBatch", std::move(request)));
  return ParseFailedEntries(body, "SQS ChangeMessageVisibilityBatch");
}

size_t MaxMessageBytesOr256KiB(SqsClient& client, const std::string& queue_url) {
  auto bytes = client.MaximumMessageSize(queue_url);
  return bytes.ok() ? *bytes : kSqsDefaultMaxMessageBytes;
}

Status SendAll(SqsClient& client, const std::string& queue_url,
               const std::vector<std::string>& bodies) {
  const size_t limit = MaxMessageBytesOr256KiB(client, queue_url);
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (bodies[i].size() > limit) {
      return InvalidArgument(fmt::format("message {}: {} bytes, over the queue's limit of {} bytes",
                                         i, bodies[i].size(), limit));
    }
    if (auto problem = FindSqsBodyProblem(bodies[i])) {
      return InvalidArgument(
          fmt::format("message {}: byte {} {}", i, problem->byte_offset, problem->reason));
    }
  }
  SqsBatchPacker packer(limit);
  size_t first = 0;  // index of the packer's first body
  auto flush = [&]() -> Status {
    size_t n = 0;
    if (packer.empty()) return Status::Ok();
    auto chunk = packer.Take();
    n = chunk.size();
    auto ids = client.SendMessageBatch(queue_url, chunk);
    if (!ids.ok()) return ids.status().WithContext(fmt::format("sending messages {}..", first));
    first += n;
    return Status::Ok();
  };
  for (const auto& body : bodies) {
    if (packer.NeedsFlushBefore(body.size())) RETURN_IF_ERROR(flush());
    packer.Add(body);
  }
  return flush();
}

}  // namespace sluice
