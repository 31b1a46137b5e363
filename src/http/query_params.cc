#include "http/query_params.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "core/text_check.h"

namespace sluice::http {
namespace {

// A parameter's name as an error shows it: a long one (a 100 KB name is a valid request) is cut,
// at a character boundary, so that the answer stays small.
std::string Shown(std::string_view name) {
  constexpr size_t kShown = 64;
  if (name.size() <= kShown) return std::string(name);
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
    --cut;
  return fmt::format("{}... ({} bytes)", name.substr(0, cut), name.size());
}

}  // namespace

std::optional<HttpError> QueryParams::Parse(std::string_view query, QueryParams* out) {
  out->values_.clear();
  size_t position = 0;  // 1-based count of the pieces seen, to name one whose name is unreadable
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    ++position;
    size_t eq = piece.find('=');
    std::string_view raw_name = piece.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : piece.substr(eq + 1);
    std::string name;
    if (!PercentDecodeStrict(raw_name, true, &name) || FindUnstorableByte(name)) {
      return HttpError{400,
                       fmt::format("the name of query parameter {} is not valid percent-encoded "
                                   "UTF-8 (RFC 3986 section 2.1)",
                                   position),
                       fmt::format("parameter {}", position)};
    }
    if (name.empty()) {
      return HttpError{400, fmt::format("query parameter {} has no name", position),
                       fmt::format("parameter {}", position)};
    }
    std::string value;
    if (!PercentDecodeStrict(raw_value, true, &value)) {
      return HttpError{400,
                       fmt::format("{}: the value has a '%' not followed by two hex digits "
                                   "(RFC 3986 section 2.1)",
                                   Shown(name)),
                       Shown(name)};
    }
    if (std::optional<TextFault> fault = FindUnstorableByte(value)) {
      return HttpError{400,
                       fmt::format("{}: the value {}", Shown(name),
                                   fault->byte == 0 ? "holds a NUL byte" : "is not valid UTF-8"),
                       Shown(name)};
    }
    if (out->values_.count(name) > 0) {
      return HttpError{400, fmt::format("{}: given more than once; give it once", Shown(name)),
                       Shown(name)};
    }
    out->values_.emplace(std::move(name), std::move(value));
  }
  return std::nullopt;
}

std::optional<std::string> QueryParams::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<HttpError> QueryParams::RejectUnknown(
    std::initializer_list<std::string_view> known) const {
  for (const auto& [name, value] : values_) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view k : known)
        list += (list.empty() ? "" : ", ") + std::string(k);
      return HttpError{
          400,
          list.empty() ? fmt::format("{}: unknown parameter; this path takes none", Shown(name))
                       : fmt::format("{}: unknown parameter; known here: {}", Shown(name), list),
          Shown(name)};
    }
  }
  return std::nullopt;
}

}  // namespace sluice::http
