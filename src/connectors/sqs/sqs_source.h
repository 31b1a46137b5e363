// Messages from an SQS queue: as many long polls in flight as raise the rate, a bounded hand-off
// to the job (back-pressure), visibility extended while a batch is still being written, and
// deletes in batches of ten, only for acknowledged messages.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "connectors/sqs/sqs_client.h"
#include "pipeline/component_registry.h"
#include "pipeline/concurrency_tuner.h"
#include "pipeline/message_source.h"

namespace sluice {

struct SqsSourceOptions {
  std::string queue_url;
  int receivers = 8;      // at most this many long polls in flight (see ConcurrencyTuner)
  int wait_seconds = 10;  // long-poll length
  int visibility_timeout_seconds = 60;
  // Finish when the queue has nothing more to give: two empty receives in a row, nothing of this
  // consumer's awaiting its delete, and nothing it may have left in flight still to come back.
  bool until_empty = false;
  size_t max_buffered = 2000;  // receivers wait while this many messages are not yet handed out
  int deleters = 2;
};

// The `sqs` source's options (docs/components/sqs.md): sqs-endpoint, queue, until-empty,
// receivers, wait-seconds, visibility-timeout.
ComponentSpec SqsSourceComponent();
// Those options as SqsSourceOptions; the queue URL is left to the caller, who looks it up.
SqsSourceOptions SqsSourceOptionsFrom(const OptionValues& values);

class SqsSource : public MessageSource {
 public:
  // `make_client` gives each thread its own client (each holds one connection).
  SqsSource(SqsSourceOptions options, std::function<std::unique_ptr<SqsClient>()> make_client);
  ~SqsSource() override;

  std::vector<InboundMessage> NextBatch(size_t max, std::chrono::milliseconds linger) override;
  bool Finished() const override;
  void Acknowledge(std::vector<InboundMessage> messages) override;
  // Sets the messages' visibility timeout to 0 (ChangeMessageVisibilityBatch), so the queue
  // hands them out again at once instead of after the timeout.
  void Nack(std::vector<InboundMessage> messages) override;
  void Stop() override;
  Status Close() override;
  uint64_t ErrorCount() const override { return errors_; }

 private:
  void ReceiveLoop(int index);
  void DeleteLoop();
  void HeartbeatLoop();
  void RecordError(const Status& status);
  // Sets these receipt handles' visibility to 0, ten to a request; failures are only logged
  // (the messages then come back after their timeout).
  void HandBack(std::vector<std::string> handles);
  // Notes that messages this consumer made invisible may come back to the queue within one
  // visibility timeout from now (`why` says how, for the log). Called with mutex_ held.
  void ExpectReturnsLocked(std::string_view why);
  // Until-empty, after the empty receives: whether the queue is drained as far as this consumer
  // knows, or more may come (announced once in the log). Called with mutex_ held.
  bool DrainedLocked(std::chrono::steady_clock::time_point now);

  SqsSourceOptions options_;
  std::function<std::unique_ptr<SqsClient>()> make_client_;

  mutable std::mutex mutex_;
  std::condition_variable ready_;  // messages arrived, or receivers finished
  std::condition_variable space_;  // the buffer has room
  std::deque<InboundMessage> buffer_;
  size_t wake_at_ = 1;  // receivers wake the job once this many messages are buffered
  int active_receivers_ = 0;
  bool receiving_over_ = false;
  ConcurrencyTuner tuner_;  // how many receivers poll at once
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> errors_{0};  // failed receives, deletes and visibility changes
  std::atomic<int> failed_deletes_in_a_row_{0};

  // Received and not yet deleted: receipt handle -> when visibility was last set.
  std::map<std::string, std::chrono::steady_clock::time_point> in_flight_;
  // Until then, messages this consumer made invisible without holding them (a receive whose
  // answer was lost, a failed delete) may come back: until-empty polls on until it has passed.
  std::chrono::steady_clock::time_point may_come_back_until_{};
  std::string may_come_back_why_;
  bool wait_announced_ = false;

  std::mutex delete_mutex_;
  std::condition_variable delete_ready_;
  std::deque<std::vector<std::string>> delete_queue_;  // chunks of up to 10 receipt handles
  int deletes_pending_ = 0;
  std::condition_variable deletes_done_;
  bool closing_ = false;

  std::mutex error_mutex_;
  Status first_error_;

  std::vector<std::thread> receivers_;
  std::vector<std::thread> deleters_;
  std::thread heartbeat_;
  std::condition_variable heartbeat_wake_;
};

}  // namespace sluice
