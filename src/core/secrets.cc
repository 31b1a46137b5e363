#include "core/secrets.h"

#include <mutex>
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

// Masks the password in every `://user:password@` of the text.
void RedactUrlPasswords(std::string& text) {
  size_t scheme_end = text.find("://");
  while (scheme_end != std::string::npos) {
    size_t authority = scheme_end + 3;
    // Quotes do not end it: a password may hold one.
    size_t authority_end = text.find_first_of("/?# \t\n", authority);
    if (authority_end == std::string::npos) authority_end = text.size();
    // The last '@' of the authority ends the userinfo: passwords may contain '@' unencoded.
    size_t at = text.rfind('@', authority_end);
    if (at != std::string::npos && at >= authority) {
      size_t colon = text.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        text.replace(colon + 1, at - colon - 1, kMask);
      }
    }
    scheme_end = text.find("://", authority);
  }
}

// Masks `password=value` as written in a libpq keyword/value connection string.
void RedactConninfoPasswords(std::string& text) {
  constexpr std::string_view kKey = "password=";
  for (size_t pos = text.find(kKey); pos != std::string::npos;
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
    end = std::min(end, text.size());
    text.replace(start, end - start, kMask);
  }
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string s(url);
  RedactUrlPasswords(s);
  return s;
}

std::string Redact(std::string_view text) {
  std::string s(text);
  RedactUrlPasswords(s);
  RedactConninfoPasswords(s);
  std::lock_guard lock(SecretsMutex());
  for (const auto& secret : Secrets())
    ReplaceAll(s, secret);
  return s;
}

void RegisterSecret(std::string_view secret) {
  // Very short values would mask ordinary words in every message; they are not secrets worth
  // the name and are left alone.
  if (secret.size() < 4) return;
  std::lock_guard lock(SecretsMutex());
  Secrets().emplace_back(secret);
}

}  // namespace sluice
