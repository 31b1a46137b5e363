// Fuzzes the SQS client's reading of answers (JSON protocol). One input is one answer to one
// call, so each run signs one request (answering every call under every status made 36 signed
// requests an input and held the target near 100 runs a second under ASan):
// - byte 0 selects: bits 0-1 the status (kSqsFuzzStatuses: 200, 400, 403, 500), bits 2-4 the call
//   (kSqsFuzzCalls below: ReceiveMessage, SendMessageBatch of 1 and of 3 entries,
//   DeleteMessageBatch, ChangeMessageVisibilityBatch, GetQueueAttributes for the count and for the
//   size limit, GetQueueUrl); bits 5-7 are unused. The seeds use '@' (0x40) + 4 * call + status.
// - the rest of the input is the body SQS sends back (an error document under an error status).
// An empty input is skipped. Whatever the body:
// - a batch send accounts for every entry once: sent with an id, or refused, never both or
//   neither (what the queue sender relies on not to lose or repeat a message);
// - an error status is never a success, whatever the call; an error names SQS
//   and the action, and never holds our secret key or session token, which no answer is given.
// The fault this target found, an entry answered twice covering for one never answered, is kept
// by corpus/sqs_responses/send-batch-duplicate-id (SendMessageBatch of 3 entries, 200).
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "connectors/sqs/sqs_client.h"

namespace {

constexpr const char* kSqsFuzzSecret = "fuzzSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kSqsFuzzToken = "fuzzSessionToken+IQoJb3JpZ2luX2VjEXAMPLE";
constexpr const char* kSqsFuzzQueue = "http://127.0.0.1:1/000000000000/fuzz";

constexpr long kSqsFuzzStatuses[] = {200, 400, 403, 500};

// The calls byte 0 selects, in the order of its bits 2-4.
enum class SqsFuzzCall {
  kReceive,
  kSendOne,
  kSendThree,
  kDelete,
  kChangeVisibility,
  kCount,
  kMaxSize,
  kQueueUrl,
};
constexpr SqsFuzzCall kSqsFuzzCalls[] = {
    SqsFuzzCall::kReceive, SqsFuzzCall::kSendOne,          SqsFuzzCall::kSendThree,
    SqsFuzzCall::kDelete,  SqsFuzzCall::kChangeVisibility, SqsFuzzCall::kCount,
    SqsFuzzCall::kMaxSize, SqsFuzzCall::kQueueUrl,
};

// Answers every request with the same status and body.
class SqsFuzzAnswer : public sluice::HttpTransport {
 public:
  SqsFuzzAnswer(long status, const std::string* body) : status_(status), body_(body) {}
  sluice::Result<sluice::HttpResponse> Send(const sluice::HttpRequest&) override {
    sluice::HttpResponse r;
    r.status = status_;
    r.body = *body_;
    return r;
  }

 private:
  long status_;
  const std::string* body_;
};

// Every call: an error status is never a success; an error names SQS and the action and holds
// no secret the input did not bring.
void SqsFuzzCheckError(const sluice::Status& status, long answer, std::string_view action,
                       bool input_has_secret) {
  if (answer != 200 && status.ok()) std::abort();
  if (status.ok()) return;
  const std::string& m = status.message();
  if (m.find("SQS") == std::string::npos || m.find(action) == std::string::npos) std::abort();
  if (!input_has_secret &&
      (m.find(kSqsFuzzSecret) != std::string::npos || m.find(kSqsFuzzToken) != std::string::npos)) {
    std::abort();
  }
}

// Sends n entries and checks each is accounted for exactly once.
void SqsFuzzSendBatch(sluice::SqsClient& client, size_t n, long answer, bool input_has_secret) {
  const std::vector<std::string> bodies(n, "{\"user_id\":1}");
  auto sent = client.SendMessageBatchEntries(kSqsFuzzQueue, bodies);
  if (answer != 200 && sent.ok()) std::abort();
  SqsFuzzCheckError(sent.status(), answer, "SendMessageBatch", input_has_secret);
  if (!sent.ok()) return;
  if (sent->message_ids.size() != n) std::abort();
  std::vector<int> refused(n, 0);
  for (const sluice::SqsEntryFailure& f : sent->failed) {
    if (f.index >= n) std::abort();
    ++refused[f.index];
  }
  for (size_t i = 0; i < n; ++i) {
    const bool has_id = !sent->message_ids[i].empty();
    if (refused[i] > 1 || has_id == (refused[i] == 1)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const long answer = kSqsFuzzStatuses[data[0] % std::size(kSqsFuzzStatuses)];
  const SqsFuzzCall call = kSqsFuzzCalls[(data[0] >> 2) % std::size(kSqsFuzzCalls)];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool input_has_secret = body.find(kSqsFuzzSecret) != std::string::npos ||
                                body.find(kSqsFuzzToken) != std::string::npos;
  sluice::AwsConfig config;
  config.endpoint = {"http", "127.0.0.1:1", ""};
  config.region = "us-east-1";
  config.credentials = {"AKIDFUZZEXAMPLE", kSqsFuzzSecret, kSqsFuzzToken};
  sluice::RetryPolicy once;
  once.attempts = 1;
  sluice::SqsClient client(config, std::make_unique<SqsFuzzAnswer>(answer, &body), once);
  const std::vector<std::string> handles = {"AQEBfuzz1", "AQEBfuzz2"};

  switch (call) {
    case SqsFuzzCall::kReceive: {
      auto messages = client.ReceiveMessages(kSqsFuzzQueue, 10, 0);
      if (answer != 200 && messages.ok()) std::abort();
      SqsFuzzCheckError(messages.status(), answer, "ReceiveMessage", input_has_secret);
      break;
    }
    case SqsFuzzCall::kSendOne:
      SqsFuzzSendBatch(client, 1, answer, input_has_secret);
      break;
    case SqsFuzzCall::kSendThree:
      SqsFuzzSendBatch(client, 3, answer, input_has_secret);
      break;
    case SqsFuzzCall::kDelete:
      SqsFuzzCheckError(client.DeleteMessageBatch(kSqsFuzzQueue, handles), answer,
                        "DeleteMessageBatch", input_has_secret);
      break;
    case SqsFuzzCall::kChangeVisibility:
      SqsFuzzCheckError(client.ChangeVisibilityBatch(kSqsFuzzQueue, handles, 30), answer,
                        "ChangeMessageVisibilityBatch", input_has_secret);
      break;
    case SqsFuzzCall::kCount:
      SqsFuzzCheckError(client.ApproximateNumberOfMessages(kSqsFuzzQueue, true).status(), answer,
                        "GetQueueAttributes", input_has_secret);
      break;
    case SqsFuzzCall::kMaxSize: {
      auto max = client.MaximumMessageSize(kSqsFuzzQueue);
      if (max.ok() && *max == 0) std::abort();
      SqsFuzzCheckError(max.status(), answer, "GetQueueAttributes", input_has_secret);
      break;
    }
    case SqsFuzzCall::kQueueUrl: {
      auto url = client.GetQueueUrl("fuzz");
      if (answer != 200 && url.ok()) std::abort();
      SqsFuzzCheckError(url.status(), answer, "GetQueueUrl", input_has_secret);
      break;
    }
  }
  return 0;
}
