#include "connectors/sqs/sqs_source.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "core/names.h"
#include "core/thread_name.h"

namespace sluice {

ComponentSpec SqsSourceComponent() {
  ComponentSpec c{.name = "sqs", .kind = ComponentKind::kSource};
  c.summary = "Messages from an Amazon SQS queue, deleted only once their batch is committed";
  c.description =
      "Long polls run in parallel, as many as raise the rate (up to --receivers); a message's "
      "visibility is extended while its batch is written, and it is deleted after the commit. "
      "A batch that fails is not deleted, so its messages come back.";
  OptionSpec queue = TextOption("queue", "Queue name or URL", "login-queue");
  queue.check = [](std::string_view value) { return ValidateSqsQueueNameOrUrl(value, ""); };
  queue.check_rule = "a queue name (letters, digits, - and _; 1 to 80) or an http(s) queue URL";
  c.options = {
      AwsEndpointOption("sqs-endpoint", "sqs"),
      queue,
      FlagOption("until-empty", "Stop once the queue is drained"),
      IntOption("receivers",
                "Most long polls in flight: starts at 1, adds one while it raises the rate", 8, 1,
                64),
      IntOption("wait-seconds", "Long-poll length, seconds", 10, 0, 20),
      IntOption("visibility-timeout",
                "Seconds a received message stays hidden; extended while in hand", 60, 5, 43200),
  };
  return c;
}

SqsSourceOptions SqsSourceOptionsFrom(const OptionValues& values) {
  SqsSourceOptions options;
  options.receivers = static_cast<int>(values.Int("receivers"));
  options.wait_seconds = static_cast<int>(values.Int("wait-seconds"));
  options.visibility_timeout_seconds = static_cast<int>(values.Int("visibility-timeout"));
  options.until_empty = values.Flag("until-empty");
  return options;
}
namespace {

constexpr size_t kSqsBatch = 10;
// Until-empty: a receiver stops after this many empty long polls in a row.
constexpr int kEmptyPollsToFinish = 2;
// Deletes that failed in a row (each after the client's own retries) before receiving ends.
constexpr int kFailedDeletesToGiveUp = 5;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SqsSource::SqsSource(SqsSourceOptions options,
                     std::function<std::unique_ptr<SqsClient>()> make_client)
    : options_(std::move(options)),
      make_client_(std::move(make_client)),
      tuner_({.max = std::max(1, options_.receivers)}, std::chrono::steady_clock::now()) {
  active_receivers_ = std::max(1, options_.receivers);
  for (int i = 0; i < active_receivers_; ++i)
    receivers_.emplace_back([this, i] { ReceiveLoop(i); });
  for (int i = 0; i < std::max(1, options_.deleters); ++i) {
    deleters_.emplace_back([this] { DeleteLoop(); });
  }
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
}

SqsSource::~SqsSource() {
  (void)Close();
}

void SqsSource::RecordError(const Status& status) {
  std::lock_guard lock(error_mutex_);
  if (first_error_.ok()) first_error_ = status;
}

void SqsSource::ReceiveLoop(int index) {
  NameThisThread("sqs-receive");
  auto client = make_client_();
  int empty_polls = 0;
  int failures = 0;
  while (!stopping_) {
    {
      std::unique_lock lock(mutex_);
      // Receivers beyond the tuner's target wait here; so do all while the buffer is full.
      space_.wait(lock, [&] {
        return stopping_ || receiving_over_ ||
               (index < tuner_.target() && buffer_.size() < options_.max_buffered);
      });
      if (stopping_ || receiving_over_) break;
    }
    const uint64_t unanswered = client->unanswered_requests();
    // SQS starts a message's visibility timeout when it puts the message in its answer, which a
    // loaded server sends late: the heartbeat counts from the asking, which is never later.
    const auto asked_at = std::chrono::steady_clock::now();
    // A stop cuts the long poll short instead of waiting it out.
    auto received = client->ReceiveMessages(options_.queue_url, static_cast<int>(kSqsBatch),
                                            options_.until_empty ? 1 : options_.wait_seconds,
                                            options_.visibility_timeout_seconds, &stopping_);
    if (client->unanswered_requests() != unanswered && !stopping_) {
      std::lock_guard lock(mutex_);
      ExpectReturnsLocked("a receive that got no answer");
    }
    if (!received.ok() && received.status().code() == StatusCode::kCancelled) break;
    if (!received.ok()) {
      // The client already retried transient failures; a lasting one ends receiving after a
      // few more rounds, and the job reports it.
      LogEvent(LogLevel::kWarn, "sqs.error",
               {{"component", "sqs"},
                {"operation", "ReceiveMessage"},
                {"error_code", StatusCodeName(received.status().code())}},
               "receiving from SQS failed: {}", received.status().message());
      ++errors_;
      // Only a failure a retry may cure (kUnavailable) is tried again: a refusal (a queue
      // deleted, a permission revoked) ends receiving at once.
      if (++failures >= 5 || received.status().code() != StatusCode::kUnavailable) {
        RecordError(received.status());
        break;
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    failures = 0;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (tuner_.Record(received->size(), received->size() == kSqsBatch, now)) {
      LogDebug("{} receives in flight", tuner_.target());
      space_.notify_all();
    }
    if (received->empty()) {
      if (options_.until_empty && ++empty_polls >= kEmptyPollsToFinish && DrainedLocked(now)) {
        break;
      }
      continue;
    }
    empty_polls = 0;
    const int64_t now_micros = NowMicros();
    for (auto& m : *received) {
      in_flight_[m.receipt_handle] = asked_at;
      buffer_.push_back(InboundMessage{std::move(m.message_id), std::move(m.body),
                                       std::move(m.receipt_handle), m.sent_timestamp_ms,
                                       now_micros});
    }
    // Waking the job for every receive while it lingers costs a context switch each time.
    if (buffer_.size() >= wake_at_) ready_.notify_all();
  }
  // One receiver ending (the queue drained, a lasting error, a stop) ends them all.
  std::lock_guard lock(mutex_);
  receiving_over_ = true;
  --active_receivers_;
  space_.notify_all();
  ready_.notify_all();
}

void SqsSource::ExpectReturnsLocked(std::string_view why) {
  // 0 keeps the queue's own timeout, taken to be SQS's default of 30 s; the 2 s more are for the
  // queue's clock, which starts the timeout when it answers, not when this process notices.
  const int seconds =
      options_.visibility_timeout_seconds > 0 ? options_.visibility_timeout_seconds : 30;
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds) + std::chrono::seconds(2);
  if (until <= may_come_back_until_) return;
  may_come_back_until_ = until;
  may_come_back_why_ = why;
  wait_announced_ = false;
}

bool SqsSource::DrainedLocked(std::chrono::steady_clock::time_point now) {
  // Messages still held are deleted once committed; a delete that fails sends them back.
  if (!in_flight_.empty()) return false;
  if (now >= may_come_back_until_) return true;
  if (!wait_announced_) {
    wait_announced_ = true;
    LogInfo(
        "the queue looks empty, but messages left in flight by {} come back within {} s: "
        "receiving until then",
        may_come_back_why_,
        std::chrono::ceil<std::chrono::seconds>(may_come_back_until_ - now).count());
  }
  return false;
}

std::vector<InboundMessage> SqsSource::NextBatch(size_t max, std::chrono::milliseconds linger) {
  std::vector<InboundMessage> batch;
  std::unique_lock lock(mutex_);
  // Wait for the first message (or the end), then linger until the batch can be filled.
  wake_at_ = 1;
  ready_.wait(lock, [&] { return !buffer_.empty() || active_receivers_ == 0; });
  const auto deadline = std::chrono::steady_clock::now() + linger;
  wake_at_ = std::clamp<size_t>(max, 1, options_.max_buffered);
  ready_.wait_until(lock, deadline,
                    [&] { return buffer_.size() >= wake_at_ || active_receivers_ == 0; });
  // Receivers wait on this condition for room and for their turn: wake them only for room.
  const bool was_full = buffer_.size() >= options_.max_buffered;
  while (!buffer_.empty() && batch.size() < max) {
    batch.push_back(std::move(buffer_.front()));
    buffer_.pop_front();
  }
  if (was_full) space_.notify_all();
  return batch;
}

bool SqsSource::Finished() const {
  std::lock_guard lock(mutex_);
  return active_receivers_ == 0 && buffer_.empty();
}

void SqsSource::Acknowledge(std::vector<InboundMessage> messages) {
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < messages.size(); i += kSqsBatch) {
    std::vector<std::string> chunk;
    for (size_t j = i; j < std::min(messages.size(), i + kSqsBatch); ++j) {
      chunk.push_back(std::move(messages[j].receipt));
    }
    chunks.push_back(std::move(chunk));
  }
  std::lock_guard lock(delete_mutex_);
  for (auto& c : chunks) {
    delete_queue_.push_back(std::move(c));
    ++deletes_pending_;
  }
  delete_ready_.notify_all();
}

void SqsSource::DeleteLoop() {
  NameThisThread("sqs-delete");
  auto client = make_client_();
  for (;;) {
    std::vector<std::string> chunk;
    {
      std::unique_lock lock(delete_mutex_);
      delete_ready_.wait(lock, [&] { return !delete_queue_.empty() || closing_; });
      if (delete_queue_.empty()) return;
      chunk = std::move(delete_queue_.front());
      delete_queue_.pop_front();
    }
    Status st = client->DeleteMessageBatch(options_.queue_url, chunk);
    // A failed delete loses nothing: the message comes back and the ledger drops it.
    if (!st.ok()) {
      ++errors_;
      LogEvent(LogLevel::kWarn, "sqs.error",
               {{"component", "sqs"},
                {"operation", "DeleteMessageBatch"},
                {"error_code", StatusCodeName(st.code())}},
               "{}; those messages will be redelivered and skipped", st.message());
    }
    // A refusal (credentials, a permission revoked, the queue deleted), or SQS failing deletes
    // over and over, will not cure itself: receiving more would only take the same messages
    // again, and an until-empty run would wait for them without end. Receiving ends and the job
    // fails. A receipt handle refused as no longer valid (its message's visibility ran out, and
    // it was received again) is neither: that message comes back, or is already back.
    const bool refused = st.code() == StatusCode::kUnauthenticated ||
                         st.code() == StatusCode::kPermissionDenied ||
                         st.code() == StatusCode::kNotFound;
    const bool lasting = refused || (st.code() == StatusCode::kUnavailable &&
                                     ++failed_deletes_in_a_row_ >= kFailedDeletesToGiveUp);
    if (st.code() != StatusCode::kUnavailable) failed_deletes_in_a_row_ = 0;
    if (lasting) RecordError(st);
    {
      std::lock_guard lock(mutex_);
      for (const auto& h : chunk)
        in_flight_.erase(h);
      if (!st.ok()) ExpectReturnsLocked("a delete that failed");
      if (lasting) {
        receiving_over_ = true;
        space_.notify_all();
        ready_.notify_all();
      }
    }
    std::lock_guard lock(delete_mutex_);
    if (--deletes_pending_ == 0) deletes_done_.notify_all();
  }
}

void SqsSource::Nack(std::vector<InboundMessage> messages) {
  std::vector<std::string> handles;
  {
    std::lock_guard lock(mutex_);
    for (auto& m : messages) {
      in_flight_.erase(m.receipt);  // no longer extended by the heartbeat
      handles.push_back(std::move(m.receipt));
    }
  }
  HandBack(std::move(handles));
}

void SqsSource::HandBack(std::vector<std::string> handles) {
  if (handles.empty()) return;
  auto client = make_client_();
  for (size_t i = 0; i < handles.size(); i += kSqsBatch) {
    std::vector<std::string> chunk(
        handles.begin() + static_cast<std::ptrdiff_t>(i),
        handles.begin() + static_cast<std::ptrdiff_t>(std::min(handles.size(), i + kSqsBatch)));
    Status st = client->ChangeVisibilityBatch(options_.queue_url, chunk, 0);
    // Nothing is lost either way: the messages come back after their visibility timeout.
    if (!st.ok()) {
      ++errors_;
      LogEvent(LogLevel::kWarn, "sqs.error",
               {{"component", "sqs"},
                {"operation", "ChangeMessageVisibilityBatch"},
                {"error_code", StatusCodeName(st.code())}},
               "handing messages back to the queue failed: {}", st.message());
    }
  }
  LogInfo("{} messages handed back to the queue, to be delivered again", handles.size());
}

void SqsSource::HeartbeatLoop() {
  NameThisThread("sqs-visibility");
  auto client = make_client_();
  const auto visibility = std::chrono::seconds(options_.visibility_timeout_seconds);
  const auto period = std::max<std::chrono::milliseconds>(visibility / 4, std::chrono::seconds(1));
  std::unique_lock delete_lock(delete_mutex_);
  while (!closing_) {
    heartbeat_wake_.wait_for(delete_lock, period);
    if (closing_) break;
    delete_lock.unlock();
    // Messages held for more than half their visibility get a fresh timeout, so a slow batch
    // is not handed to another consumer while it is being written.
    std::vector<std::string> due;
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex_);
      for (auto& [handle, since] : in_flight_) {
        if (now - since > visibility / 2) {
          due.push_back(handle);
          since = now;
        }
      }
    }
    for (size_t i = 0; i < due.size(); i += kSqsBatch) {
      std::vector<std::string> chunk(
          due.begin() + static_cast<std::ptrdiff_t>(i),
          due.begin() + static_cast<std::ptrdiff_t>(std::min(due.size(), i + kSqsBatch)));
      Status st = client->ChangeVisibilityBatch(options_.queue_url, chunk,
                                                options_.visibility_timeout_seconds);
      if (!st.ok()) {
        ++errors_;
        LogEvent(LogLevel::kWarn, "sqs.error",
                 {{"component", "sqs"},
                  {"operation", "ChangeMessageVisibilityBatch"},
                  {"error_code", StatusCodeName(st.code())}},
                 "extending visibility failed: {}", st.message());
      }
    }
    delete_lock.lock();
  }
}

void SqsSource::Stop() {
  {
    // Set under the lock a receiver checks it with, or a receiver between its check and its
    // wait would miss the notify and sleep on until something else wakes it.
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  space_.notify_all();
}

Status SqsSource::Close() {
  Stop();
  for (auto& t : receivers_) {
    if (t.joinable()) t.join();
  }
  {
    std::unique_lock lock(delete_mutex_);
    deletes_done_.wait(lock, [&] { return deletes_pending_ == 0; });
  }
  // What was received and never acknowledged (buffered ahead of the job when it stopped, or
  // handed out and dropped) goes back to the queue at once, not after its visibility timeout.
  std::vector<std::string> unfinished;
  {
    std::lock_guard lock(mutex_);
    buffer_.clear();
    for (auto& [handle, since] : in_flight_)
      unfinished.push_back(handle);
    in_flight_.clear();
  }
  HandBack(std::move(unfinished));
  {
    std::unique_lock lock(delete_mutex_);
    closing_ = true;
    delete_ready_.notify_all();
    heartbeat_wake_.notify_all();
  }
  for (auto& t : deleters_) {
    if (t.joinable()) t.join();
  }
  if (heartbeat_.joinable()) heartbeat_.join();
  std::lock_guard lock(error_mutex_);
  return first_error_;
}

}  // namespace sluice
