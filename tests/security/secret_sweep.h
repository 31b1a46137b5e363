// What the security tests share: a set of distinctive secrets, everything a run printed or wrote,
// and a search of that text for every secret (whole, and any 8-byte piece of it, since a message
// may quote a fragment).
#pragma once

#include <string>
#include <vector>

#include "support/test_env.h"

namespace sluice::testing {

struct Secret {
  std::string what;   // "PostgreSQL password", shown when it is found
  std::string value;  // the bytes that must appear nowhere
};

// One place a secret was found: which secret, in which piece of collected text, and the line.
struct SecretFound {
  std::string secret;
  std::string where;
  std::string line;
};

// Collects texts (a command's output, a table's rows, a command line) by where they came from,
// and searches them for secrets.
class SecretSweep {
 public:
  void Add(std::string where, std::string text);
  // A command's standard output and error, labelled with `label`.
  void AddRun(const std::string& label, const RunResult& run);
  // Every row of every table in the connection's current schema, as text (row::text), labelled
  // "table NAME"; returns how many rows that was.
  int AddTables(PgConnection& conn, const std::string& schema);

  // Every place any of `secrets` (or any 8-byte piece of one) appears.
  std::vector<SecretFound> Search(const std::vector<Secret>& secrets) const;
  // The same for plain values (PII): each value whole.
  std::vector<SecretFound> SearchWhole(const std::vector<std::string>& values) const;

  size_t texts() const { return texts_.size(); }
  size_t bytes() const;

 private:
  std::vector<std::pair<std::string, std::string>> texts_;
};

// Prints found secrets one per line for a test failure.
std::string Describe(const std::vector<SecretFound>& found);

// `url` (scheme://user@host...) with `password` put after its user name.
std::string WithPassword(const std::string& url, const std::string& password);

// The NUL-separated command line of a process, as /proc/PID/cmdline shows every local user.
std::string ProcessCommandLine(int pid);

// Decodes standard base64 (no whitespace); empty for bad input.
std::string DecodeBase64(const std::string& text);

}  // namespace sluice::testing
