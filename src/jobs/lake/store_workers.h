// Work over many objects of one store, a bounded number at a time: each thread has its own
// store (ObjectStore::Fork, so its own S3 connection), and the first failure stops the rest.
#pragma once

#include <cstddef>
#include <functional>

#include "connectors/objstore/object_store.h"

namespace sluice::lake {

// Calls `work(store, i)` for every i in [0, n), on up to `parallel` threads (the caller's
// among them, using `store`; the others each on a fork of it; fewer when the store cannot
// fork). Once a call fails, no new call starts; the first failure is returned.
Status ForEachObject(ObjectStore& store, int parallel, size_t n,
                     const std::function<Status(ObjectStore& own, size_t i)>& work);

}  // namespace sluice::lake
