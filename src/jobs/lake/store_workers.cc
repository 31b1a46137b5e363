#include "jobs/lake/store_workers.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/thread_name.h"

namespace sluice::lake {

Status ForEachObject(ObjectStore& store, int parallel, size_t n,
                     const std::function<Status(ObjectStore& own, size_t i)>& work) {
  const size_t threads = std::min<size_t>(static_cast<size_t>(std::max(parallel, 1)), n);
  std::vector<std::unique_ptr<ObjectStore>> forks;
  for (size_t t = 1; t < threads; ++t) {
    std::unique_ptr<ObjectStore> fork = store.Fork();
    if (!fork) break;
    forks.push_back(std::move(fork));
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  Status first_error;
  auto loop = [&](ObjectStore& own) {
    for (size_t i = next.fetch_add(1); i < n && !failed.load(); i = next.fetch_add(1)) {
      Status status = work(own, i);
      if (status.ok()) continue;
      std::lock_guard lock(error_mutex);
      if (!failed.exchange(true)) first_error = std::move(status);
      return;
    }
  };
  std::vector<std::thread> workers;
  for (std::unique_ptr<ObjectStore>& fork : forks) {
    workers.emplace_back([&loop, own = fork.get()] {
      NameThisThread("lake-store");
      loop(*own);
    });
  }
  loop(store);
  for (std::thread& worker : workers)
    worker.join();
  return first_error;
}

}  // namespace sluice::lake
