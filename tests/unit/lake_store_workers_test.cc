// ForEachObject: every index once, never more than the bound at a time, each thread on its own
// store, and the first failure stops what has not started.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "connectors/objstore/local_object_store.h"
#include "jobs/lake/store_workers.h"

namespace sluice::lake {
namespace {

TEST(LakeStoreWorkers, EveryIndexOnceWithinTheBoundOnOwnStores) {
  LocalObjectStore store("/tmp/");
  std::atomic<int> running{0}, most{0};
  std::mutex mutex;
  std::multiset<size_t> seen;
  std::set<ObjectStore*> stores;
  Status status = ForEachObject(store, 4, 200, [&](ObjectStore& own, size_t i) {
    const int now = ++running;
    int expected = most.load();
    while (now > expected && !most.compare_exchange_weak(expected, now)) {
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    {
      std::lock_guard lock(mutex);
      seen.insert(i);
      stores.insert(&own);
    }
    --running;
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(seen.size(), 200u);
  for (size_t i = 0; i < 200; ++i)
    EXPECT_EQ(seen.count(i), 1u) << i;
  EXPECT_LE(most.load(), 4);
  EXPECT_GE(most.load(), 2);  // forks do run side by side
  EXPECT_EQ(stores.size(), 4u);
  EXPECT_TRUE(stores.count(&store));  // the caller's store is one of them
}

TEST(LakeStoreWorkers, TheFirstFailureStopsTheRest) {
  LocalObjectStore store("/tmp/");
  std::atomic<int> calls{0};
  Status status = ForEachObject(store, 1, 100, [&](ObjectStore&, size_t i) {
    ++calls;
    return i == 5 ? Unavailable("object 5 failed") : Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "object 5 failed");
  EXPECT_EQ(calls.load(), 6);
  EXPECT_TRUE(ForEachObject(store, 8, 0, [](ObjectStore&, size_t) {
                return Internal("never called");
              }).ok());
}

}  // namespace
}  // namespace sluice::lake
