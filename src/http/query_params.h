// A request's query string as parameters (RFC 3986 section 3.4, with the
// application/x-www-form-urlencoded conventions browsers and curl use: '&' between pairs, '+'
// for a space, %XX escapes). Nothing is guessed: a parameter given twice is refused rather than
// merged or overwritten, and a broken %-escape is refused naming the parameter it is in.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_error.h"

namespace sluice::http {

class QueryParams {
 public:
  // Parses `query` (the part after '?', without it). Errors are 400s naming the parameter: a
  // repeated name, an invalid %-escape in a name or value, or a name that is not UTF-8 (named
  // by its position, "parameter 3"). Empty pieces ("a=1&&b=2") are skipped.
  static std::optional<HttpError> Parse(std::string_view query, QueryParams* out);

  // The decoded value of `name`, or nullopt when absent ("a=" gives "").
  std::optional<std::string> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return values_.count(name) > 0; }
  // The first parameter (in name order) not in `known`, as a 400 naming it; nullopt when all
  // are known.
  std::optional<HttpError> RejectUnknown(std::initializer_list<std::string_view> known) const;
  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace sluice::http
