// What SQS accepts in a message and in a batch, so requests built from user data are split or
// refused record by record before SQS would refuse a whole batch. Sources: Amazon SQS Developer
// Guide, "Amazon SQS message quotas" and the SendMessage / SendMessageBatch API reference.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

// Entries in one SendMessageBatch, DeleteMessageBatch or ChangeMessageVisibilityBatch.
inline constexpr size_t kSqsMaxBatchEntries = 10;
// The MaximumMessageSize of a queue that does not say (the classic default; queues may allow
// up to 1 MiB). One message, and the sum of a batch's messages, must stay within the queue's.
inline constexpr size_t kSqsDefaultMaxMessageBytes = 256 * 1024;
inline constexpr size_t kSqsLargestMaxMessageBytes = 1024 * 1024;

// Why a body cannot be an SQS message: SQS takes only valid UTF-8 of the characters #x9 | #xA |
// #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, and at least one of them.
struct SqsBodyProblem {
  size_t byte_offset = 0;  // 0-based, in the body
  std::string reason;      // "is not valid UTF-8", "U+0000 is not allowed in an SQS message"
};
std::optional<SqsBodyProblem> FindSqsBodyProblem(std::string_view body);

// Packs bodies into SendMessageBatch requests in order: at most kSqsMaxBatchEntries entries and
// at most `max_batch_bytes` of bodies in one (SQS counts the sum of the messages' sizes against
// the queue's MaximumMessageSize). A body larger than `max_batch_bytes` never fits: the caller
// rejects it before Add.
class SqsBatchPacker {
 public:
  explicit SqsBatchPacker(size_t max_batch_bytes) : max_bytes_(max_batch_bytes) {}

  // Whether a body of `size` bytes needs the batch so far sent first.
  bool NeedsFlushBefore(size_t size) const {
    return !bodies_.empty() &&
           (bodies_.size() >= kSqsMaxBatchEntries || bytes_ + size > max_bytes_);
  }
  void Add(std::string body) {
    bytes_ += body.size();
    bodies_.push_back(std::move(body));
  }
  bool empty() const { return bodies_.empty(); }
  size_t bytes() const { return bytes_; }
  // The bodies packed so far, leaving the packer empty.
  std::vector<std::string> Take() {
    bytes_ = 0;
    return std::exchange(bodies_, {});
  }

 private:
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::vector<std::string> bodies_;
};

}  // namespace sluice
