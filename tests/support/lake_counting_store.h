// An ObjectStore for lake tests that forwards to a real one (a directory, the local S3) and
// counts what is asked of it, and fails the calls a plan picks, as a store that breaks in the
// middle of a build would. Forks share the counts and the plan, so parallel downloads are seen.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "connectors/objstore/object_store.h"

namespace sluice::testing {

struct StorePlan {
  // Whether a Get (Put) of this key fails; with what.
  std::function<bool(std::string_view key)> fail_get = [](std::string_view) { return false; };
  std::function<bool(std::string_view key)> fail_put = [](std::string_view) { return false; };
  Status failure = Unavailable("the store failed on purpose");

  std::mutex mutex;
  std::map<std::string, int> gets;  // by key
  std::map<std::string, int> puts;
  int lists = 0;

  int TotalGets() {
    std::lock_guard lock(mutex);
    int n = 0;
    for (const auto& [key, count] : gets)
      n += count;
    return n;
  }
  void Reset() {
    std::lock_guard lock(mutex);
    gets.clear();
    puts.clear();
    lists = 0;
  }
};

class CountingStore : public ObjectStore {
 public:
  CountingStore(std::shared_ptr<StorePlan> plan, std::unique_ptr<ObjectStore> real)
      : plan_(std::move(plan)), real_(std::move(real)) {}

  std::string Url(std::string_view key = "") const override { return real_->Url(key); }
  Result<std::vector<ObjectEntry>> List(std::string_view prefix) override {
    {
      std::lock_guard lock(plan_->mutex);
      ++plan_->lists;
    }
    return real_->List(prefix);
  }
  Result<std::string> Get(std::string_view key) override {
    {
      std::lock_guard lock(plan_->mutex);
      ++plan_->gets[std::string(key)];
      if (plan_->fail_get(key)) return plan_->failure.WithContext(real_->Url(key));
    }
    return real_->Get(key);
  }
  Result<std::string> Put(std::string_view key, std::string_view bytes,
                          std::string_view content_type) override {
    {
      std::lock_guard lock(plan_->mutex);
      ++plan_->puts[std::string(key)];
      if (plan_->fail_put(key)) return plan_->failure.WithContext(real_->Url(key));
    }
    return real_->Put(key, bytes, content_type);
  }
  Result<std::optional<ObjectEntry>> Stat(std::string_view key) override {
    return real_->Stat(key);
  }
  Status Delete(std::string_view key) override { return real_->Delete(key); }
  Result<bool> Holds(const ObjectEntry& listed, std::string_view bytes) override {
    return real_->Holds(listed, bytes);
  }
  Status CreateRoot() override { return real_->CreateRoot(); }
  std::unique_ptr<ObjectStore> Fork() const override {
    std::unique_ptr<ObjectStore> real = real_->Fork();
    if (!real) return nullptr;
    return std::make_unique<CountingStore>(plan_, std::move(real));
  }

 private:
  std::shared_ptr<StorePlan> plan_;
  std::unique_ptr<ObjectStore> real_;
};

}  // namespace sluice::testing
