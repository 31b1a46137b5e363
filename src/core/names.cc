#include "core/names.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace sluice {
namespace {

// "FLAG: why", or "why" alone for an OptionSpec::check (the caller says where the value stood).
Status Bad(std::string_view flag, std::string_view why) {
  if (flag.empty()) return UsageError(std::string(why));
  return UsageError(fmt::format("{}: {}", flag, why));
}

// PostgreSQL's reserved key words and those reserved but allowed as function or type names
// (PostgreSQL 15 docs, Appendix C): neither can name a table or column unquoted.
constexpr std::string_view kPgReservedWords[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
};

// The next code point of `text` from `*pos`, advancing it; -1 for bytes that are not UTF-8
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
int32_t NextCodePoint(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(*pos);
  int length;
  int32_t cp;
  if (lead < 0x80) {
    ++*pos;
    return lead;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2, cp = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, cp = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, cp = lead & 0x07;
  } else {
    return -1;
  }
  if (*pos + length > text.size()) return -1;
  for (int i = 1; i < length; ++i) {
    const uint8_t b = byte(*pos + i);
    if ((b & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  constexpr std::array<int32_t, 5> kSmallest = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  *pos += length;
  return cp;
}

// Checks UTF-8 and control characters; counts the code points and finds the largest.
Status CheckText(std::string_view text, std::string_view flag, size_t* chars, int32_t* largest) {
  *chars = 0;
  *largest = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    const int32_t cp = NextCodePoint(text, &pos);
    if (cp < 0) return Bad(flag, fmt::format("is not valid UTF-8 (byte {})", at + 1));
    if (cp == 0) return Bad(flag, fmt::format("contains a NUL byte (byte {})", at + 1));
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      return Bad(flag, fmt::format("contains a control character (byte {})", at + 1));
    }
    ++*chars;
    *largest = std::max(*largest, cp);
  }
  return Status::Ok();
}

bool IsIpv4(std::string_view name) {
  int dots = 0;
  size_t digits = 0;
  for (char c : name) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

}  // namespace

Status ValidateMysqlTableName(std::string_view name, std::string_view flag) {
  if (name.empty()) return Bad(flag, "is empty");
  size_t chars;
  int32_t largest;
  RETURN_IF_ERROR(CheckText(name, flag, &chars, &largest));
  if (chars > 64) return Bad(flag, "is longer than MySQL's 64 characters for a table name");
  if (largest > 0xffff) {
    return Bad(flag,
               "holds a character outside the Basic Multilingual Plane, which MySQL "
               "identifiers cannot");
  }
  if (name.back() == ' ') return Bad(flag, "ends in a space, which MySQL identifiers cannot");
  if (name.find('.') != std::string_view::npos) {
    return Bad(flag,
               "takes one unqualified table name without '.' (the database is the one "
               "in the MySQL URL)");
  }
  return Status::Ok();
}

std::string QuoteMysqlIdent(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

Status ValidatePgIdentifier(std::string_view name, std::string_view flag) {
  if (name.empty()) return Bad(flag, "is empty");
  size_t chars;
  int32_t largest;
  RETURN_IF_ERROR(CheckText(name, flag, &chars, &largest));
  if (name.size() > 63) {
    return Bad(flag,
               "is longer than PostgreSQL's 63 bytes for an identifier (it would be cut "
               "short and name another table)");
  }
  // "public.users" would be quoted as one name and not found: the schema comes from the URL.
  if (name.find('.') != std::string_view::npos) {
    return Bad(flag,
               "takes one unqualified table name without '.' (the schema is the URL's "
               "search_path: ?options=-csearch_path%3DSCHEMA)");
  }
  return Status::Ok();
}

Status ValidatePlainName(std::string_view name, std::string_view flag, size_t max_bytes,
                         std::string_view room_for) {
  if (name.empty()) return Bad(flag, "is empty");
  if (name.size() > max_bytes) {
    return Bad(flag, fmt::format("is {} bytes; at most {} (PostgreSQL keeps {} of a name{}{})",
                                 name.size(), max_bytes, kPgNameBytes,
                                 room_for.empty() ? "" : ", and ", room_for));
  }
  const auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool plain = (lower(name[0]) || name[0] == '_') &&
                     std::all_of(name.begin(), name.end(),
                                 [&](char c) { return lower(c) || digit(c) || c == '_'; });
  if (!plain) {
    return Bad(flag,
               "is not a plain lower-case name: a lower-case letter or '_', then lower-case "
               "letters, digits or '_' (so SQL can name it without quotes)");
  }
  if (std::find(std::begin(kPgReservedWords), std::end(kPgReservedWords), name) !=
      std::end(kPgReservedWords)) {
    return Bad(flag,
               "is a reserved word of PostgreSQL's SQL, which SQL cannot name without quotes: "
               "choose another name");
  }
  return Status::Ok();
}

Status ValidatePlainTableName(std::string_view name, std::string_view flag, size_t max_bytes,
                              std::string_view room_for) {
  RETURN_IF_ERROR(ValidatePlainName(name, flag, max_bytes, room_for));
  // PostgreSQL looks in pg_catalog before the search_path, so an unqualified pg_class names the
  // catalog while CREATE TABLE would make a table of that name elsewhere.
  if (name.starts_with("pg_")) {
    return Bad(flag,
               "begins with pg_, the prefix of PostgreSQL's system catalogs, which an "
               "unqualified name resolves to first; choose another name");
  }
  if (std::find(std::begin(kSluiceOwnTables), std::end(kSluiceOwnTables), name) !=
      std::end(kSluiceOwnTables)) {
    return Bad(flag, "is a table Sluice keeps itself: choose another name");
  }
  if (name.ends_with(kRejectsTableSuffix)) {
    return Bad(flag,
               fmt::format("ends in {0}, the suffix of the table where a pipeline keeps the "
                           "records it refuses (the table x keeps them in x{0}): choose another "
                           "name",
                           kRejectsTableSuffix));
  }
  return Status::Ok();
}

Status ValidateS3BucketName(std::string_view name, std::string_view flag) {
  const std::string_view rules =
      "S3 bucket names are 3 to 63 lowercase letters, digits, '.' and '-', starting and ending "
      "with a letter or digit";
  if (name.size() < 3 || name.size() > 63) {
    return Bad(flag, fmt::format("has {} characters; {}", name.size(), rules));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '-') {
      return Bad(flag, fmt::format("character {} is not allowed; {}", i + 1, rules));
    }
    if (!alnum && (i == 0 || i + 1 == name.size())) {
      return Bad(flag, fmt::format("starts or ends with '{}'; {}", c, rules));
    }
  }
  if (name.find("..") != std::string_view::npos)
    return Bad(flag, "holds '..'; " + std::string(rules));
  if (IsIpv4(name)) return Bad(flag, "is formatted as an IP address, which S3 refuses");
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.starts_with(prefix)) {
      return Bad(flag, fmt::format("starts with '{}', a prefix S3 reserves", prefix));
    }
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (name.ends_with(suffix)) {
      return Bad(flag, fmt::format("ends with '{}', a suffix S3 reserves", suffix));
    }
  }
  return Status::Ok();
}

Status ValidateS3Key(std::string_view key, std::string_view flag) {
  if (key.empty()) return Bad(flag, "makes an empty object key");
  size_t chars;
  int32_t largest;
  RETURN_IF_ERROR(CheckText(key, flag, &chars, &largest));
  if (key.size() > 1024) {
    return Bad(
        flag, fmt::format("makes an object key of {} bytes; S3 keys are at most 1024", key.size()));
  }
  for (size_t start = 0; start <= key.size();) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view segment = key.substr(start, end - start);
    if (segment == "." || segment == "..") {
      return Bad(flag, "holds a '.' or '..' path segment, which HTTP clients resolve away");
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status ValidateSqsQueueName(std::string_view name, std::string_view flag) {
  std::string_view base = name;
  if (base.ends_with(".fifo")) base.remove_suffix(5);
  if (name.empty() || name.size() > 80) {
    return Bad(flag, "SQS queue names are 1 to 80 characters");
  }
  for (size_t i = 0; i < base.size(); ++i) {
    const char c = base[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) {
      return Bad(flag, fmt::format("character {} is not allowed; SQS queue names are ASCII "
                                   "letters, digits, '-' and '_' (and '.fifo' at the end)",
                                   i + 1));
    }
  }
  if (base.empty()) return Bad(flag, "SQS queue names need a name before '.fifo'");
  return Status::Ok();
}

}  // namespace sluice

namespace sluice {

Status ValidateSqsQueueNameOrUrl(std::string_view queue, std::string_view flag) {
  std::string_view rest = queue;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    if (queue.find("://") != std::string_view::npos) {
      return Bad(flag, "is a URL that is neither http:// nor https://; give a queue name or URL");
    }
    return ValidateSqsQueueName(queue, flag);
  }
  const size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) {
    return Bad(flag, "is a queue URL without a host and a path (https://HOST/ACCOUNT/NAME)");
  }
  const std::string_view name = rest.substr(rest.rfind('/') + 1);
  if (name.empty()) return Bad(flag, "is a queue URL that ends in '/', without the queue's name");
  if (!ValidateSqsQueueName(name, flag).ok()) {
    return Bad(flag,
               "is a queue URL whose last segment is not a queue name (ASCII letters, digits, "
               "'-' and '_', 1 to 80, '.fifo' at the end of a FIFO queue's)");
  }
  return Status::Ok();
}

}  // namespace sluice
