#include "jobs/lake/lake_manifest.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>

#include "core/json_writer.h"
#include "jobs/lake/user_csv.h"

namespace sluice::lake {
namespace {

Result<std::string> StringField(simdjson::dom::object object, std::string_view name) {
  std::string_view value;
  if (object[name].get_string().get(value)) {
    return InvalidArgument(fmt::format("\"{}\" is missing or not a string", name));
  }
  return std::string(value);
}

Result<int64_t> IntField(simdjson::dom::object object, std::string_view name) {
  int64_t value = 0;
  if (object[name].get_int64().get(value)) {
    return InvalidArgument(fmt::format("\"{}\" is missing or not a whole number", name));
  }
  return value;
}

}  // namespace

const ManifestObject* LakeManifest::Find(std::string_view key) const {
  auto it = std::lower_bound(objects.begin(), objects.end(), key,
                             [](const ManifestObject& o, std::string_view k) { return o.key < k; });
  return it != objects.end() && it->key == key ? &*it : nullptr;
}

std::string ManifestKeyFor(std::string_view output_key) {
  const size_t slash = output_key.rfind('/');
  return std::string(slash == std::string_view::npos ? "" : output_key.substr(0, slash + 1)) +
         "manifest.json";
}

std::string ManifestJson(const LakeManifest& manifest) {
  JsonWriter json;
  json.BeginObject()
      .Key("version")
      .Int(LakeManifest::kVersion)
      .Key("source")
      .String(manifest.source_prefix)
      .Key("output")
      .String(manifest.output_key)
      .Key("output_etag")
      .String(manifest.output_etag)
      .Key("built_at_ms")
      .Int(manifest.built_at_ms)
      .Key("users")
      .Int(manifest.users)
      .Key("rejected")
      .Int(manifest.rejected)
      .Key("objects")
      .BeginArray();
  for (const ManifestObject& object : manifest.objects) {
    json.BeginObject().Key("key").String(object.key).Key("etag").String(object.etag);
    if (object.user) {
      json.Key("user")
          .BeginObject()
          .Key("first_name")
          .String(object.user->first_name)
          .Key("last_name")
          .String(object.user->last_name)
          .Key("birthts")
          .Int(object.user->birth_ms)
          .Key("img_path")
          .String(object.user->img_path)
          .EndObject();
    } else {
      json.Key("reject").String(object.reject);
    }
    json.EndObject();
  }
  json.EndArray().EndObject();
  std::string text = json.Take();
  text.push_back('\n');
  return text;
}

Result<LakeManifest> ParseManifest(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(text.data(), text.size()).get(root)) {
    return InvalidArgument(fmt::format("not JSON: {}", simdjson::error_message(error)));
  }
  simdjson::dom::object top;
  if (root.get_object().get(top)) return InvalidArgument("not a JSON object");
  ASSIGN_OR_RETURN(const int64_t version, IntField(top, "version"));
  if (version != LakeManifest::kVersion) {
    return InvalidArgument(fmt::format("version {} is not {}", version, LakeManifest::kVersion));
  }
  LakeManifest manifest;
  ASSIGN_OR_RETURN(manifest.source_prefix, StringField(top, "source"));
  ASSIGN_OR_RETURN(manifest.output_key, StringField(top, "output"));
  ASSIGN_OR_RETURN(manifest.output_etag, StringField(top, "output_etag"));
  ASSIGN_OR_RETURN(manifest.built_at_ms, IntField(top, "built_at_ms"));
  ASSIGN_OR_RETURN(manifest.users, IntField(top, "users"));
  ASSIGN_OR_RETURN(manifest.rejected, IntField(top, "rejected"));
  simdjson::dom::array objects;
  if (top["objects"].get_array().get(objects)) {
    return InvalidArgument("\"objects\" is missing or not an array");
  }
  // One allocation for a lake's million entries, not a doubling vector's copies of them.
  manifest.objects.reserve(objects.size());
  for (simdjson::dom::element element : objects) {
    simdjson::dom::object object;
    if (element.get_object().get(object))
      return InvalidArgument("an object entry is not an object");
    ManifestObject entry;
    ASSIGN_OR_RETURN(entry.key, StringField(object, "key"));
    ASSIGN_OR_RETURN(entry.etag, StringField(object, "etag"));
    simdjson::dom::object user;
    if (!object["user"].get_object().get(user)) {
      LakeUser parsed;
      const std::optional<int64_t> id =
          entry.key.starts_with(manifest.source_prefix)
              ? UserIdOf(std::string_view(entry.key).substr(manifest.source_prefix.size()), ".csv")
              : std::nullopt;
      if (!id) return InvalidArgument("a user's key is not <source><user_id>.csv");
      parsed.user_id = *id;
      ASSIGN_OR_RETURN(parsed.first_name, StringField(user, "first_name"));
      ASSIGN_OR_RETURN(parsed.last_name, StringField(user, "last_name"));
      ASSIGN_OR_RETURN(parsed.birth_ms, IntField(user, "birthts"));
      ASSIGN_OR_RETURN(parsed.img_path, StringField(user, "img_path"));
      entry.user = std::move(parsed);
    } else {
      ASSIGN_OR_RETURN(entry.reject, StringField(object, "reject"));
    }
    manifest.objects.push_back(std::move(entry));
  }
  // Written in key order, but a key that is not UTF-8 is written escaped, which can move it.
  auto by_key = [](const ManifestObject& a, const ManifestObject& b) { return a.key < b.key; };
  if (!std::is_sorted(manifest.objects.begin(), manifest.objects.end(), by_key)) {
    std::sort(manifest.objects.begin(), manifest.objects.end(), by_key);
  }
  for (size_t i = 1; i < manifest.objects.size(); ++i) {
    if (manifest.objects[i - 1].key == manifest.objects[i].key) {
      return InvalidArgument("an object is listed twice");
    }
  }
  return manifest;
}

}  // namespace sluice::lake
