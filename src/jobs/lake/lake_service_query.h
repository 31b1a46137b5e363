// The query parameters of the lake's GET /data and GET /stats (SPEC §4), checked strictly:
// every refusal is a 400 whose JSON names the parameter, and nothing is guessed (an unknown or
// repeated parameter is refused, not ignored).
//
//   is_image_exists  true or false, any case
//   min_age, max_age whole years from 0 to 9999, inclusive bounds; min_age <= max_age
//   limit            (GET /data) at most this many users, 1 to 10,000,000
//   after            (GET /data) the cursor: users with a greater user_id, a whole number >= 0
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "http/http_error.h"
#include "http/query_params.h"
#include "jobs/lake/lake_snapshot.h"

namespace sluice::lake {

struct LakeQuery {
  UserFilter filter;
  std::optional<int64_t> after = {};
  size_t limit = 0;  // 0: no limit
};

// Which endpoint the query is for: /stats takes the filters only.
enum class QueryKind { kData, kStats };

// Parses and checks `query` (the target's text after '?').
std::optional<http::HttpError> ParseLakeQuery(std::string_view query, QueryKind kind,
                                              LakeQuery* out);

// The query string that asks for the page after `cursor` with the same filters and limit
// ("is_image_exists=true&limit=10&after=1042"), for the Link field of a /data answer.
std::string NextPageQuery(const LakeQuery& query, int64_t cursor);

}  // namespace sluice::lake
