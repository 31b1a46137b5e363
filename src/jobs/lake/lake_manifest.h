// The manifest `lake build` keeps beside its output (processed_data/manifest.json): what each
// source CSV object was when last read (its ETag, and the user parsed from it or why it was
// rejected), and what the build published (the output's key and ETag, when, how many). The
// next build reads again only the objects whose ETag differs, and rebuilds the output from the
// manifest and those.
//
// It is a cache of work done, never the truth: a manifest that is missing, unreadable, of
// another version or of another source prefix is ignored, and that build reads everything.
//
//   {"version":1,"source":"source_data/","output":"processed_data/output.csv",
//    "output_etag":"...","built_at_ms":1764547200000,"users":99,"rejected":1,
//    "objects":[{"key":"source_data/1000.csv","etag":"...","user":{"first_name":"...",
//                "last_name":"...","birthts":612302400000,"img_path":"source_data/1000.png"}},
//               {"key":"source_data/1100.csv","etag":"...","reject":"no data row ..."}]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "jobs/lake/lake_snapshot.h"

namespace sluice::lake {

struct ManifestObject {
  std::string key;   // the CSV's key from the store's root
  std::string etag;  // as listed when it was read
  // The user it held (img_path as of that build), or nullopt when it was rejected.
  std::optional<LakeUser> user = {};
  std::string reject = {};  // the reason, when `user` is nullopt

  bool operator==(const ManifestObject&) const = default;
};

struct LakeManifest {
  static constexpr int kVersion = 1;
  std::string source_prefix;
  std::string output_key;
  std::string output_etag;  // of the output.csv this build published
  int64_t built_at_ms = 0;
  int64_t users = 0;
  int64_t rejected = 0;
  std::vector<ManifestObject> objects;  // ordered by key

  // The object of `key`, or nullptr.
  const ManifestObject* Find(std::string_view key) const;
};

// manifest.json in the output's folder: "processed_data/manifest.json" for
// "processed_data/output.csv".
std::string ManifestKeyFor(std::string_view output_key);

std::string ManifestJson(const LakeManifest& manifest);

// kInvalidArgument, saying why, for anything that is not a manifest of this version.
Result<LakeManifest> ParseManifest(std::string_view json);

}  // namespace sluice::lake
