// Owners for libcurl's URL API objects (curl_url(3), curl_url_get(3)), so a parsed URL and the
// strings read from it are freed on every return path.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace sluice {

struct CurlUrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringFree {
  void operator()(char* s) const { curl_free(s); }
};

// A handle from curl_url(); empty when libcurl could not allocate one.
using CurlUrl = std::unique_ptr<CURLU, CurlUrlFree>;
// A string curl_url_get() allocated.
using CurlString = std::unique_ptr<char, CurlStringFree>;

}  // namespace sluice
