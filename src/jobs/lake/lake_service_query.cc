#include "jobs/lake/lake_service_query.h"

#include <fmt/format.h>

#include <charconv>

namespace sluice::lake {
namespace {

using http::HttpError;

constexpr int64_t kMaxAge = 9999;
constexpr int64_t kMaxLimit = 10'000'000;

// A whole number in [min, max] written with digits only (no sign, no spaces, no "1e3"); the
// error names the parameter and the rule, never the value given.
std::optional<HttpError> WholeNumber(const http::QueryParams& params, std::string_view name,
                                     int64_t min, int64_t max, std::optional<int64_t>* out) {
  std::optional<std::string> text = params.Get(name);
  if (!text) return std::nullopt;
  auto refuse = [&] {
    return HttpError{400, fmt::format("{}: expected a whole number from {} to {}", name, min, max),
                     std::string(name)};
  };
  if (text->empty() || text->size() > 19) return refuse();
  if (text->front() == '-') {
    return HttpError{400, fmt::format("{}: may not be negative", name), std::string(name)};
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    return refuse();
  }
  *out = value;
  return std::nullopt;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<HttpError> ParseLakeQuery(std::string_view query, QueryKind kind, LakeQuery* out) {
  http::QueryParams params;
  if (auto error = http::QueryParams::Parse(query, &params)) return error;
  auto unknown =
      kind == QueryKind::kData
          ? params.RejectUnknown({"is_image_exists", "min_age", "max_age", "limit", "after"})
          : params.RejectUnknown({"is_image_exists", "min_age", "max_age"});
  if (unknown) return unknown;

  *out = LakeQuery{};
  if (std::optional<std::string> image = params.Get("is_image_exists")) {
    if (EqualsIgnoringCase(*image, "true")) {
      out->filter.has_image = true;
    } else if (EqualsIgnoringCase(*image, "false")) {
      out->filter.has_image = false;
    } else {
      return HttpError{400, "is_image_exists: expected true or false (any case)",
                       "is_image_exists"};
    }
  }
  std::optional<int64_t> min_age, max_age, limit, after;
  if (auto e = WholeNumber(params, "min_age", 0, kMaxAge, &min_age)) return e;
  if (auto e = WholeNumber(params, "max_age", 0, kMaxAge, &max_age)) return e;
  if (min_age && max_age && *min_age > *max_age) {
    return HttpError{400, "min_age: is greater than max_age, so nobody could match", "min_age"};
  }
  if (min_age) out->filter.min_age = static_cast<int>(*min_age);
  if (max_age) out->filter.max_age = static_cast<int>(*max_age);
  if (auto e = WholeNumber(params, "limit", 1, kMaxLimit, &limit)) return e;
  if (auto e = WholeNumber(params, "after", 0, INT64_MAX, &after)) return e;
  if (limit) out->limit = static_cast<size_t>(*limit);
  out->after = after;
  return std::nullopt;
}

std::string NextPageQuery(const LakeQuery& query, int64_t cursor) {
  std::string text;
  auto add = [&](std::string_view name, const std::string& value) {
    text += fmt::format("{}{}={}", text.empty() ? "" : "&", name, value);
  };
  if (query.filter.has_image) add("is_image_exists", *query.filter.has_image ? "true" : "false");
  if (query.filter.min_age) add("min_age", std::to_string(*query.filter.min_age));
  if (query.filter.max_age) add("max_age", std::to_string(*query.filter.max_age));
  if (query.limit > 0) add("limit", std::to_string(query.limit));
  add("after", std::to_string(cursor));
  return text;
}

}  // namespace sluice::lake
