// Where a lake lives, as a URL: `s3://bucket/prefix/` (an S3 bucket and a key prefix) or
// `file:///absolute/dir/` (a local directory). A location names a folder: a trailing '/' is
// added when it is missing, so `s3://datalake/source_data` and `s3://datalake/source_data/` are
// the same. Parsed with libcurl's URL API (percent-decoding as RFC 3986).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "connectors/objstore/object_store.h"
#include "core/status.h"

namespace sluice {

struct StoreLocation {
  enum class Kind { kS3, kLocal };
  Kind kind = Kind::kS3;
  std::string bucket = {};  // kS3
  // kS3: the key prefix ("" for the whole bucket, else ending in '/'). kLocal: the absolute
  // directory, ending in '/'.
  std::string path = {};

  // The canonical URL: "s3://bucket/prefix/", "file:///dir/".
  std::string Url() const;
  // The location `relative` (a folder, "source_data/") below this one.
  StoreLocation Below(std::string_view relative) const;
};

// Parses a location URL. A kUsage error, naming the URL with any userinfo left out, for: a
// scheme other than s3 or file; userinfo, a port, a query or a fragment; an empty or invalid
// bucket name (core/names.h); a file URL with a host other than localhost or a relative path;
// a path with "." or ".." segments or a NUL.
Result<StoreLocation> ParseStoreLocation(std::string_view url);

// The location lake commands use when none is given: `s3://datalake/` (SPEC §4's bucket) when
// an S3 endpoint is configured (`s3_endpoint_flag`, else AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL), else the local directory `lake/` under the working directory, so that a
// laptop with nothing installed keeps its lake where it ran the command.
Result<StoreLocation> DefaultLakeLocation(const std::string& s3_endpoint_flag);

// A store at `location`. S3 stores reach the endpoint `s3_endpoint_flag` (else the AWS
// environment, aws/aws_config.h) with `addressing` "path" or "virtual"; local stores need
// neither. Nothing is contacted yet.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const StoreLocation& location,
                                                     const std::string& s3_endpoint_flag,
                                                     const std::string& addressing = "path");

}  // namespace sluice
