// An SQS client over the JSON protocol (application/x-amz-json-1.0), signed with SigV4.
// One client holds one HTTP connection and is not thread-safe: give each thread its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aws/aws_config.h"
#include "aws/http_client.h"
#include "connectors/sqs/sqs_limits.h"

namespace sluice {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  int64_t sent_timestamp_ms = 0;
  int receive_count = 0;
};

// An entry of a batch SQS refused while taking the others.
struct SqsEntryFailure {
  size_t index = 0;           // in the batch, 0-based
  bool sender_fault = false;  // the entry itself is at fault (retrying it cannot help)
  std::string reason;         // "InvalidMessageContents: ..."
};

struct SqsSendResult {
  std::vector<std::string> message_ids;  // in batch order; empty for a failed entry
  std::vector<SqsEntryFailure> failed;
};

class SqsClient {
 public:
  SqsClient(AwsConfig config, std::unique_ptr<HttpTransport> transport, RetryPolicy retry = {});

  // `visibility_timeout_seconds` and `maximum_message_size_bytes` 0 keep SQS's defaults.
  Result<std::string> CreateQueue(const std::string& name, int visibility_timeout_seconds = 0,
                                  size_t maximum_message_size_bytes = 0);
  Result<std::string> GetQueueUrl(const std::string& name);
  Status PurgeQueue(const std::string& queue_url);
  Result<int64_t> ApproximateNumberOfMessages(const std::string& queue_url, bool include_in_flight);
  // The queue's MaximumMessageSize attribute in bytes: the most one message, and the sum of one
  // SendMessageBatch's messages, may hold.
  Result<size_t> MaximumMessageSize(const std::string& queue_url);

  // Up to 10 bodies (kSqsMaxBatchEntries), together within the queue's MaximumMessageSize;
  // returns the message ids in the same order. An entry SQS refuses is an error naming it.
  Result<std::vector<std::string>> SendMessageBatch(const std::string& queue_url,
                                                    const std::vector<std::string>& bodies);
  // The same, with the entries SQS refused while taking the rest given one by one rather than
  // as an error (SendMessageBatch's partial success).
  Result<SqsSendResult> SendMessageBatchEntries(const std::string& queue_url,
                                                const std::vector<std::string>& bodies);
  // Up to `max_messages` (1..10), long-polling `wait_seconds`. `visibility_timeout_seconds` 0
  // keeps the queue's default. When `*cancel` turns true the poll stops (kCancelled), unless
  // SQS has begun its answer: that answer is read and returned, so that the caller can hand
  // its messages back rather than leave them invisible until their timeout.
  Result<std::vector<SqsMessage>> ReceiveMessages(const std::string& queue_url, int max_messages,
                                                  int wait_seconds,
                                                  int visibility_timeout_seconds = 0,
                                                  const std::atomic<bool>* cancel = nullptr);
  // Any number of receipt handles, sent 10 to a request (kSqsMaxBatchEntries); an entry SQS
  // refuses is an error naming it.
  Status DeleteMessageBatch(const std::string& queue_url, const std::vector<std::string>& handles);
  Status ChangeVisibilityBatch(const std::string& queue_url,
                               const std::vector<std::string>& handles, int timeout_seconds);

  // Requests of any action, retried ones included, that ended without an answer from SQS (a
  // cut connection, a timeout, a cancelled long poll) since this client was made. SQS may have
  // acted on them: a ReceiveMessage among them may have put messages in flight that no caller
  // was given, which come back only after their visibility timeout. A client belongs to one
  // thread, and so does this count.
  uint64_t unanswered_requests() const { return unanswered_requests_; }

 private:
  // POSTs one action and returns the response body, or SQS's error as a status.
  Status ChangeVisibilityChunk(const std::string& queue_url, const std::string* handles,
                               size_t count, int timeout_seconds);
  Status DeleteChunk(const std::string& queue_url, const std::string* handles, size_t count);
  Result<std::string> Call(std::string_view action, std::string body,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(30000),
                           const std::atomic<bool>* cancel = nullptr);

  AwsConfig config_;
  std::unique_ptr<HttpTransport> transport_;
  RetryPolicy retry_;
  uint64_t unanswered_requests_ = 0;
};

// Sends every body in order, in batches packed by SqsBatchPacker for the queue's
// MaximumMessageSize (kSqsDefaultMaxMessageBytes when the queue does not say). A body SQS cannot
// take (too large, see FindSqsBodyProblem) is an error naming its index, before anything is sent.
Status SendAll(SqsClient& client, const std::string& queue_url,
               const std::vector<std::string>& bodies);

// The queue's MaximumMessageSize, or kSqsDefaultMaxMessageBytes when it cannot be read (a
// role without sqs:GetQueueAttributes): the smaller limit is the safe guess.
size_t MaxMessageBytesOr256KiB(SqsClient& client, const std::string& queue_url);

}  // namespace sluice
