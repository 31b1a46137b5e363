// `lake seed`: uploads a local folder into a lake location (SPEC §4: loading the source files
// into the bucket is a command of the tool), a bounded number of files at a time, skipping
// files whose bytes the location already holds (ObjectStore::Holds: for S3, the listed ETag
// against the file's MD5), so a second seed of the same folder uploads nothing.
#pragma once

#include <cstdint>
#include <string>

#include "connectors/objstore/object_store.h"
#include "pipeline/component_registry.h"

namespace sluice::lake {

// The `lake-seed` job's options (docs/components/lake-seed.md): source-dir and location
// (positional), create-bucket, delete, parallel, s3-endpoint, s3-addressing.
ComponentSpec LakeSeedComponent();

struct SeedRequest {
  std::string source_dir;  // a local folder; its files' paths below it become the keys
  int parallel = 16;       // uploads in flight
  // Make the location a mirror of the folder: once every upload succeeded, delete the objects
  // below the location that the folder has no file for (so a user removed locally leaves the
  // lake). Never done after a failed upload.
  bool delete_extra = false;
};

struct SeedResult {
  int64_t files = 0;
  int64_t uploaded = 0;
  int64_t skipped = 0;  // already there, byte for byte
  int64_t deleted = 0;  // with delete_extra: objects the folder has no file for
  uint64_t bytes_uploaded = 0;
  double seconds = 0;
};

// Uploads every regular file below `request.source_dir` (subfolders become key prefixes; names
// starting with '.' are left out) to `store` (a location's root). A folder that cannot be read
// is kNotFound or kIo naming it; a store error keeps its code and names the object.
Result<SeedResult> SeedLake(ObjectStore& store, const SeedRequest& request);

}  // namespace sluice::lake
