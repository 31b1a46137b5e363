#include "support/test_env.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace sluice::testing {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The pid alone repeats across runs, and the local S3 server outlives a run: a bucket a killed run
// left behind would then collide with a new test's. A random token per process keeps names apart.
std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  static const std::string run_token = [] {
    std::random_device device;
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(device()));
    return std::string(hex);
  }();
  return std::to_string(getpid()) + "_" + run_token + "_" + std::to_string(counter++);
}

// A folder of this test process's own for the files tests write, removed when the process exits.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = ::testing::TempDir() + "/sluice_tests_XXXXXX";
    path_ = mkdtemp(templ.data()) ? templ : ::testing::TempDir();
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (path_ != ::testing::TempDir()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string& Scratch() {
  static ScratchDir dir;
  return dir.path();
}

}  // namespace

std::string BasePgUrl() {
  const char* url = std::getenv("SLUICE_PG_URL");
  return url ? url : "";
}

bool ServicesRequired() {
  const char* require = std::getenv("SLUICE_REQUIRE_SERVICES");
  return require && std::string(require) == "1";
}

bool HaveAws() {
  const char* endpoint = std::getenv("AWS_ENDPOINT_URL");
  return endpoint && *endpoint;
}

int ListenOnLoopback(int* port) {
  *port = 0;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

std::string ReadHttpHead(int fd) {
  std::string seen;
  char chunk[1024];
  while (seen.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    seen.append(chunk, static_cast<size_t>(n));
  }
  return seen;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int FreeLoopbackPort() {
  int port = 0;
  const int fd = ListenOnLoopback(&port);
  if (fd >= 0) close(fd);
  return port;
}

std::string UniqueName(const std::string& prefix) {
  return prefix + "-" + UniqueSuffix();
}

void PgTest::SetUp() {
  std::string base = BasePgUrl();
  if (base.empty()) {
    if (ServicesRequired()) {
      FAIL() << "SLUICE_PG_URL is not set; run `eval \"$(scripts/services up)\"`";
    }
    GTEST_SKIP() << "no PostgreSQL: set SLUICE_PG_URL (scripts/services up prints it)";
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  schema_ = "t_" + UniqueSuffix();
  auto admin = PgConnection::Connect(base);
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  ASSERT_TRUE((*admin)->Exec("CREATE SCHEMA " + schema_, "creating test schema").ok());
  url_ = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema_ + "&application_name=" + info->name();
  auto conn = PgConnection::Connect(url_);
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  conn_ = std::move(conn).value();
}

void PgTest::TearDown() {
  conn_.reset();
  if (schema_.empty()) return;
  auto admin = PgConnection::Connect(BasePgUrl());
  if (admin.ok()) (void)(*admin)->Exec("DROP SCHEMA " + schema_ + " CASCADE", "dropping schema");
}

std::string PgTest::Scalar(const std::string& sql) {
  auto r = conn_->Query(sql, "test query");
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok() || r->rows() == 0 || r->IsNull(0, 0)) return "";
  return std::string(r->Value(0, 0));
}

namespace {

// Spawns build/sluice with stdout and stderr going to the given files.
int Spawn(const std::vector<std::string>& args, const std::string& pg_url,
          const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> argv_store = {SLUICE_BINARY, "--no-progress"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_store;
  bool metadata_setting = false;
  for (char** e = environ; *e; ++e) {
    if (std::string_view(*e).starts_with("SLUICE_PG_URL=")) continue;
    metadata_setting |= std::string_view(*e).starts_with("AWS_EC2_METADATA_DISABLED=");
    env_store.emplace_back(*e);
  }
  if (!pg_url.empty()) env_store.push_back("SLUICE_PG_URL=" + pg_url);
  // A spawned sluice without keys must not ask 169.254.169.254 for a role, even when the test
  // binary runs outside `make test` or ctest (which set this too); a test may still say false.
  if (!metadata_setting) env_store.push_back("AWS_EC2_METADATA_DISABLED=true");
  std::vector<char*> envp;
  for (auto& e : env_store)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

}  // namespace

int WaitProcess(int pid) {
  if (pid <= 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool WaitUntilCatching(int pid, int signal, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const uint64_t bit = uint64_t{1} << (signal - 1);
  do {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status) return false;
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("SigCgt:", 0) == 0) {
        if (std::stoull(line.substr(7), nullptr, 16) & bit) return true;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

int SpawnSluice(const std::vector<std::string>& args, const std::string& pg_url) {
  std::string base;
  return SpawnSluice(args, pg_url, &base);
}

int SpawnSluice(const std::vector<std::string>& args, const std::string& pg_url,
                std::string* output_base) {
  *output_base = Scratch() + "/spawned_" + UniqueSuffix();
  return Spawn(args, pg_url, *output_base + ".out", *output_base + ".err");
}

RunResult RunSluice(const std::vector<std::string>& args, const std::string& pg_url) {
  const std::string& dir = Scratch();
  std::string suffix = UniqueSuffix();
  std::string out_path = dir + "/sluice_out_" + suffix;
  std::string err_path = dir + "/sluice_err_" + suffix;
  RunResult result;
  result.exit_code = WaitProcess(Spawn(args, pg_url, out_path, err_path));
  result.out = ReadWhole(out_path);
  result.err = ReadWhole(err_path);
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  std::string path = Scratch() + "/" + UniqueSuffix() + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string ExamplesDir() {
  return std::string(SLUICE_TESTS_DIR) + "/../examples/";
}

}  // namespace sluice::testing
