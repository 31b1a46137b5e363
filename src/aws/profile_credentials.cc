#include "aws/profile_credentials.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "aws/crypto.h"
#include "core/environment.h"
#include "core/secrets.h"
#include "core/time_parse.h"
#include "formats/json_reader.h"

namespace sluice {
namespace {

// More than any credentials document: a command that writes this much is not answering.
constexpr size_t kProcessOutputLimit = 1 << 20;
constexpr auto kAssumeRoleTimeout = std::chrono::milliseconds(10000);

// The process provider speaks no HTTP; the base class still wants a transport to hand it.
class ProcessNoTransport : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest&) override {
    return Internal("the credential_process provider sends no HTTP request");
  }
};

// The standard output of `argv` run without a shell, its standard error passing through, and
// how it ended (a waitpid status). Never includes the output in an error.
struct ProcessRun {
  std::string out;
  int wait_status = 0;
  bool too_much = false;
};

// Kills and reaps the child: the provider gave up on it.
void StopCredentialProcess(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

Result<ProcessRun> RunCredentialProcess(const std::vector<std::string>& argv, std::string_view what,
                                        std::chrono::milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Unavailable(fmt::format("{}: cannot make a pipe: {}", what, std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), InheritedEnvironment());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    return Unavailable(
        fmt::format("{}: cannot run {}: {}", what, argv.front(), std::strerror(spawned)));
  }
  // A command that never answers (or answers and never exits) would hold every request of
  // every job: after `timeout` it is stopped and the fetch fails, naming the program.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining_ms = [&] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  auto timed_out = [&] {
    close(fds[0]);
    StopCredentialProcess(pid);
    return Unavailable(fmt::format("{}: {} gave no answer within {} s and was stopped", what,
                                   argv.front(), timeout.count() / 1000.0));
  };
  ProcessRun run;
  char chunk[4096];
  for (;;) {
    pollfd readable{.fd = fds[0], .events = POLLIN, .revents = 0};
    const int ready = poll(&readable, 1, remaining_ms());
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return timed_out();
    const ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (run.out.size() + static_cast<size_t>(n) > kProcessOutputLimit) {
      run.too_much = true;
      continue;  // drain it, so the command is not stuck on a full pipe
    }
    run.out.append(chunk, static_cast<size_t>(n));
  }
  // Its output is closed; it must still exit within the time.
  for (;;) {
    const pid_t done = waitpid(pid, &run.wait_status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (remaining_ms() == 0) return timed_out();
    usleep(10000);
  }
  close(fds[0]);
  return run;
}

// Whether `text` is an RFC 3339 date-time as the process provider's Expiration must be: a date,
// 'T' (or a space), a time, and a zone offset ("Z" or "+01:00"), which ParseTimestamp then reads.
// Without an offset the instant would depend on the machine's zone, so it is refused.
// A lowercase 't' or 'z' (RFC 3339 section 5.6, NOTE) has been made uppercase by
// CredentialProcessExpirationUpper first.
bool CredentialProcessExpirationParses(std::string_view text, int64_t* micros) {
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return false;
  if (text.substr(11).find_first_of("Zz+-") == std::string_view::npos) return false;
  std::string error;
  return ParseTimestamp(text, micros, &error);
}

// `text` with RFC 3339's lowercase 't' (between date and time) and 'z' (the UTC zone) made
// uppercase, as ParseTimestamp and the renewal in credentials_provider.cc read them.
std::string CredentialProcessExpirationUpper(std::string text) {
  if (text.size() > 10 && text[10] == 't') text[10] = 'T';
  if (!text.empty() && text.back() == 'z') text.back() = 'Z';
  return text;
}

class ProcessCredentials : public CredentialsProvider {
 public:
  ProcessCredentials(std::string profile, std::string command, std::chrono::milliseconds timeout,
                     Clock clock)
      : CredentialsProvider(std::make_unique<ProcessNoTransport>(), clock),
        name_(fmt::format("the credential_process of AWS profile '{}'", profile)),
        command_(std::move(command)),
        timeout_(timeout),
        clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

 protected:
  Result<Fetched> Fetch(HttpTransport&) override {
    ASSIGN_OR_RETURN(const std::vector<std::string> argv, SplitCredentialProcessCommand(command_));
    ASSIGN_OR_RETURN(ProcessRun run, RunCredentialProcess(argv, name_, timeout_));
    // What it printed is never put in a message: it may hold a secret even when it is not
    // the document asked for.
    const std::string& program = argv.front();
    if (WIFSIGNALED(run.wait_status)) {
      return Unavailable(
          fmt::format("{}: {} was ended by signal {}", name_, program, WTERMSIG(run.wait_status)));
    }
    if (!WIFEXITED(run.wait_status) || WEXITSTATUS(run.wait_status) != 0) {
      return Unavailable(
          fmt::format("{}: {} exited with status {} (its own messages, if any, "
                      "are on standard error above)",
                      name_, program, WEXITSTATUS(run.wait_status)));
    }
    if (run.too_much) {
      return Unavailable(
          fmt::format("{}: {} wrote more than {} bytes", name_, program, kProcessOutputLimit));
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(run.out.data(), run.out.size()).get(root) || !root.is_object()) {
      return Unavailable(
          fmt::format("{}: {} wrote something other than a JSON object", name_, program));
    }
    Fetched fetched;
    fetched.credentials.secret_access_key = JsonStringOr(root["SecretAccessKey"], "");
    fetched.credentials.session_token = JsonStringOr(root["SessionToken"], "");
    RegisterSecret(fetched.credentials.secret_access_key);
    RegisterSecret(fetched.credentials.session_token);
    fetched.credentials.access_key_id = JsonStringOr(root["AccessKeyId"], "");
    fetched.expiration = JsonStringOr(root["Expiration"], "");
    int64_t version = 0;
    if (root["Version"].get_int64().get(version) || version != 1) {
      return Unavailable(fmt::format("{}: {} answered without \"Version\": 1", name_, program));
    }
    if (fetched.credentials.access_key_id.empty() ||
        fetched.credentials.secret_access_key.empty()) {
      return Unavailable(
          fmt::format("{}: {} answered without AccessKeyId or SecretAccessKey", name_, program));
    }
    // The AWS tools refuse credentials that are unreadably dated or already expired: signing
    // with them would fail at AWS with an error that names neither the profile nor the command.
    if (root["Expiration"].error() != simdjson::NO_SUCH_FIELD && !root["Expiration"].is_null()) {
      int64_t expires = 0;
      fetched.expiration = CredentialProcessExpirationUpper(std::move(fetched.expiration));
      if (!root["Expiration"].is_string() ||
          !CredentialProcessExpirationParses(fetched.expiration, &expires)) {
        // The value is not quoted: the command's output is never put in a message.
        return Unavailable(
            fmt::format("{}: {} answered an \"Expiration\" that is not an ISO 8601 / RFC 3339 "
                        "time with a zone (like 2026-12-01T21:00:00Z)",
                        name_, program));
      }
      const int64_t now =
          std::chrono::duration_cast<std::chrono::microseconds>(clock_().time_since_epoch())
              .count();
      if (expires <= now) {
        return Unavailable(fmt::format(
            "{}: credential_process returned credentials that expired at {} ({}; it is now {})",
            name_, fetched.expiration, program, FormatProcessTime(now)));
      }
    }
    return fetched;
  }
  std::string_view Name() const override { return name_; }

 private:
  // "2026-12-01T20:15:00Z", for the message about credentials already expired.
  static std::string FormatProcessTime(int64_t micros) {
    const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
  }

  std::string name_;
  std::string command_;
  std::chrono::milliseconds timeout_;
  Clock clock_;
};

class AssumeRoleCredentials : public CredentialsProvider {
 public:
  AssumeRoleCredentials(Endpoint sts, std::string region, AssumeRoleRequest request,
                        SourceCredentials source, std::unique_ptr<HttpTransport> transport,
                        Clock clock)
      : CredentialsProvider(std::move(transport), std::move(clock)),
        sts_(std::move(sts)),
        region_(std::move(region)),
        request_(std::move(request)),
        source_(std::move(source)),
        name_(fmt::format("STS AssumeRole for {}", request_.role_arn)) {}

 protected:
  Result<Fetched> Fetch(HttpTransport& transport) override {
    ASSIGN_OR_RETURN(const AwsCredentials source, source_());
    std::string body =
        fmt::format("Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}",
                    UriEncode(request_.role_arn, false), UriEncode(request_.session_name, false));
    if (!request_.external_id.empty()) {
      body += "&ExternalId=" + UriEncode(request_.external_id, false);
    }
    if (request_.duration_seconds != 0) {
      body += fmt::format("&DurationSeconds={}", request_.duration_seconds);
    }
    const std::string payload_hash = HexLower(Sha256(body));
    auto build = [&] {
      SigningRequest signing;
      signing.method = "POST";
      signing.path = sts_.base_path + "/";
      signing.headers = {{"Host", sts_.host},
                         {"Content-Type", "application/x-www-form-urlencoded"}};
      signing.payload_sha256_hex = payload_hash;
      SignRequest(signing, SigningScope{region_, "sts", AmzDateNow(), false}, source);
      HttpRequest request;
      request.method = "POST";
      request.url = sts_.Url("/");
      request.headers = std::move(signing.headers);
      request.body = body;
      request.timeout = kAssumeRoleTimeout;
      return request;
    };
    ASSIGN_OR_RETURN(HttpResponse r, SendWithRetries(transport, RetryPolicy{}, build));
    return ReadStsCredentials(r, "AssumeRole", name_);
  }
  std::string_view Name() const override { return name_; }

 private:
  Endpoint sts_;
  std::string region_;
  AssumeRoleRequest request_;
  SourceCredentials source_;
  std::string name_;
};

}  // namespace

Result<std::vector<std::string>> SplitCredentialProcessCommand(std::string_view command) {
  std::vector<std::string> argv;
  std::string current;
  bool in_element = false;
  bool quoted = false;
  for (const char c : command) {
    if (c == '"') {
      quoted = !quoted;
      in_element = true;
    } else if (!quoted && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      if (in_element) argv.push_back(std::move(current));
      current.clear();
      in_element = false;
    } else {
      current += c;
      in_element = true;
    }
  }
  if (quoted) return UsageError("credential_process: a double quote is not closed");
  if (in_element) argv.push_back(std::move(current));
  if (argv.empty() || argv.front().empty()) {
    return UsageError("credential_process: the command is empty");
  }
  return argv;
}

std::unique_ptr<CredentialsProvider> MakeProcessCredentials(
    std::string profile, std::string command,
    std::function<std::chrono::system_clock::time_point()> clock,
    std::chrono::milliseconds timeout) {
  return std::make_unique<ProcessCredentials>(std::move(profile), std::move(command), timeout,
                                              std::move(clock));
}

std::unique_ptr<CredentialsProvider> MakeAssumeRoleCredentials(
    Endpoint sts, std::string region, AssumeRoleRequest request, SourceCredentials source,
    std::unique_ptr<HttpTransport> transport,
    std::function<std::chrono::system_clock::time_point()> clock) {
  return std::make_unique<AssumeRoleCredentials>(std::move(sts), std::move(region),
                                                 std::move(request), std::move(source),
                                                 std::move(transport), std::move(clock));
}

}  // namespace sluice
