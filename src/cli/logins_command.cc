#include "cli/logins_command.h"

#include <fmt/format.h>

#include <cstdlib>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "connectors/file/ndjson_source.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/sqs/sqs_source.h"
#include "core/log.h"
#include "core/names.h"
#include "jobs/logins/logins_job.h"

namespace sluice::cli {
namespace {

struct LoginsFlags {
  std::string pg;
  std::string endpoint;
  std::string queue = "login-queue";
  std::string file;
  std::string table = "user_logins";
  std::string key_file;
  std::string mask = "siv";
  bool until_empty = false;
  int receivers = 8;
  int wait_seconds = 10;
  int visibility_timeout = 60;
  size_t batch_size = 1000;
  int ledger_days = 15;
  std::string keygen_path;
  std::vector<std::string> values;
};

// The key file from --key-file, else SLUICE_MASK_KEY_FILE. Never the key itself on a command line.
Result<MaskKeyring> LoadKeyring(const LoginsFlags& flags) {
  std::string path = flags.key_file;
  if (path.empty()) {
    const char* env = std::getenv("SLUICE_MASK_KEY_FILE");
    path = env ? env : "";
  }
  if (path.empty()) {
    return UsageError(
        "no masking key: pass --key-file PATH or set SLUICE_MASK_KEY_FILE (make one with "
        "`sluice logins keygen PATH`)");
  }
  // A key file that cannot be read or holds no key is configuration, found before any work.
  auto keyring = MaskKeyring::LoadFile(path);
  if (!keyring.ok()) return AsUsage(keyring.status());
  return keyring;
}

int RunLoginsCommand(const LoginsFlags& flags) {
  // Signals are watched from the start, so one that comes while connecting is not fatal.
  logins::StopOnSignals(nullptr);
  // --mask is one of the two (checked where the flag is declared).
  const MaskMode mode = flags.mask == "hmac" ? MaskMode::kHmac : MaskMode::kSiv;
  // Names are checked before anything is connected to: a bad one is a usage error naming its
  // flag, not a failure after the database was set up. A queue URL is taken as it is.
  if (Status st = logins::ValidateLoginsTable(flags.table, "--table"); !st.ok()) return Fail(st);
  if (flags.file.empty() && !flags.queue.starts_with("http://") &&
      !flags.queue.starts_with("https://")) {
    if (Status st = ValidateSqsQueueName(flags.queue, "--queue"); !st.ok()) return Fail(st);
  }
  auto keyring = LoadKeyring(flags);
  if (!keyring.ok()) return Fail(keyring.status());
  auto pg_url = ResolvePgUrl(flags.pg);
  if (!pg_url.ok()) return Fail(pg_url.status());

  // The queue is found before the database is touched: a queue that does not exist fails
  // without creating tables or opening a session.
  std::string queue_url;
  if (flags.file.empty()) {
    auto client = MakeSqsClient(flags.endpoint);
    if (!client.ok()) return Fail(client.status());
    auto url = ResolveQueueUrl(**client, flags.queue);
    if (!url.ok()) return Fail(url.status());
    queue_url = *url;
  }

  // The database side is ready before any message is received, so a consumer that cannot
  // store never holds messages hidden from the others.
  const logins::LoginsTables tables = logins::LoginsTablesFor(flags.table);
  const std::string source_name = flags.file.empty() ? "sqs:" + flags.queue : "file";
  auto sink = logins::LoginsSink::Open(*pg_url, tables, source_name);
  if (!sink.ok()) return Fail(sink.status());

  std::unique_ptr<MessageSource> source;
  if (!flags.file.empty()) {
    auto file = NdjsonFileSource::Open(flags.file);
    if (!file.ok()) return Fail(file.status());
    source = std::move(file).value();
  } else {
    SqsSourceOptions options;
    options.queue_url = queue_url;
    options.receivers = flags.receivers;
    options.wait_seconds = flags.wait_seconds;
    options.visibility_timeout_seconds = flags.visibility_timeout;
    options.until_empty = flags.until_empty;
    std::string endpoint = flags.endpoint;
    source = std::make_unique<SqsSource>(options, [endpoint] {
      // The configuration resolved once above; it cannot fail differently per thread.
      return std::move(MakeSqsClient(endpoint)).value();
    });
  }

  logins::StopOnSignals(source.get());
  logins::LoginsRunOptions options;
  options.batch_size = flags.batch_size;
  options.ledger_days = flags.ledger_days;
  auto stats = logins::RunLogins(*source, **sink, *keyring, mode, options);
  logins::StopOnSignals(nullptr);
  if (!stats.ok()) return Fail(stats.status());
  fmt::print("{} messages: {} stored in {}, {} rejected to {}, {} already stored ({:.2f} s)\n",
             stats->messages, stats->stored, tables.logins, stats->rejected, tables.rejects,
             stats->duplicates, stats->seconds);
  return kExitOk;
}

int RunKeygen(const LoginsFlags& flags) {
  Status st = MaskKeyring::GenerateFile(flags.keygen_path);
  if (!st.ok()) return Fail(st);
  fmt::print("wrote a new masking key to {} (mode 0600)\n", flags.keygen_path);
  return kExitOk;
}

int RunReveal(const LoginsFlags& flags) {
  auto keyring = LoadKeyring(flags);
  if (!keyring.ok()) return Fail(keyring.status());
  Masker masker(*keyring, MaskMode::kSiv);
  int code = kExitOk;
  for (const auto& value : flags.values) {
    auto plain = masker.Reveal(value);
    if (!plain.ok()) {
      LogError("{}: {}", value, plain.status().message());
      std::fputs("\n", stdout);  // one output line per input value, so outputs line up
      code = kExitFailure;
      continue;
    }
    fmt::print("{}\n", *plain);
  }
  return code;
}

int RunMask(const LoginsFlags& flags) {
  auto keyring = LoadKeyring(flags);
  if (!keyring.ok()) return Fail(keyring.status());
  Masker masker(*keyring, flags.mask == "hmac" ? MaskMode::kHmac : MaskMode::kSiv);
  for (const auto& value : flags.values) {
    std::string out;
    Status st = masker.Mask(value, &out);
    if (!st.ok()) return Fail(st);
    fmt::print("{}\n", out);
  }
  return kExitOk;
}

}  // namespace

void AddLoginsCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<LoginsFlags>();
  CLI::App* logins = app.add_subcommand("logins", "SQS login events to a masked PostgreSQL table");
  logins->require_subcommand(1);
  auto key_file = [&](CLI::App* cmd) {
    cmd->add_option("--key-file", flags->key_file,
                    "Masking key file (default: $SLUICE_MASK_KEY_FILE)");
  };

  CLI::App* run = logins->add_subcommand("run", "Consume the queue into the table, exactly once");
  key_file(run);
  run->add_option("--pg", flags->pg, "PostgreSQL URL (default: $SLUICE_PG_URL)");
  run->add_option("--sqs-endpoint", flags->endpoint, "SQS endpoint (default: $AWS_ENDPOINT_URL)");
  auto* queue =
      run->add_option("--queue", flags->queue, "Queue name or URL")->capture_default_str();
  run->add_option("--file", flags->file,
                  "Read messages from a file (a JSON array or NDJSON) instead of SQS")
      ->check(CLI::ExistingFile)
      ->excludes(queue);
  run->add_option("--table", flags->table, "Target table; rejects go to <table>_rejects")
      ->capture_default_str();
  run->add_option("--mask", flags->mask, "siv (reversible with the key) or hmac (irreversible)")
      ->check(CLI::IsMember({"siv", "hmac"}))
      ->capture_default_str();
  run->add_flag("--until-empty", flags->until_empty, "Stop once the queue is drained");
  run->add_option("--receivers", flags->receivers,
                  "Most long polls in flight: starts at 1, adds one while it raises the rate")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_option("--wait-seconds", flags->wait_seconds, "Long-poll length")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  run->add_option("--visibility-timeout", flags->visibility_timeout,
                  "Seconds a received message stays hidden; extended while in hand")
      ->check(CLI::Range(5, 43200))
      ->capture_default_str();
  run->add_option("--batch-size", flags->batch_size, "Messages per transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  run->add_option("--ledger-days", flags->ledger_days, "Days message ids are remembered")
      ->check(CLI::Range(1, 3650))
      ->capture_default_str();
  run->callback([flags, exit_code] { *exit_code = RunLoginsCommand(*flags); });

  CLI::App* keygen = logins->add_subcommand("keygen", "Write a new masking key file (mode 0600)");
  keygen->add_option("path", flags->keygen_path, "Where to write it; never overwritten")
      ->required();
  keygen->callback([flags, exit_code] { *exit_code = RunKeygen(*flags); });

  CLI::App* mask = logins->add_subcommand(
      "mask", "Print the masked form of values, to find their rows without revealing any");
  key_file(mask);
  mask->add_option("--mask", flags->mask, "siv or hmac, as the table was written")
      ->check(CLI::IsMember({"siv", "hmac"}))
      ->capture_default_str();
  mask->add_option("values", flags->values, "Plain values")->required();
  mask->callback([flags, exit_code] { *exit_code = RunMask(*flags); });

  CLI::App* reveal = logins->add_subcommand("reveal", "Print the originals of masked values");
  key_file(reveal);
  reveal->add_option("values", flags->values, "Masked values")->required();
  reveal->callback([flags, exit_code] { *exit_code = RunReveal(*flags); });
}

}  // namespace sluice::cli
