#include "jobs/lake/lake_seed.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "aws/aws_config.h"
#include "core/files.h"
#include "core/progress.h"
#include "jobs/lake/store_workers.h"

namespace sluice::lake {
namespace {

// The regular files below `root` (ending in '/'), as paths relative to it, in order.
Status ListFiles(const std::string& root, const std::string& relative,
                 std::vector<std::string>* files, uint64_t* total_bytes) {
  const std::string dir_path = root + relative;
  DIR* dir = opendir(dir_path.c_str());
  if (!dir) {
    const int error = errno;
    std::string message = fmt::format("the folder {}: {}", dir_path, std::strerror(error));
    return error == ENOENT || error == ENOTDIR ? NotFound(std::move(message))
                                               : IoError(std::move(message));
  }
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    struct stat st;
    const std::string path = relative + name;
    if (stat((root + path).c_str(), &st) != 0) continue;  // a dangling link
    if (S_ISDIR(st.st_mode)) {
      RETURN_IF_ERROR(ListFiles(root, path + "/", files, total_bytes));
    } else if (S_ISREG(st.st_mode)) {
      files->push_back(path);
      *total_bytes += static_cast<uint64_t>(st.st_size);
    }
  }
  return Status::Ok();
}

std::string ContentTypeOf(std::string_view key) {
  if (key.ends_with(".csv")) return "text/csv";
  if (key.ends_with(".png")) return "image/png";
  if (key.ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

// --delete mirrors a folder into a source prefix. Two slips would delete a lake: an empty folder
// (a typo, an unmounted volume) and the lake's root given for its source prefix (the output
// and manifest have no file in the folder). Both are refused before anything is uploaded.
Status CheckMirrorIsSafe(const ObjectStore& store, const std::string& root,
                         const std::vector<std::string>& files,
                         const std::vector<ObjectEntry>& listed) {
  if (files.empty() && !listed.empty()) {
    return UsageError(fmt::format(
        "--delete: the folder {} holds no files, so every one of the {} object(s) at {} would be "
        "deleted; refusing (delete them with your store's own tools if that is meant)",
        root, listed.size(), store.Url()));
  }
  for (const ObjectEntry& entry : listed) {
    const bool manifest = entry.key == "manifest.json" || entry.key.ends_with("/manifest.json");
    if (manifest && std::find(files.begin(), files.end(), entry.key) == files.end()) {
      return UsageError(fmt::format(
          "--delete: {} holds a lake's manifest ({}), so it is a lake's root, not its source "
          "prefix; --delete would remove the published output: seed into {} instead",
          store.Url(), entry.key, store.Url("source_data/")));
    }
  }
  return Status::Ok();
}

}  // namespace

ComponentSpec LakeSeedComponent() {
  ComponentSpec c{.name = "lake-seed", .kind = ComponentKind::kJob};
  c.summary = "Uploads a local folder into a lake location, skipping files already there";
  c.description =
      "Files go up a bounded number at a time, each with its own connection; a file whose bytes "
      "the location already holds (an S3 ETag equal to the file's MD5, or equal bytes in a "
      "directory) is skipped, so seeding twice uploads nothing the second time.";
  OptionSpec source_dir = TextOption("source-dir", "The local folder to upload");
  source_dir.positional = true;
  source_dir.required = true;
  OptionSpec location = TextOption(
      "location",
      "Where to: s3://bucket/prefix/ or file:///dir/ (default: s3://datalake/source_data/ when "
      "an S3 endpoint is configured, else ./lake/source_data/)");
  location.positional = true;
  location.example = "s3://datalake/source_data/";
  c.options = {
      source_dir,
      location,
      FlagOption("create-bucket", "Create the bucket (or directory) if it is missing"),
      FlagOption("delete",
                 "Then delete the objects at the location that the folder has no file for "
                 "(a mirror; only after every upload succeeded)"),
      IntOption("parallel", "Files uploaded at once", 16, 1, 256),
      AwsEndpointOption("s3-endpoint", "s3"),
      ChoiceOption("s3-addressing", "path or virtual (bucket in the host name)",
                   {"path", "virtual"}, "path"),
  };
  return c;
}

Result<SeedResult> SeedLake(ObjectStore& store, const SeedRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  std::string root = request.source_dir;
  if (root.empty()) return UsageError("the source folder is empty text");
  if (root.back() != '/') root += '/';
  std::vector<std::string> files;
  uint64_t total_bytes = 0;
  RETURN_IF_ERROR(ListFiles(root, "", &files, &total_bytes));
  ASSIGN_OR_RETURN(std::vector<ObjectEntry> listed, store.List(""));
  if (request.delete_extra) RETURN_IF_ERROR(CheckMirrorIsSafe(store, root, files, listed));
  std::map<std::string, ObjectEntry, std::less<>> there;
  for (ObjectEntry& entry : listed)
    there.emplace(entry.key, std::move(entry));

  SeedResult result;
  result.files = static_cast<int64_t>(files.size());
  std::mutex mutex;  // guards result and progress
  Progress progress("seeding " + store.Url(), total_bytes);
  uint64_t bytes_seen = 0;
  auto upload = [&](ObjectStore& own, size_t i) -> Status {
    const std::string& key = files[i];
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(root + key));
    auto found = there.find(key);
    if (found != there.end()) {
      ASSIGN_OR_RETURN(bool same, own.Holds(found->second, bytes));
      if (same) {
        std::lock_guard lock(mutex);
        ++result.skipped;
        bytes_seen += bytes.size();
        progress.Update(bytes_seen, static_cast<uint64_t>(result.uploaded + result.skipped));
        return Status::Ok();
      }
    }
    RETURN_IF_ERROR(own.Put(key, bytes, ContentTypeOf(key)).status());
    std::lock_guard lock(mutex);
    ++result.uploaded;
    result.bytes_uploaded += bytes.size();
    bytes_seen += bytes.size();
    progress.Update(bytes_seen, static_cast<uint64_t>(result.uploaded + result.skipped));
    return Status::Ok();
  };
  RETURN_IF_ERROR(ForEachObject(store, request.parallel, files.size(), upload));
  progress.Finish();
  if (request.delete_extra) {
    const std::set<std::string_view> local(files.begin(), files.end());
    std::vector<std::string_view> extra;
    for (const auto& [key, entry] : there) {
      if (!local.contains(key)) extra.push_back(key);
    }
    RETURN_IF_ERROR(
        ForEachObject(store, request.parallel, extra.size(),
                      [&](ObjectStore& own, size_t i) { return own.Delete(extra[i]); }));
    result.deleted = static_cast<int64_t>(extra.size());
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sluice::lake
