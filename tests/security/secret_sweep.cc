#include "security/secret_sweep.h"

#include <fstream>
#include <sstream>

namespace sluice::testing {
namespace {

// The line of `text` around byte `at`, with NULs (a command line's separators) shown as spaces.
std::string LineAround(const std::string& text, size_t at) {
  size_t begin = text.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  size_t end = text.find('\n', at);
  std::string line = text.substr(begin, (end == std::string::npos ? text.size() : end) - begin);
  for (char& c : line)
    if (c == '\0') c = ' ';
  return line.size() > 400 ? line.substr(0, 400) + "..." : line;
}

}  // namespace

void SecretSweep::Add(std::string where, std::string text) {
  texts_.emplace_back(std::move(where), std::move(text));
}

void SecretSweep::AddRun(const std::string& label, const RunResult& run) {
  Add(label + " stdout", run.out);
  Add(label + " stderr", run.err);
}

int SecretSweep::AddTables(PgConnection& conn, const std::string& schema) {
  auto tables = conn.Query(
      "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = $1 "
      "ORDER BY 1",
      {schema}, "listing the schema's tables");
  if (!tables.ok()) {
    Add("listing tables", tables.status().message());
    return 0;
  }
  int rows = 0;
  for (int t = 0; t < tables->rows(); ++t) {
    const std::string table(tables->Value(t, 0));
    auto all = conn.Query("SELECT r::text FROM " + table + " r", "dumping a table");
    if (!all.ok()) {
      Add("table " + table, all.status().message());
      continue;
    }
    std::string text;
    for (int r = 0; r < all->rows(); ++r) {
      text.append(all->Value(r, 0));
      text.push_back('\n');
    }
    rows += all->rows();
    Add("table " + table, std::move(text));
  }
  return rows;
}

std::vector<SecretFound> SecretSweep::Search(const std::vector<Secret>& secrets) const {
  std::vector<SecretFound> found;
  for (const auto& [where, text] : texts_) {
    for (const Secret& secret : secrets) {
      const size_t piece = secret.value.size() < 8 ? secret.value.size() : 8;
      for (size_t i = 0; i + piece <= secret.value.size(); ++i) {
        const size_t at = text.find(secret.value.substr(i, piece));
        if (at != std::string::npos) {
          found.push_back({secret.what, where, LineAround(text, at)});
          break;
        }
      }
    }
  }
  return found;
}

std::vector<SecretFound> SecretSweep::SearchWhole(const std::vector<std::string>& values) const {
  std::vector<SecretFound> found;
  for (const auto& [where, text] : texts_) {
    for (const std::string& value : values) {
      const size_t at = text.find(value);
      if (at != std::string::npos) found.push_back({value, where, LineAround(text, at)});
    }
  }
  return found;
}

size_t SecretSweep::bytes() const {
  size_t total = 0;
  for (const auto& text : texts_)
    total += text.second.size();
  return total;
}

std::string Describe(const std::vector<SecretFound>& found) {
  std::string out;
  for (const SecretFound& f : found)
    out += f.secret + " in " + f.where + ": " + f.line + "\n";
  return out;
}

std::string WithPassword(const std::string& url, const std::string& password) {
  const size_t start = url.find("://") + 3;
  const size_t at = url.find('@', start);
  std::string user = url.substr(start, at - start);
  user = user.substr(0, user.find(':'));
  return url.substr(0, start) + user + ":" + password + url.substr(at);
}

std::string ProcessCommandLine(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string DecodeBase64(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    const size_t v = alphabet.find(c);
    if (v == std::string::npos) return "";
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

}  // namespace sluice::testing
