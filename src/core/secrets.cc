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

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Letters, digits and '_': the characters of one identifier (a table "sluice_users", a
// column), which a secret must not be cut out of.
bool IsWordChar(char c) {
  return IsAlnum(c) || c == '_';
}

bool IsQuote(char c) {
  return c == '\'' || c == '"' || c == '`';
}

using Span = std::pair<size_t, size_t>;  // [begin, end) of a secret in a text

// Whether [begin, end) lies inside one of `spans`.
bool Inside(const std::vector<Span>& spans, size_t begin, size_t end) {
  return std::any_of(spans.begin(), spans.end(),
                     [&](const Span& s) { return begin >= s.first && end <= s.second; });
}

// In each `scheme://user:****@host/path` token whose password is already masked, the span from
// the user name to the end of the path. The password there was found by structure, so a
// registered secret that equals the user, a host or the database name ("logins" as password
// and as database) is a name in that span and is left readable. The query is not kept: a
// secret may stand there as another parameter's value.
std::vector<Span> MaskedUrlNameSpans(std::string_view text) {
  std::vector<Span> spans;
  const std::string masked_at = std::string(kMask) + "@";
  for (size_t scheme = text.find("://"); scheme != std::string_view::npos;
       scheme = text.find("://", scheme + 3)) {
    const size_t start = scheme + 3;
    size_t end = start;
    while (end < text.size() && !IsSpace(text[end]))
      ++end;
    const std::string_view rest = text.substr(start, end - start);
    const size_t mask = rest.find(masked_at);
    if (mask == std::string_view::npos || rest.substr(0, mask).find(':') == std::string_view::npos)
      continue;
    const size_t query = rest.find_first_of("?#", mask);
    spans.emplace_back(start, start + (query == std::string_view::npos ? rest.size() : query));
  }
  return spans;
}

// A secret this long, or holding a character no name holds, is distinctive: where it stands as a
// token it is the secret. A shorter one of name characters only (letters, digits, '_', '-',
// '.') may just as well be a database, role, table, queue or bucket name ("postgres" as password
// and as database), and servers quote names in their messages (database "postgres" does not
// exist) but never a password: such a secret is masked by structure only (a URL's userinfo, a
// `password=` value), never as free text.
constexpr size_t kDistinctiveSecretBytes = 16;

bool CouldBeAName(std::string_view secret) {
  return secret.size() < kDistinctiveSecretBytes &&
         std::all_of(secret.begin(), secret.end(),
                     [](char c) { return IsWordChar(c) || c == '-' || c == '.'; });
}

// Replaces each occurrence of `secret` that stands as a token: where the secret begins (ends)
// with a letter or digit, the character before (after) it must not be one. A message that quotes
// a password quotes it whole, so this masks every quoted password while leaving a word that
// merely contains the secret ("sluice" around the secret "sluic") readable.
void ReplaceTokens(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  std::vector<Span> names = MaskedUrlNameSpans(text);
  const bool check_before = IsWordChar(secret.front());
  const bool check_after = IsWordChar(secret.back());
  for (size_t pos = text.find(secret); pos != std::string::npos;) {
    const size_t end = pos + secret.size();
    const bool bounded = (!check_before || pos == 0 || !IsWordChar(text[pos - 1])) &&
                         (!check_after || end == text.size() || !IsWordChar(text[end])) &&
                         !Inside(names, pos, end);
    if (bounded) {
      text.replace(pos, secret.size(), kMask);
      names = MaskedUrlNameSpans(text);  // positions after the replacement moved
      pos = text.find(secret, pos + kMask.size());
    } else {
      pos = text.find(secret, pos + 1);
    }
  }
}

// The password of every `user:password@host` in the text, with or without a `scheme://` before
// it. A token runs to the next whitespace (quotes do not end it: a password may hold one). The
// password is taken from the first ':' of the userinfo to the LAST '@' of the token, not of
// the authority as RFC 3986 would parse it: an unencoded '/', '?', '#' or '@' in a password
// would otherwise leave its tail in the clear. Over-masking a path or query that holds an '@' is
// the price.
void UserinfoPasswordSpans(std::string_view text, std::vector<Span>& spans) {
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && IsSpace(text[pos]))
      ++pos;
    size_t end = pos;
    while (end < text.size() && !IsSpace(text[end]))
      ++end;
    const std::string_view token = text.substr(pos, end - pos);
    const size_t at = token.rfind('@');
    if (at != std::string_view::npos) {
      // After a scheme the userinfo starts at the authority; without one, at the token's start
      // less any opening quotes or brackets.
      size_t start = 0;
      if (size_t scheme = token.find("://"); scheme != std::string_view::npos && scheme < at) {
        start = scheme + 3;
      } else {
        while (start < at && (IsQuote(token[start]) || token[start] == '(' || token[start] == '<'))
          ++start;
      }
      const size_t colon = token.find(':', start);
      if (colon != std::string_view::npos && colon < at)
        spans.emplace_back(pos + colon + 1, pos + at);
    }
    pos = end;
  }
}

// The value of every `password=value`, as written in a libpq keyword/value connection string or
// a URL's query. An unquoted value ends at whitespace or '&'; a ':', ',' or ';' just before
// whitespace or the end is taken for the sentence's punctuation ("...?password=x: connection
// failed"), not the value's, so a message keeps its shape when it is redacted twice.
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
      while (end < text.size() && !IsSpace(text[end]) && text[end] != '&')
        ++end;
      if (end > start + 1 && (end == text.size() || IsSpace(text[end])) &&
          (text[end - 1] == ':' || text[end - 1] == ',' || text[end - 1] == ';')) {
        --end;
      }
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

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The reason a `host[:port]` list (libpq takes several, comma-separated) is not one, or empty.
std::string HostListProblem(std::string_view hosts) {
  while (true) {
    const size_t comma = hosts.find(',');
    std::string_view host = hosts.substr(0, comma);
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
      const size_t close = host.find(']');
      if (close == std::string_view::npos) return "an IPv6 host without its closing ']'";
      if (close + 1 < host.size()) {
        if (host[close + 1] != ':') return "text after an IPv6 host";
        port = host.substr(close + 2);
      }
    } else if (size_t colon = host.find(':'); colon != std::string_view::npos) {
      port = host.substr(colon + 1);
    }
    if (!AllDigits(port)) return "a port that is not a number";
    if (comma == std::string_view::npos) return "";
    hosts.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string s(url);
  std::vector<Span> spans;
  UserinfoPasswordSpans(s, spans);
  MaskSpans(s, std::move(spans));
  return s;
}

std::string Redact(std::string_view text) {
  std::string s(text);
  std::vector<Span> spans;
  UserinfoPasswordSpans(s, spans);
  ConninfoPasswordSpans(s, spans);
  MaskSpans(s, std::move(spans));
  std::lock_guard lock(SecretsMutex());
  for (const auto& secret : Secrets()) {
    if (!CouldBeAName(secret)) ReplaceTokens(s, secret);
  }
  return s;
}

bool ScrubSecretsInPlace(char* arg) {
  std::string_view text(arg);
  std::vector<Span> spans;
  UserinfoPasswordSpans(text, spans);
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
  // Loaded again and again (a pipeline file validated per request, a fuzz target), one secret
  // must not grow the list that every Redact walks.
  auto& secrets = Secrets();
  if (std::find(secrets.begin(), secrets.end(), secret) != secrets.end()) return;
  secrets.emplace_back(secret);
}

Status CheckUrlUserinfo(std::string_view url, std::string_view what) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return Status::Ok();
  const size_t authority = scheme + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  const std::string_view auth = url.substr(authority, authority_end - authority);
  std::string problem;
  // Redaction ends a token at whitespace: a password holding a space would be cut in two.
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    problem = "whitespace or a control character";
  } else if (url.find('@', authority_end) != std::string_view::npos) {
    problem = "an '@' after the host";
  } else if (std::count(auth.begin(), auth.end(), '@') > 1) {
    problem = "more than one '@' before the host";
  } else {
    const size_t at = auth.find('@');
    problem = HostListProblem(at == std::string_view::npos ? auth : auth.substr(at + 1));
  }
  if (problem.empty()) return Status::Ok();
  return UsageError(std::string("the ") + std::string(what) +
                    " URL cannot be read one way only: it has " + problem +
                    ". A password holding '@', '/', '#', '?' or ':' must be "
                    "percent-encoded (%40, %2F, %23, %3F, %3A); the URL is not shown, as "
                    "it may hold part of the password");
}

std::string UnreadableUrlMessage(std::string_view what, std::string_view form) {
  return std::string("the ") + std::string(what) +
         " connection string cannot be parsed (it is not " +
         "shown, nor the parser's reason, as either may quote the password): write it as " +
         std::string(form) +
         ", with '@', '/', '#', '?' and ':' in the password percent-encoded (%40, %2F, %23, %3F, "
         "%3A)";
}

}  // namespace sluice
