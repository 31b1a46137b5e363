#include "core/secrets.h"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

namespace sluice {
namespace {

constexpr std::string_view kMask = "****";

std::mutex& SecretsMutex() {
  static std::mutex m;
  return m;
}

std::vector<std::string>& Secrets() {
  static std::vector<std::string> s;
  return s;
}

void ReplaceAll(std::string& text, std::string_view what) {
  if (what.empty()) return;
  for (size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + kMask.size())) {
    text.replace(pos, what.size(), kMask);
  }
}

using Span = std::pair<size_t, size_t>;  // [begin, end) of a secret in a text

// The password of every `://user:password@` in the text.
void UrlPasswordSpans(std::string_view text, std::vector<Span>& spans) {
  size_t scheme_end = text.find("://");
  while (scheme_end != std::string_view::npos) {
    size_t authority = scheme_end + 3;
    // Quotes do not end it: a password may hold one.
    size_t authority_end = text.find_first_of("/?# \t\n", authority);
    if (authority_end == std::string_view::npos) authority_end = text.size();
    // The last '@' of the authority ends the userinfo: passwords may contain '@' unencoded.
    size_t at = text.rfind('@', authority_end);
    if (at != std::string_view::npos && at >= authority) {
      size_t colon = text.find(':', authority);
      if (colon != std::string_view::npos && colon < at) spans.emplace_back(colon + 1, at);
    }
    scheme_end = text.find("://", authority);
  }
}

// The value of every `password=value`, as written in a libpq keyword/value connection string.
void ConninfoPasswordSpans(std::string_view text, std::vector<Span>& spans) {
  constexpr std::string_view kKey = "password=";
  for (size_t pos = text.find(kKey); pos != std::string_view::npos;
       pos = text.find(kKey, pos + kKey.size())) {
    size_t start = pos + kKey.size();
    size_t end = start;
    if (end < text.size() && text[end] == '\'') {
      ++end;
      while (end < text.size() && text[end] != '\'')
        end += text[end] == '\\' ? 2 : 1;
      if (end < text.size()) ++end;
    } else {
      while (end < text.size() && text[end] != ' ' && text[end] != '&')
        ++end;
    }
    spans.emplace_back(start, std::min(end, text.size()));
  }
}

// Replaces the spans, last first so earlier positions stay valid. Overlapping spans (a
// `password=` inside a URL's password) are merged.
void MaskSpans(std::string& text, std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end());
  std::vector<Span> merged;
  for (const auto& s : spans) {
    if (!merged.empty() && s.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, s.second);
    } else {
      merged.push_back(s);
    }
  }
  for (auto it = merged.rbegin(); it != merged.rend(); ++it)
    text.replace(it->first, it->second - it->first, kMask);
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string s(url);
  std::vector<Span> spans;
  UrlPasswordSpans(s, spans);
  MaskSpans(s, std::move(spans));
  return s;
}

std::string Redact(std::string_view text) {
  std::string s(text);
  std::vector<Span> spans;
  UrlPasswordSpans(s, spans);
  ConninfoPasswordSpans(s, spans);
  MaskSpans(s, std::move(spans));
  std::lock_guard lock(SecretsMutex());
  for (const auto& secret : Secrets())
    ReplaceAll(s, secret);
  return s;
}

bool ScrubSecretsInPlace(char* arg) {
  std::string_view text(arg);
  std::vector<Span> spans;
  UrlPasswordSpans(text, spans);
  ConninfoPasswordSpans(text, spans);
  for (const auto& [begin, end] : spans)
    std::fill(arg + begin, arg + end, 'x');
  return !spans.empty();
}

void RegisterSecret(std::string_view secret) {
  // Very short values would mask ordinary words in every message; they are not secrets worth
  // the name and are left alone.
  if (secret.size() < 4) return;
  std::lock_guard lock(SecretsMutex());
  Secrets().emplace_back(secret);
}

}  // namespace sluice
