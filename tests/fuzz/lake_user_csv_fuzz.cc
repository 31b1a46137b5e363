// Fuzzes the lake's user objects: any bytes are a user or a reject, never a crash; an accepted
// user has storable names and a birth time in range and survives output.csv; and the same bytes as
// an object name or a location URL are taken or refused without a crash.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "connectors/objstore/store_location.h"
#include "core/text_check.h"
#include "jobs/lake/lake_output.h"
#include "jobs/lake/user_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto user = sluice::lake::ParseUserCsv(42, bytes);
  if (user.ok()) {
    if (user->user_id != 42 || !user->img_path.empty()) std::abort();
    if (sluice::FindUnstorableByte(user->first_name) || sluice::FindUnstorableByte(user->last_name))
      std::abort();
    if (user->birth_ms < -62'135'596'800'000 || user->birth_ms > 253'402'300'799'999) std::abort();
    // What the build publishes reads back as the same user.
    auto back = sluice::lake::ParseOutputCsv(sluice::lake::OutputCsv({{*user}}));
    if (!back.ok() || back->size() != 1 || !((*back)[0] == *user)) std::abort();
  } else if (user.status().code() != sluice::StatusCode::kInvalidArgument) {
    std::abort();
  }
  if (auto id = sluice::lake::UserIdOf(bytes, ".csv"); id && *id < 0) std::abort();
  auto location = sluice::ParseStoreLocation(bytes);
  if (location.ok() && (location->path.empty() ? location->kind != sluice::StoreLocation::Kind::kS3
                                               : location->path.back() != '/')) {
    std::abort();
  }
  return 0;
}
