// The writing half of a two-stage pipeline, shared by both runners (runner.h, load_runner.h): a
// thread that takes items from a bounded queue and writes them while the caller's thread
// prepares the next. The queue's depth is the back-pressure: a writer that falls behind makes
// the caller wait rather than memory grow. The first failed write stops the stage; items it
// never took stay queued for the caller to hand back (TakeUnwritten).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/thread_name.h"
#include "pipeline/bounded_queue.h"

namespace sluice {

template <typename T>
class WriterStage {
 public:
  // `write` runs on the stage's thread, named `thread_name`, once per item in push order. A
  // failure it returns ends the stage: it must itself deal with the item it failed on.
  WriterStage(std::string thread_name, size_t depth, std::function<Status(T&)> write)
      : queue_(depth), write_(std::move(write)) {
    thread_ = std::thread([this, name = std::move(thread_name)] {
      NameThisThread(name);
      while (std::optional<T> item = queue_.Pop()) {
        Status st = write_(*item);
        if (!st.ok()) {
          error_ = std::move(st);
          queue_.Close();
          return;
        }
      }
    });
  }

  WriterStage(const WriterStage&) = delete;
  WriterStage& operator=(const WriterStage&) = delete;
  ~WriterStage() { (void)Finish(); }

  // Hands `item` to the writer, waiting for room. False once the writer has failed (or Finish
  // ran), and then `item` is left with the caller.
  bool Push(T& item) { return queue_.Push(std::move(item)); }

  // Waits until every item pushed has been written, or the writer failed; returns its failure.
  // Safe to call more than once.
  Status Finish() {
    queue_.Close();
    if (thread_.joinable()) thread_.join();
    return error_;
  }

  // After Finish(): the items the writer never took, in push order.
  std::vector<T> TakeUnwritten() {
    std::vector<T> left;
    while (std::optional<T> item = queue_.Pop())
      left.push_back(std::move(*item));
    return left;
  }

 private:
  BoundedQueue<T> queue_;
  std::function<Status(T&)> write_;
  Status error_;  // written by the thread, read after join
  std::thread thread_;
};

}  // namespace sluice
