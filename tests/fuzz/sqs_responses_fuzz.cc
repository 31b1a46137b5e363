// Fuzzes the SQS client's reading of answers (JSON protocol): the input is the body SQS sends
// back, first with 200 to ReceiveMessage, SendMessageBatch, DeleteMessageBatch and
// GetQueueAttributes, then with error statuses as an error document. Whatever the body:
// - a batch send accounts for every entry once: sent with an id, or refused, never both or
//   neither (what the queue sender relies on not to lose or repeat a message);
// - an error is an error (not kOk), names SQS and the action, and never holds our secret key
//   or session token, which no answer is given.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "connectors/sqs/sqs_client.h"

namespace {

constexpr const char* kSecret = "fuzzSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "fuzzSessionToken+IQoJb3JpZ2luX2VjEXAMPLE";
constexpr const char* kQueue = "http://127.0.0.1:1/000000000000/fuzz";

// Answers every request with the same status and body.
class Answer : public sluice::HttpTransport {
 public:
  Answer(long* status, const std::string* body) : status_(status), body_(body) {}
  sluice::Result<sluice::HttpResponse> Send(const sluice::HttpRequest&) override {
    sluice::HttpResponse r;
    r.status = *status_;
    r.body = *body_;
    return r;
  }

 private:
  long* status_;
  const std::string* body_;
};

void CheckError(const sluice::Status& status, std::string_view action, bool input_has_secret) {
  if (status.ok()) return;
  const std::string& m = status.message();
  if (m.find("SQS") == std::string::npos || m.find(action) == std::string::npos) std::abort();
  if (!input_has_secret &&
      (m.find(kSecret) != std::string::npos || m.find(kToken) != std::string::npos)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const bool input_has_secret =
      body.find(kSecret) != std::string::npos || body.find(kToken) != std::string::npos;
  long status = 200;
  sluice::AwsConfig config;
  config.endpoint = {"http", "127.0.0.1:1", ""};
  config.region = "us-east-1";
  config.credentials = {"AKIDFUZZEXAMPLE", kSecret, kToken};
  sluice::RetryPolicy once;
  once.attempts = 1;
  sluice::SqsClient client(config, std::make_unique<Answer>(&status, &body), once);

  for (long answer : {200L, 400L, 403L, 500L}) {
    status = answer;
    auto messages = client.ReceiveMessages(kQueue, 10, 0);
    if (answer != 200 && messages.ok()) std::abort();
    CheckError(messages.status(), "ReceiveMessage", input_has_secret);

    for (size_t n : {size_t{1}, size_t{3}}) {
      const std::vector<std::string> bodies(n, "{\"user_id\":1}");
      auto sent = client.SendMessageBatchEntries(kQueue, bodies);
      if (answer != 200 && sent.ok()) std::abort();
      CheckError(sent.status(), "SendMessageBatch", input_has_secret);
      if (sent.ok()) {
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
    }

    const std::vector<std::string> handles = {"AQEBfuzz1", "AQEBfuzz2"};
    CheckError(client.DeleteMessageBatch(kQueue, handles), "DeleteMessageBatch", input_has_secret);
    CheckError(client.ChangeVisibilityBatch(kQueue, handles, 30), "ChangeMessageVisibilityBatch",
               input_has_secret);
    CheckError(client.ApproximateNumberOfMessages(kQueue, true).status(), "GetQueueAttributes",
               input_has_secret);
    auto max = client.MaximumMessageSize(kQueue);
    if (max.ok() && *max == 0) std::abort();
    CheckError(max.status(), "GetQueueAttributes", input_has_secret);
    auto url = client.GetQueueUrl("fuzz");
    if (answer != 200 && url.ok()) std::abort();
    CheckError(url.status(), "GetQueueUrl", input_has_secret);
  }
  return 0;
}
