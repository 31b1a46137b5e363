#include "jobs/lake/lake_build.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "aws/aws_config.h"
#include "connectors/objstore/store_location.h"
#include "core/log.h"
#include "core/progress.h"
#include "jobs/lake/lake_manifest.h"
#include "jobs/lake/lake_output.h"
#include "jobs/lake/store_workers.h"
#include "jobs/lake/user_csv.h"

namespace sluice::lake {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kMaxUserObjectBytes = uint64_t{1} << 20;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether a name ends in ".csv" in any case: "1000.CSV" is a user's file named wrongly, a reject
// that says so, not an unrelated object to pass over in silence.
bool EndsWithCsv(std::string_view name) {
  if (name.size() < 4) return false;
  std::string_view tail = name.substr(name.size() - 4);
  return tail[0] == '.' && (tail[1] | 0x20) == 'c' && (tail[2] | 0x20) == 's' &&
         (tail[3] | 0x20) == 'v';
}

// Whether a '/'-separated path has a '.', '..' or empty part (a trailing '/' aside): such a key
// would leave the location in a directory, and means another object than it says on S3.
bool HasDotOrEmptySegment(std::string_view path) {
  if (path.ends_with('/')) path.remove_suffix(1);
  for (;;) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return true;
    if (slash == std::string_view::npos) return false;
    path.remove_prefix(slash + 1);
  }
}

// A CSV to read: where it is in the new manifest, and what reading it gave.
struct Fetch {
  size_t object = 0;  // index into the new manifest's objects
  bool gone = false;  // deleted between the listing and the download
  uint64_t bytes = 0;
};

// The previous manifest, or an empty one (a cold build) when there is none usable.
Result<std::optional<LakeManifest>> ReadManifest(ObjectStore& store, const BuildRequest& request) {
  const std::string key = ManifestKeyFor(request.output_key);
  Result<std::string> bytes = store.Get(key);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::optional<LakeManifest>();
    return bytes.status();
  }
  Result<LakeManifest> manifest = ParseManifest(*bytes);
  if (!manifest.ok()) {
    LogWarn("{}: not a usable manifest ({}); reading every object", store.Url(key),
            manifest.status().message());
    return std::optional<LakeManifest>();
  }
  if (manifest->source_prefix != request.source_prefix ||
      manifest->output_key != request.output_key) {
    LogInfo("{}: made for source {} and output {}; reading every object", store.Url(key),
            manifest->source_prefix, manifest->output_key);
    return std::optional<LakeManifest>();
  }
  return std::optional<LakeManifest>(std::move(*manifest));
}

// Downloads and parses `fetches` into `objects`, `parallel` at a time. The first failure stops
// the rest and is returned.
Status FetchAll(ObjectStore& store, int parallel, std::vector<Fetch>& fetches,
                std::vector<ManifestObject>& objects, size_t prefix_size) {
  if (fetches.empty()) return Status::Ok();
  Progress progress("fetching " + store.Url(objects[fetches[0].object].key.substr(0, prefix_size)),
                    0);
  std::mutex progress_mutex;
  uint64_t fetched = 0, fetched_bytes = 0;
  Status status = ForEachObject(store, parallel, fetches.size(), [&](ObjectStore& own, size_t i) {
    Fetch& fetch = fetches[i];
    ManifestObject& object = objects[fetch.object];
    Result<std::string> bytes = own.Get(object.key);
    if (!bytes.ok()) {
      if (bytes.status().code() != StatusCode::kNotFound) return bytes.status();
      fetch.gone = true;
      return Status::Ok();
    }
    fetch.bytes = bytes->size();
    const int64_t id = *UserIdOf(std::string_view(object.key).substr(prefix_size), ".csv");
    Result<LakeUser> user = ParseUserCsv(id, *bytes);
    if (user.ok()) {
      object.user = std::move(*user);
    } else {
      object.reject = user.status().message();
    }
    std::lock_guard lock(progress_mutex);
    fetched_bytes += fetch.bytes;
    progress.Update(fetched_bytes, ++fetched);
    return Status::Ok();
  });
  progress.Finish();
  return status;
}

}  // namespace

ComponentSpec LakeBuildComponent() {
  ComponentSpec c{.name = "lake-build", .kind = ComponentKind::kJob};
  c.summary = "Aggregates a lake's user CSVs into output.csv, reading only what changed";
  c.description =
      "Lists the source prefix, downloads only the CSV objects whose ETag differs from the "
      "manifest kept beside the output, matches <user_id>.png images from the listing, and "
      "publishes output.csv and then the manifest, each atomically. Broken objects are rejects "
      "named with their key and reason.";
  OptionSpec location = TextOption(
      "location",
      "The lake: s3://bucket/prefix/ or file:///dir/ (default: s3://datalake/ when an S3 "
      "endpoint is configured, else ./lake)");
  location.positional = true;
  location.example = "s3://datalake/";
  location.check = CheckLakeLocation;
  location.check_rule = "s3://bucket/prefix/ or file:///absolute/dir/";
  OptionSpec source = TextOption(
      "source", "Source prefix below the location: one <user_id>.csv per user", "source_data/");
  source.check = CheckLakeSource;
  source.check_rule = "a relative prefix ending in '/', without '.' or '..' parts";
  OptionSpec output =
      TextOption("output", "Output object below the location; manifest.json goes beside it",
                 "processed_data/output.csv");
  output.check = CheckLakeOutput;
  output.check_rule = "a relative object key, without '.' or '..' parts";
  c.options = {
      location,
      source,
      output,
      IntOption("parallel", "Objects downloaded at once", 16, 1, 256),
      AwsEndpointOption("s3-endpoint", "s3"),
      ChoiceOption("s3-addressing", "path or virtual (bucket in the host name)",
                   {"path", "virtual"}, "path"),
  };
  return c;
}

Status CheckLakeLocation(std::string_view value) {
  // ParseStoreLocation reads no file and contacts nothing: its rule is the value's shape alone.
  return ParseStoreLocation(value).status();
}

Status CheckLakeSource(std::string_view source) {
  if (source.empty() || source.back() != '/' || source.front() == '/') {
    return UsageError("is not a prefix below the location ending in '/' (source_data/)");
  }
  if (HasDotOrEmptySegment(source)) {
    return UsageError("is not a path below the location: it has an empty, '.' or '..' part");
  }
  return Status::Ok();
}

Status CheckLakeOutput(std::string_view output) {
  if (output.empty() || output.back() == '/' || output.front() == '/') {
    return UsageError("is not an object below the location (processed_data/output.csv)");
  }
  if (HasDotOrEmptySegment(output)) {
    return UsageError("is not a path below the location: it has an empty, '.' or '..' part");
  }
  return Status::Ok();
}

Status ValidateBuildRequest(const BuildRequest& request) {
  const std::string& source = request.source_prefix;
  const std::string& output = request.output_key;
  RETURN_IF_ERROR_CTX(CheckLakeSource(source), fmt::format("--source '{}'", source));
  RETURN_IF_ERROR_CTX(CheckLakeOutput(output), fmt::format("--output '{}'", output));
  if (output.starts_with(source) || ManifestKeyFor(output).starts_with(source)) {
    return UsageError(fmt::format(
        "--output '{}': the output and its manifest must lie outside the source prefix {}", output,
        source));
  }
  if (request.parallel < 1) return UsageError("--parallel: at least 1");
  return Status::Ok();
}

Result<SnapshotPtr> LoadPublished(ObjectStore& store, const BuildRequest& request) {
  RETURN_IF_ERROR(ValidateBuildRequest(request));
  // The ETag first: an output replaced between the two reads is then loaded again next time.
  ASSIGN_OR_RETURN(std::optional<ObjectEntry> entry, store.Stat(request.output_key));
  if (!entry)
    return NotFound(fmt::format("{}: no output published yet", store.Url(request.output_key)));
  ASSIGN_OR_RETURN(std::string bytes, store.Get(request.output_key));
  Result<std::vector<LakeUser>> users = ParseOutputCsv(bytes);
  if (!users.ok()) return users.status().WithContext(store.Url(request.output_key));
  SnapshotInfo info{.output_etag = entry->etag};
  Result<std::string> manifest_bytes = store.Get(ManifestKeyFor(request.output_key));
  if (manifest_bytes.ok()) {
    if (Result<LakeManifest> manifest = ParseManifest(*manifest_bytes);
        manifest.ok() && manifest->output_etag == entry->etag) {
      info.built_at_ms = manifest->built_at_ms;
      info.rejected = manifest->rejected;
    }
  }
  return LakeSnapshot::Make(std::move(*users), std::move(info));
}

Result<BuildResult> BuildLake(ObjectStore& store, const BuildRequest& request) {
  RETURN_IF_ERROR(ValidateBuildRequest(request));
  const Clock::time_point start = Clock::now();
  BuildResult result;
  const std::string& prefix = request.source_prefix;

  // 1. The listing and what the last build left.
  // The manifest first: its parse is the build's largest transient memory, best spent before
  // the listing exists rather than beside it. Either order is correct, since each object is
  // matched to the manifest by its own ETag.
  ASSIGN_OR_RETURN(std::optional<LakeManifest> previous, ReadManifest(store, request));
  ASSIGN_OR_RETURN(std::vector<ObjectEntry> listing, store.List(prefix));
  std::optional<ObjectEntry> output_now;
  if (previous) {
    ASSIGN_OR_RETURN(output_now, store.Stat(request.output_key));
  }
  result.cold = !previous;
  result.objects_listed = static_cast<int64_t>(listing.size());
  result.listing_seconds = SecondsSince(start);
  if (listing.empty()) {
    // Most often the wrong prefix, or a seed into the location's root instead of its source.
    LogWarn(
        "{}: no objects there, so the lake has no users (`sluice lake seed DIR {}` puts "
        "<user_id>.csv files there; --source names another prefix)",
        store.Url(prefix), store.Url(prefix));
  }

  // 2. Users, images, and what needs reading.
  std::map<int64_t, std::string> images;
  LakeManifest next;
  next.source_prefix = prefix;
  next.output_key = request.output_key;
  std::vector<Fetch> fetches;
  // One allocation for the entries, not a doubling vector's copies of a million of them.
  next.objects.reserve(static_cast<size_t>(
      std::count_if(listing.begin(), listing.end(),
                    [](const ObjectEntry& entry) { return EndsWithCsv(entry.key); })));
  for (ObjectEntry& entry : listing) {
    const std::string_view name = std::string_view(entry.key).substr(prefix.size());
    if (name.find('/') != std::string_view::npos) continue;  // a subfolder: not a user
    if (std::optional<int64_t> id = UserIdOf(name, ".png")) {
      images.emplace(*id, std::move(entry.key));
      continue;
    }
    if (!EndsWithCsv(name)) continue;
    const bool named_as_user = UserIdOf(name, ".csv").has_value();
    const ManifestObject* known = previous ? previous->Find(entry.key) : nullptr;
    ManifestObject object{.key = std::move(entry.key), .etag = std::move(entry.etag)};
    if (!named_as_user) {
      object.reject =
          "the object's name is not <user_id>.csv (a whole number, no leading zeros, a lower-case "
          ".csv)";
    } else if (entry.size > kMaxUserObjectBytes) {
      // Not downloaded: one user's header and row never come near this.
      object.reject = fmt::format("the object is {} bytes; a user's CSV is at most {}", entry.size,
                                  kMaxUserObjectBytes);
    } else if (known && known->etag == object.etag) {
      object = *known;
    } else {
      fetches.push_back({.object = next.objects.size()});
    }
    next.objects.push_back(std::move(object));
  }
  // A large lake's listing is the build's biggest single piece (two entries a user); what is
  // left of it is not needed again.
  std::vector<ObjectEntry>().swap(listing);

  // 3. Read what changed.
  const Clock::time_point fetch_start = Clock::now();
  RETURN_IF_ERROR(FetchAll(store, request.parallel, fetches, next.objects, prefix.size()));
  result.fetching_seconds = SecondsSince(fetch_start);
  std::vector<bool> gone(next.objects.size(), false);
  std::vector<bool> fresh(next.objects.size(), false);
  for (const Fetch& fetch : fetches) {
    gone[fetch.object] = fetch.gone;
    fresh[fetch.object] = true;
    if (!fetch.gone) {
      ++result.objects_fetched;
      result.bytes_fetched += fetch.bytes;
    }
  }
  {
    // Compacted in place: the objects that disappeared are dropped without a second vector.
    size_t kept = 0;
    for (size_t i = 0; i < next.objects.size(); ++i) {
      ManifestObject& object = next.objects[i];
      if (gone[i]) continue;
      if (object.user) {
        auto image = images.find(object.user->user_id);
        object.user->img_path = image == images.end() ? "" : image->second;
      } else {
        const ManifestObject* known = previous ? previous->Find(object.key) : nullptr;
        const bool was_rejected = known && !known->user && known->reject == object.reject;
        BuildReject reject{
            .key = object.key, .reason = object.reject, .fresh = fresh[i] || !was_rejected};
        if (known && known->user) reject.dropped_user = known->user->user_id;
        result.rejected.push_back(std::move(reject));
      }
      if (kept != i) next.objects[kept] = std::move(object);
      ++kept;
    }
    next.objects.resize(kept);
  }

  // What changed, user by user.
  std::vector<LakeUser> users;
  users.reserve(next.objects.size());
  for (const ManifestObject& object : next.objects) {
    if (object.user) users.push_back(*object.user);
  }
  std::sort(users.begin(), users.end(),
            [](const LakeUser& a, const LakeUser& b) { return a.user_id < b.user_id; });
  {
    std::map<int64_t, const LakeUser*> before;
    if (previous) {
      for (const ManifestObject& object : previous->objects) {
        if (object.user) before.emplace(object.user->user_id, &*object.user);
      }
    }
    for (const LakeUser& user : users) {
      auto it = before.find(user.user_id);
      if (it == before.end()) {
        ++result.added;
      } else {
        if (!(*it->second == user)) ++result.updated;
        before.erase(it);
      }
    }
    result.removed = static_cast<int64_t>(before.size());
  }
  result.users = static_cast<int64_t>(users.size());

  // What publishing needs of the last build, so that its manifest is freed before the output
  // and the new manifest are written out as text.
  const bool rows_same =
      previous && result.added == 0 && result.updated == 0 && result.removed == 0;
  const bool output_as_recorded =
      previous && output_now && output_now->etag == previous->output_etag;
  // Compared only when the output stays: a build that writes the output writes the manifest
  // anyway, and a million entries are not compared for nothing.
  const bool objects_same = rows_same && output_as_recorded && previous->objects == next.objects;
  const std::string previous_output_etag = previous ? previous->output_etag : "";
  previous.reset();

  // 4. Publish: the output, then the manifest that records it.
  next.built_at_ms = NowUnixMs();
  next.users = result.users;
  next.rejected = static_cast<int64_t>(result.rejected.size());
  if (rows_same && output_as_recorded) {
    next.output_etag = previous_output_etag;
  } else {
    ASSIGN_OR_RETURN(next.output_etag,
                     store.Put(request.output_key, OutputCsv(users), "text/csv; charset=utf-8"));
    result.output_written = true;
  }
  if (result.output_written || !objects_same) {
    Status written =
        store.Put(ManifestKeyFor(request.output_key), ManifestJson(next), "application/json")
            .status();
    if (!written.ok()) {
      // The next build still comes out right: see "If the process dies" in lake_build.h.
      return result.output_written
                 ? written.WithContext("the output is published but its manifest is not")
                 : written;
    }
  }
  result.output_etag = next.output_etag;
  result.snapshot = LakeSnapshot::Make(std::move(users), {.built_at_ms = next.built_at_ms,
                                                          .output_etag = next.output_etag,
                                                          .rejected = next.rejected});
  result.total_seconds = SecondsSince(start);
  return result;
}

}  // namespace sluice::lake
