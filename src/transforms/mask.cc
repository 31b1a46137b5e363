#include "transforms/mask.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aws/crypto.h"
#include "aws/sigv4.h"
#include "core/files.h"
#include "core/log.h"
#include "core/secrets.h"
#include "core/strings.h"

namespace sluice {
namespace {

constexpr size_t kKeyBytes = 64;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kHmacPrefix = "h.";
// The first plaintext byte: a format version, which also keeps the plaintext non-empty (SIV in
// OpenSSL takes its input in exactly one non-empty update).
constexpr char kFormatVersion = '\x01';

bool ValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > 16) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

ComponentSpec MaskComponent() {
  ComponentSpec c{.name = "mask", .kind = ComponentKind::kTransform};
  c.summary = "Masks PII fields deterministically: AES-256-SIV (reversible with the key) or HMAC";
  c.description =
      "Equal values give equal masked values under one key, so joins and counts still work. "
      "The key is only ever read from a file (`sluice logins keygen PATH` makes one).";
  OptionSpec key_file = PathOption("key-file", "Masking key file", false);
  key_file.env = "SLUICE_MASK_KEY_FILE";
  key_file.secret = true;
  OptionSpec fields{.name = "fields",
                    .type = OptionType::kList,
                    .summary = "The fields of the validate transform's schema to mask"};
  fields.description =
      "Each a text field (docs/message-schemas.md); its column holds the masked value. Not "
      "given with sink logins-postgres, which masks ip and device_id";
  c.options = {key_file,
               ChoiceOption("mask", "siv (reversible with the key) or hmac (irreversible)",
                            {"siv", "hmac"}, "siv"),
               fields};
  return c;
}

MaskMode MaskModeFrom(const OptionValues& values) {
  return values.String("mask") == "hmac" ? MaskMode::kHmac : MaskMode::kSiv;
}

namespace {

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The two characters of every 12-bit value: a group of three bytes is two lookups.
struct Base64UrlPairs {
  char pairs[4096][2];
  constexpr Base64UrlPairs() : pairs{} {
    for (size_t v = 0; v < 4096; ++v) {
      pairs[v][0] = kBase64UrlAlphabet[v >> 6];
      pairs[v][1] = kBase64UrlAlphabet[v & 63];
    }
  }
};
constexpr Base64UrlPairs kBase64UrlPairs;

}  // namespace

void AppendBase64Url(std::string_view data, std::string* out) {
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  // No padding: the length tells the decoder how many bytes the last group holds.
  const size_t whole = data.size() / 3;
  const size_t rest = data.size() % 3;
  const size_t start = out->size();
  out->resize(start + whole * 4 + (rest ? rest + 1 : 0));
  char* o = out->data() + start;
  for (size_t g = 0; g < whole; ++g, in += 3, o += 4) {
    uint32_t v = (uint32_t{in[0]} << 16) | (uint32_t{in[1]} << 8) | in[2];
    std::memcpy(o, kBase64UrlPairs.pairs[v >> 12], 2);
    std::memcpy(o + 2, kBase64UrlPairs.pairs[v & 4095], 2);
  }
  if (rest > 0) {
    uint32_t v = uint32_t{in[0]} << 16;
    if (rest == 2) v |= uint32_t{in[1]} << 8;
    o[0] = kBase64UrlAlphabet[v >> 18];
    o[1] = kBase64UrlAlphabet[(v >> 12) & 63];
    if (rest == 2) o[2] = kBase64UrlAlphabet[(v >> 6) & 63];
  }
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  std::string s(text);
  for (char& c : s) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return false;
    }
  }
  while (s.size() % 4 != 0)
    s.push_back('=');
  return Base64Decode(s, out);
}

Result<MaskKeyring> MaskKeyring::Parse(std::string_view text, std::string_view origin) {
  MaskKeyring ring;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = TrimBlanks(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    size_t colon = line.find(':');
    std::string material;
    // The error names the file and line, never the line's content: it is key material.
    if (colon == std::string_view::npos || !ValidKeyId(line.substr(0, colon)) ||
        !Base64Decode(line.substr(colon + 1), &material) || material.size() != kKeyBytes) {
      return InvalidArgument(
          fmt::format("{}: line {}: not a key (expected <id>:<base64 of 64 bytes>; make one with "
                      "`sluice logins keygen`)",
                      origin, line_no));
    }
    RegisterSecret(line.substr(colon + 1));
    ring.keys_.push_back({std::string(line.substr(0, colon)), std::move(material)});
  }
  if (ring.keys_.empty()) return InvalidArgument(fmt::format("{}: holds no key", origin));
  return ring;
}

Result<MaskKeyring> MaskKeyring::LoadFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, "the key file"));
  // Like ssh's private keys, but a warning: the key still works, and a shared group may be meant.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    LogWarn("the masking key file {} has mode {:04o}: others can read the key; chmod 600 it", path,
            static_cast<unsigned>(st.st_mode & 07777));
  }
  return Parse(text, path);
}

Status MaskKeyring::GenerateFile(const std::string& path) {
  unsigned char material[kKeyBytes];
  unsigned char id_bytes[4];
  if (RAND_bytes(material, sizeof material) != 1 || RAND_bytes(id_bytes, sizeof id_bytes) != 1) {
    return Internal("the system random generator failed");
  }
  std::string line = fmt::format(
      "# Sluice masking key, made {}. Keep it secret; keep it safe: masked values cannot be\n"
      "# revealed without it. To rotate, put a new key on the first line and keep the old ones.\n"
      "{}:{}\n",
      AmzDateNow(), HexLower(id_bytes, sizeof id_bytes),
      Base64Encode(std::string_view(reinterpret_cast<const char*>(material), sizeof material)));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno == EEXIST
               ? Status(StatusCode::kAlreadyExists,
                        fmt::format("{} already exists; refusing to overwrite a key", path))
               : IoError(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return IoError(fmt::format("writing {} failed", path));
  return Status::Ok();
}

const MaskKey* MaskKeyring::Find(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Masker::Masker(const MaskKeyring& keyring, MaskMode mode) : keyring_(keyring), mode_(mode) {
  cipher_ = EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr);
  ctx_ = EVP_CIPHER_CTX_new();
  if (mode_ == MaskMode::kHmac) {
    // A key of its own for tokens, derived so that it differs from the SIV keys.
    hmac_ = std::make_unique<HmacSha256Keyed>(
        AsBytes(HmacSha256(keyring.primary().material, "sluice mask hmac v1")));
  } else {
    encryptor_ = std::make_unique<AesSivEncryptor>(keyring.primary().material);
  }
}

Masker::~Masker() {
  EVP_CIPHER_CTX_free(ctx_);
  EVP_CIPHER_free(cipher_);
}

size_t Masker::MaxPlainLength(size_t max_chars) const {
  size_t prefix =
      keyring_.primary().id.size() + 1 + (mode_ == MaskMode::kHmac ? kHmacPrefix.size() : 0);
  if (max_chars <= prefix) return 0;
  size_t payload_bytes = (max_chars - prefix) * 3 / 4;  // unpadded base64 size
  if (mode_ == MaskMode::kHmac) return payload_bytes >= 32 ? SIZE_MAX : 0;
  return payload_bytes > kTagBytes + 1 ? payload_bytes - kTagBytes - 1 : 0;
}

Status Masker::Mask(std::string_view plain, std::string* out) {
  const MaskKey& key = keyring_.primary();
  if (mode_ == MaskMode::kHmac) {
    std::array<uint8_t, 32> mac;
    if (!hmac_->Mac(plain, &mac)) return Internal("HMAC-SHA256 failed");
    out->append(kHmacPrefix);
    out->append(key.id);
    out->push_back(':');
    AppendBase64Url(AsBytes(mac), out);
    return Status::Ok();
  }
  scratch_.clear();
  if (!encryptor_->Encrypt(std::string_view(&kFormatVersion, 1), plain, &scratch_)) {
    return Internal("AES-256-SIV encryption failed");
  }
  out->append(key.id);
  out->push_back(':');
  AppendBase64Url(scratch_, out);
  return Status::Ok();
}

Result<std::string> Masker::Reveal(std::string_view masked) {
  if (masked.starts_with(kHmacPrefix)) {
    return InvalidArgument("an HMAC token cannot be revealed: it keeps no plaintext");
  }
  size_t colon = masked.find(':');
  if (colon == std::string_view::npos) return InvalidArgument("not a masked value (no key id)");
  const MaskKey* key = keyring_.Find(masked.substr(0, colon));
  if (!key) {
    return NotFound(fmt::format("no key '{}' in the key file", masked.substr(0, colon)));
  }
  std::string raw;
  if (!Base64UrlDecode(masked.substr(colon + 1), &raw) || raw.size() <= kTagBytes) {
    return InvalidArgument("not a masked value (damaged encoding)");
  }
  std::string plain(raw.size() - kTagBytes, '\0');
  auto* tag = reinterpret_cast<unsigned char*>(raw.data());
  int len = 0;
  if (!cipher_ || !ctx_ ||
      EVP_DecryptInit_ex2(ctx_, cipher_,
                          reinterpret_cast<const unsigned char*>(key->material.data()), nullptr,
                          nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag) != 1 ||
      EVP_DecryptUpdate(ctx_, reinterpret_cast<unsigned char*>(plain.data()), &len, tag + kTagBytes,
                        static_cast<int>(plain.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx_, reinterpret_cast<unsigned char*>(plain.data()) + len, &len) != 1) {
    return InvalidArgument("the value does not decrypt with its key: forged or damaged");
  }
  if (plain.empty() || plain.front() != kFormatVersion) {
    return InvalidArgument("not a masked value (unknown format)");
  }
  return plain.substr(1);
}

}  // namespace sluice
