#include "cli/logins_command.h"

#include <fmt/format.h>

#include <cstdlib>

#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "cli/run_summary.h"
#include "connectors/file/ndjson_source.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/sqs/sqs_source.h"
#include "core/log.h"
#include "core/names.h"
#include "core/progress.h"
#include "jobs/logins/logins_component.h"
#include "jobs/logins/logins_job.h"
#include "jobs/logins/logins_schema.h"
#include "pipeline/pipeline_metrics.h"
#include "pipeline/settings.h"
#include "pipeline/shutdown.h"
#include "transforms/message_transform.h"

namespace sluice::cli {
namespace {

// The key file from --key-file, else SLUICE_MASK_KEY_FILE (resolved with the options). Never the
// key itself on a command line.
Result<MaskKeyring> LoadKeyring(const OptionValues& values) {
  const std::string& path = values.String("key-file");
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

// The live line of a run on a terminal (core/progress.h), redrawn as batches commit; the
// metrics endpoint, when served, is told everything too.
class LoginsProgress : public RunnerObserver {
 public:
  LoginsProgress(std::string label, RunnerObserver* next)
      : progress_(std::move(label), 0), next_(next) {}
  void Finish() { progress_.Finish(); }

  void Started() override {
    if (next_) next_->Started();
  }
  void Received(size_t messages) override {
    if (next_) next_->Received(messages);
  }
  void SourceErrors(uint64_t errors) override {
    if (next_) next_->SourceErrors(errors);
  }
  void CommitRetried(const Status& error) override {
    if (next_) next_->CommitRetried(error);
  }
  void Committed(size_t messages, const SinkOutcome& outcome, double seconds) override {
    committed_ += messages;
    progress_.UpdateBatch(0, committed_);
    if (next_) next_->Committed(messages, outcome, seconds);
  }
  void Failed(const Status& error) override {
    if (next_) next_->Failed(error);
  }

 private:
  Progress progress_;
  RunnerObserver* next_;
  uint64_t committed_ = 0;
};

}  // namespace

std::vector<OptionSpec> LoginsRunOptions() {
  std::vector<OptionSpec> specs = ComposeOptions(
      {MaskComponent().options, logins::LoginsPostgresComponent().options,
       SqsSourceComponent().options, FileSourceComponent().options, RunnerSettingsOptions()});
  for (OptionSpec& spec : specs) {
    if (spec.name == "file") spec.excludes = "queue";
  }
  // The job masks the fields its built-in schema names (ip, device_id): mask's `fields` is for a
  // validate transform's schema in a pipeline file.
  std::erase_if(specs, [](const OptionSpec& spec) { return spec.name == "fields"; });
  return specs;
}

int RunIntoTable(const OptionValues& values, const TableRun& run) {
  // Signals are watched from the start, so one that comes while connecting is not fatal.
  StopOnSignals(nullptr);
  const std::string& file = values.String("file");
  const std::string& queue = values.String("queue");
  const std::string& table = values.String("table");
  // Names are checked before anything is connected to: a bad one is a usage error naming its
  // flag, not a failure after the database was set up. A queue URL is taken as it is.
  if (Status st = logins::ValidateLoginsTable(table, run.table_flag); !st.ok()) return Fail(st);
  if (!file.empty()) {
    if (Status st = CheckFileSourcePath(file); !st.ok()) return Fail(st);
  }
  if (file.empty() && !queue.starts_with("http://") && !queue.starts_with("https://")) {
    if (Status st = ValidateSqsQueueName(queue, "--queue"); !st.ok()) return Fail(st);
  }
  // A queue's settings given with --file would silently do nothing: the user meant something
  // the command is not about to do. (--queue itself is refused by the option's `excludes`.)
  if (!file.empty()) {
    for (const OptionSpec& spec : SqsSourceComponent().options) {
      if (spec.name != "queue" && values.FromCommandLine(spec.name)) {
        return Fail(UsageError(fmt::format(
            "--{} is a setting of the queue source and does nothing with --file", spec.name)));
      }
    }
  }
  auto transform = run.make_transform();
  if (!transform.ok()) return Fail(transform.status());
  // Served before anything is connected to, so an address that cannot be served is refused
  // before any work; only where told (pipeline/pipeline_metrics.h).
  std::unique_ptr<MetricsEndpoint> metrics;
  if (const std::string& listen = values.String("metrics-listen"); !listen.empty()) {
    auto started = MetricsEndpoint::Start(listen, "--metrics-listen");
    if (!started.ok()) return Fail(started.status());
    metrics = std::move(started).value();
  }

  // The queue is found before the database is touched: a queue that does not exist fails
  // without creating tables or opening a session.
  const std::string endpoint = values.String("sqs-endpoint");
  std::string queue_url;
  if (file.empty()) {
    auto client = MakeSqsClient(endpoint);
    if (!client.ok()) return Fail(client.status());
    auto url = ResolveQueueUrl(**client, queue);
    if (!url.ok()) return Fail(url.status());
    queue_url = *url;
  }

  // The database side is ready before any message is received, so a consumer that cannot
  // store never holds messages hidden from the others.
  const logins::LoginsTables tables = logins::LoginsTablesFor(table);
  const std::string source_name = file.empty() ? "sqs:" + queue : "file";
  auto sink = logins::LoginsSink::Open(values.String("pg"), tables, source_name, run.shape);
  if (!sink.ok()) return Fail(sink.status());

  std::unique_ptr<MessageSource> source;
  if (!file.empty()) {
    auto opened = NdjsonFileSource::Open(file);
    if (!opened.ok()) return Fail(opened.status());
    source = std::move(opened).value();
  } else {
    SqsSourceOptions options = SqsSourceOptionsFrom(values);
    options.queue_url = queue_url;
    source = std::make_unique<SqsSource>(options, [endpoint] {
      // The configuration resolved once above; it cannot fail differently per thread.
      return std::move(MakeSqsClient(endpoint)).value();
    });
  }

  StopOnSignals(source.get());
  // What the run consumes and where it writes, before the first message: a long-running
  // consumer's log says what it is doing.
  const std::string& pg = values.String("pg");
  const std::string writes_to =
      pg.empty() ? std::string("PostgreSQL from libpq's defaults (PG* variables)") : pg;
  const int consumers = file.empty() ? static_cast<int>(values.Int("receivers")) : 1;
  LogEvent(LogLevel::kInfo, "logins.start",
           {{"job", "logins run"},
            {"source", file.empty() ? "sqs" : "file"},
            {"input", file.empty() ? queue_url : file},
            {"consumers", consumers},
            {"postgres", writes_to},
            {"table", tables.logins},
            {"rejects_table", tables.rejects},
            {"batch_size", values.Int("batch-size")}},
           "logins run: consuming {} ({}) into {} at {}, rejects to {}",
           file.empty() ? "queue " + queue_url : "file " + file,
           file.empty() ? fmt::format("up to {} receives at once, starting with one", consumers)
                        : std::string("one reader"),
           tables.logins, writes_to, tables.rejects);
  LoginsProgress progress(file.empty() ? "logins: " + queue : "logins: " + file,
                          metrics ? &metrics->metrics() : nullptr);
  logins::LoginsRunOptions options;
  options.batch_size = static_cast<size_t>(values.Int("batch-size"));
  options.ledger_days = static_cast<int>(values.Int("ledger-days"));
  const RunnerOptions runner = RunnerOptionsFrom(values);
  options.linger = runner.linger;
  options.batch_body_bytes = runner.batch_body_bytes;
  options.retry = runner.retry;
  options.progress_every = runner.progress_every;
  options.observer = &progress;
  auto stats = logins::RunMessagesIntoTable(*source, **transform, **sink, options);
  StopOnSignals(nullptr);
  progress.Finish();
  if (!stats.ok()) return Fail(stats.status());
  RunSummary summary("logins run");
  summary.json()
      .Key("messages")
      .Int(static_cast<int64_t>(stats->messages))
      .Key("stored")
      .Int(static_cast<int64_t>(stats->stored))
      .Key("rejected")
      .Int(static_cast<int64_t>(stats->rejected))
      .Key("duplicates")
      .Int(static_cast<int64_t>(stats->duplicates))
      .Key("batches")
      .Int(static_cast<int64_t>(stats->batches))
      .Key("table")
      .String(tables.logins)
      .Key("rejects_table")
      .String(tables.rejects);
  LogEvent(LogLevel::kDebug, "logins.end",
           {{"job", "logins run"},
            {"messages", stats->messages},
            {"stored", stats->stored},
            {"rejected", stats->rejected},
            {"duplicates", stats->duplicates},
            {"duration_ms", static_cast<int64_t>(stats->seconds * 1000)}},
           "logins run: finished");
  summary.Print(kExitOk, fmt::format("{} messages: {} stored in {}, {} rejected to {}, {} already "
                                     "stored ({:.2f} s)\n",
                                     stats->messages, stats->stored, tables.logins, stats->rejected,
                                     tables.rejects, stats->duplicates, stats->seconds));
  return kExitOk;
}

int RunLoginsCommand(const OptionValues& values) {
  // The preset of a queue -> validate -> mask -> table pipeline: the logins schema
  // (examples/logins-schema.yaml, built in), ip and device_id masked, into user_logins' shape.
  std::shared_ptr<const MaskKeyring> keyring;
  TableRun run;
  run.make_transform = [&]() -> Result<std::unique_ptr<Transform>> {
    ASSIGN_OR_RETURN(MaskKeyring loaded, LoadKeyring(values));
    keyring = std::make_shared<const MaskKeyring>(std::move(loaded));
    return std::unique_ptr<Transform>(std::make_unique<MessageTransform>(
        logins::LoginsMessageSchema(), logins::LoginsMaskedFields(), keyring,
        MaskModeFrom(values)));
  };
  return RunIntoTable(values, run);
}

namespace {

int RunKeygen(const OptionValues& values) {
  const std::string& path = values.String("path");
  Status st = MaskKeyring::GenerateFile(path);
  if (!st.ok()) return Fail(st);
  fmt::print("wrote a new masking key to {} (mode 0600)\n", path);
  return kExitOk;
}

int RunReveal(const OptionValues& values) {
  auto keyring = LoadKeyring(values);
  if (!keyring.ok()) return Fail(keyring.status());
  Masker masker(*keyring, MaskMode::kSiv);
  int code = kExitOk;
  for (const auto& value : values.Strings("values")) {
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

int RunMask(const OptionValues& values) {
  auto keyring = LoadKeyring(values);
  if (!keyring.ok()) return Fail(keyring.status());
  Masker masker(*keyring, MaskModeFrom(values));
  for (const auto& value : values.Strings("values")) {
    std::string out;
    Status st = masker.Mask(value, &out);
    if (!st.ok()) return Fail(st);
    fmt::print("{}\n", out);
  }
  return kExitOk;
}

OptionSpec Values(std::string summary) {
  OptionSpec spec{.name = "values", .type = OptionType::kList, .summary = std::move(summary)};
  spec.positional = true;
  spec.required = true;
  return spec;
}

}  // namespace

void AddLoginsCommand(CLI::App& app, int* exit_code) {
  CLI::App* logins = app.add_subcommand("logins", "SQS login events to a masked PostgreSQL table");
  logins->require_subcommand(1);
  const ComponentSpec mask = MaskComponent();
  const OptionSpec& key_file = mask.options[0];

  AddCommand(*logins, "run", "Consume the queue into the table, exactly once", LoginsRunOptions(),
             RunLoginsCommand, exit_code);

  OptionSpec path = PathOption("path", "Where to write it; never overwritten", false);
  path.positional = true;
  path.required = true;
  AddCommand(*logins, "keygen", "Write a new masking key file (mode 0600)", {path}, RunKeygen,
             exit_code);

  OptionSpec mode = mask.options[1];
  mode.summary = "siv or hmac, as the table was written";
  AddCommand(*logins, "mask",
             "Print the masked form of values, to find their rows without revealing any",
             {key_file, mode, Values("Plain values")}, RunMask, exit_code);
  AddCommand(*logins, "reveal", "Print the originals of masked values",
             {key_file, Values("Masked values")}, RunReveal, exit_code);
}

}  // namespace sluice::cli
