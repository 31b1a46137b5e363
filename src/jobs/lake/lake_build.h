// `lake build` (SPEC §4): aggregates the users of a lake's source prefix into its output
// (processed_data/output.csv) and returns them as a snapshot for serving, reading again only
// the objects whose ETag changed since the last build (lake_manifest.h), so that a rebuild
// costs a listing plus the change, not the size of the lake.
//
// In order:
//   1. List the source prefix (every page) and read the manifest beside the output; a missing
//      or unreadable manifest makes this a cold build.
//   2. Sort the listing: `<id>.csv` objects directly under the prefix are users, `<id>.png`
//      their images (img_path is the image's key from the store's root, `source_data/1000.png`;
//      images are matched by the listing alone, never downloaded); any other `.csv` name (in
//      any case) is a reject, as is a CSV over 1 MiB (not downloaded); anything else (other
//      files, subfolders) is ignored.
//   3. Download, `parallel` at a time (each thread with its own store, ObjectStore::Fork), the
//      CSVs whose key is new or whose ETag differs from the manifest's, and parse them
//      (user_csv.h); the rest come from the manifest. A CSV that disappeared between the
//      listing and its download is taken as removed.
//   4. Publish, each atomically (ObjectStore::Put): the output first, then the manifest, which
//      records the output's ETag. Nothing is written when nothing changed and the output is
//      still the one the manifest recorded.
//
// A build that fails (the store unreachable, a download refused) writes nothing: the previous
// output and manifest stay. If the process dies, or the manifest's write fails, after the output
// was written, the output is newer than the manifest: the next build reads the changed objects
// again (their ETags still differ from the manifest's) and rewrites both, and one whose source
// did not change finds the output's ETag differs from the manifest's and rewrites the output.
// Two builders racing on one lake each publish a whole output from one listing, never a mix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connectors/objstore/object_store.h"
#include "jobs/lake/lake_snapshot.h"
#include "pipeline/component_registry.h"

namespace sluice::lake {

// The `lake-build` job's options (docs/components/lake-build.md): location (positional),
// source, output, parallel, s3-endpoint, s3-addressing.
ComponentSpec LakeBuildComponent();

struct BuildRequest {
  std::string source_prefix = "source_data/";  // from the store's root; ends in '/'
  std::string output_key = "processed_data/output.csv";
  int parallel = 16;  // downloads in flight
};

// Checks a request's prefixes and bound before any work: kUsage naming the flag. The source and
// output go through CheckLakeSource and CheckLakeOutput, the options' own checks, so validate
// refuses a pipeline file's values with the words run uses.
Status ValidateBuildRequest(const BuildRequest& request);

// The `location` option's rule: a URL ParseStoreLocation takes (s3://bucket/prefix/ with a
// valid bucket name, or file:///absolute/dir/). kUsage saying why.
Status CheckLakeLocation(std::string_view value);
// The `source` option's rule: a relative prefix ending in '/', without empty, '.' or '..' parts.
Status CheckLakeSource(std::string_view source);
// The `output` option's rule: a relative object key (no trailing '/'), without empty, '.' or
// '..' parts.
Status CheckLakeOutput(std::string_view output);

struct BuildReject {
  std::string key;     // from the store's root
  std::string reason;  // never quotes a value (user_csv.h)
  bool fresh = false;  // rejected by this build's download, not carried over from the manifest
  // The user this object held at the last build, now out of the output (and counted as removed):
  // a CSV that was valid and broke. nullopt when the object was new or already a reject.
  std::optional<int64_t> dropped_user = std::nullopt;
};

struct BuildResult {
  int64_t users = 0;  // in the output
  int64_t added = 0, updated = 0, removed = 0;
  // Every object of the source that is rejected now, fresh or carried over, ordered by key.
  std::vector<BuildReject> rejected;
  int64_t objects_listed = 0;
  int64_t objects_fetched = 0;
  uint64_t bytes_fetched = 0;
  double listing_seconds = 0;  // the source listing and the manifest's read
  double fetching_seconds = 0;
  double total_seconds = 0;
  bool cold = false;            // no usable manifest: everything was read
  bool output_written = false;  // false when nothing changed
  std::string output_etag;
  // The users now, for serving (info: built_at_ms, output_etag, rejected).
  SnapshotPtr snapshot;
};

// The users of the output a build published, as a snapshot whose info has the output's ETag
// (and its manifest's build time and rejects, when the manifest matches it): what a serving
// replica that does not build loads, and loads again when the output's ETag changes.
// kNotFound when nothing is published yet; kInvalidArgument naming the object for an output
// that does not parse.
Result<SnapshotPtr> LoadPublished(ObjectStore& store, const BuildRequest& request);

// Builds the lake whose root `store` is at. Errors name the object and keep the store's code
// (kNotFound for a missing bucket or root, kPermissionDenied, kUnavailable, ...).
Result<BuildResult> BuildLake(ObjectStore& store, const BuildRequest& request);

}  // namespace sluice::lake
