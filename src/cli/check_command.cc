#include "cli/check_command.h"

#include <fmt/format.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_config.h"
#include "cli/aws_clients.h"
#include "cli/exit_policy.h"
#include "cli/lake_command.h"
#include "cli/logins_command.h"
#include "cli/option_binder.h"
#include "cli/report_command.h"
#include "cli/run_summary.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/objstore/store_location.h"
#include "connectors/postgres/pg_connection.h"
#include "core/input_stream.h"
#include "core/json_writer.h"
#include "core/names.h"
#include "core/secrets.h"
#include "jobs/lake/lake_build.h"
#include "jobs/warehouse/models_file.h"
#include "jobs/warehouse/warehouse_load.h"
#include "pipeline/pipeline_error.h"
#include "transforms/mask.h"

namespace sluice::cli {
namespace {

// Where the AWS settings a service was reached with came from (aws_config.h's
// AwsSettingSources), and the access key id masked: never the secret key or the token.
struct CheckedAws {
  AwsSettingSources sources;
  std::string region;
  std::string endpoint;
  std::string access_key;  // "****MPLE", or "" when the credentials failed
  // Why the credentials could not be resolved or fetched (no source gives any, an empty or
  // failing credential_process), or "" when they were.
  std::string credentials_error;
};

// One service's answer. `target` and `detail` may hold anything a server or a flag said: they
// are redacted when printed.
struct CheckedService {
  std::string name;    // "postgresql", "pg-table", "mysql", "mysql-table", "sqs", "s3", ...
  std::string target;  // what was reached, as resolved from the flags and the environment
  bool ok = false;
  std::string detail;                            // what it answered, or the error
  std::optional<CheckedAws> aws = std::nullopt;  // sqs, s3: where their AWS settings came from
};

CheckedService CheckFailed(std::string name, std::string target, const Status& error) {
  return {std::move(name), std::move(target), false, error.message()};
}

// A table a job reads, made by someone else.
struct CheckTable {
  std::string name;
  std::string flag;     // the option naming it: "users-table"
  std::string columns;  // those the job reads: "user_id, user_name, active_status"
};

// Whether `table` (a table or view the job reads, named by `flag`) answers a SELECT of
// `columns` over `pg`: each of a missing table, a missing column and a missing grant is named
// with what to do about it.
CheckedService CheckPgTable(PgConnection& pg, const std::string& table, std::string_view flag,
                            std::string_view columns) {
  const std::string target = fmt::format("{} (--{}) in PostgreSQL", table, flag);
  auto read = pg.Query(fmt::format("SELECT {} FROM {} LIMIT 0", columns, QuoteIdent(table)),
                       fmt::format("reading {}", table));
  if (read.ok()) {
    return {"pg-table", target, true, fmt::format("readable, with {}", columns)};
  }
  const std::string& state = pg.last_sqlstate();
  std::string why;
  if (state == "42P01") {
    why = fmt::format(
        "missing: no table or view {} on the session's search_path (load it, or name another "
        "with --{})",
        table, flag);
  } else if (state == "42703") {
    why = fmt::format("lacks a column the job reads (it needs {})", columns);
  } else if (state == "42501") {
    why = fmt::format("not readable by this user (GRANT SELECT ON {} TO the user)",
                      QuoteIdent(table));
  }
  // PostgreSQL's first line says it; the rest (LINE 1: the statement, a caret) is about the
  // check's own SQL.
  const std::string& message = read.status().message();
  const std::string first_line = message.substr(0, message.find('\n'));
  return {"pg-table", target, false,
          why.empty() ? message : fmt::format("{}: {}", why, first_line)};
}

// PostgreSQL as PgConnection::Connect reaches it (--pg, else SLUICE_PG_URL, else libpq's
// defaults): its version, and the user and database the session has. When the server answered,
// each of `tables` is checked over the same session and added to `checked`.
CheckedService CheckPostgres(const OptionValues& values, const std::vector<CheckTable>& tables = {},
                             std::vector<CheckedService>* checked = nullptr) {
  const std::string& url = values.String("pg");
  std::string target = url.empty()
                           ? "libpq defaults"
                           : fmt::format("{} (from {})", RedactUrl(url),
                                         values.FromCommandLine("pg") ? "--pg" : "SLUICE_PG_URL");
  auto conn = PgConnection::Connect(url);
  if (!conn.ok()) return CheckFailed("postgresql", target, conn.status());
  if (url.empty()) target += ": " + (*conn)->target();
  auto facts =
      (*conn)->Query("SELECT current_setting('server_version'), current_user, current_database()",
                     "asking the server's version");
  if (!facts.ok()) return CheckFailed("postgresql", target, facts.status());
  for (const CheckTable& table : tables) {
    checked->push_back(CheckPgTable(**conn, table.name, table.flag, table.columns));
  }
  return {"postgresql", target, true,
          fmt::format("PostgreSQL {}, user {}, database {}", facts->Value(0, 0), facts->Value(0, 1),
                      facts->Value(0, 2))};
}

// Whether `table` (named by `flag`) answers a SELECT of `columns` over `mysql`.
CheckedService CheckMysqlTable(MysqlConnection& mysql, const std::string& table,
                               std::string_view flag, std::string_view columns) {
  const std::string target = fmt::format("{} (--{}) in MySQL", table, flag);
  const Status read =
      mysql.Stream(fmt::format("SELECT {} FROM {} LIMIT 0", columns, QuoteMysqlIdent(table)),
                   fmt::format("reading {}", table), [](const MysqlRow&) { return Status::Ok(); });
  if (read.ok()) return {"mysql-table", target, true, fmt::format("readable, with {}", columns)};
  const std::string& message = read.message();
  std::string why;
  if (message.find("(MySQL error 1146)") != std::string::npos) {
    why =
        fmt::format("missing: the database has no table {} (name another with --{})", table, flag);
  } else if (message.find("(MySQL error 1054)") != std::string::npos) {
    why = fmt::format("lacks a column the job reads (it needs {})", columns);
  } else if (message.find("(MySQL error 1142)") != std::string::npos) {
    why = fmt::format("not readable by this user (GRANT SELECT ON {} TO the user)",
                      QuoteMysqlIdent(table));
  }
  return {"mysql-table", target, false,
          why.empty() ? message : fmt::format("{}: {}", why, message)};
}

// MySQL's version; when it answered, each of `tables` is checked over the same connection and
// added to `checked`.
CheckedService CheckMysql(const OptionValues& values, const std::vector<CheckTable>& tables = {},
                          std::vector<CheckedService>* checked = nullptr) {
  const std::string& url = values.String("mysql");
  if (url.empty()) {
    return {"mysql", "", false, "no MySQL URL: pass --mysql mysql://... or set SLUICE_MYSQL_URL"};
  }
  const std::string target =
      fmt::format("{} (from {})", RedactUrl(url),
                  values.FromCommandLine("mysql") ? "--mysql" : "SLUICE_MYSQL_URL");
  auto conn = MysqlConnection::Connect(url);
  if (!conn.ok()) return CheckFailed("mysql", target, conn.status());
  std::string version;
  Status read =
      (*conn)->Stream("SELECT VERSION()", "asking the server's version", [&](const MysqlRow& row) {
        if (!row.empty() && row[0]) version = std::string(*row[0]);
        return Status::Ok();
      });
  if (!read.ok()) return CheckFailed("mysql", target, read);
  for (const CheckTable& table : tables) {
    checked->push_back(CheckMysqlTable(**conn, table.name, table.flag, table.columns));
  }
  return {"mysql", target, true, "server " + version};
}

// An access key id as check shows it: ****, then its last four characters, as `aws configure
// list` does. The first four say only AKIA (long-term) or ASIA (temporary); the last four tell
// keys apart. An id shorter than 16 characters (AWS's shortest) shows none of itself.
std::string CheckMaskedKeyId(const std::string& id) {
  return "****" + (id.size() >= 16 ? id.substr(id.size() - 4) : std::string());
}

// The AWS settings of `service` as its client resolves them, with where each came from; the
// endpoint's "flag" source is named as the command's `flag` ("--s3-endpoint"). The credentials
// are fetched when a provider gives them (a process, a role): the client does the same at its
// first request, and the provider's cache serves both.
// `resolve_error` is ResolveAwsConfig's error when `config` is only what resolved before it.
CheckedAws CheckAwsSettings(const AwsConfig& config, std::string_view flag,
                            const Status& resolve_error = Status::Ok()) {
  CheckedAws aws{.sources = config.sources,
                 .region = config.region,
                 .endpoint = config.endpoint.host.empty() ? "" : config.endpoint.Url(""),
                 .access_key = {},
                 .credentials_error = {}};
  if (aws.sources.endpoint_source == "flag")
    aws.sources.endpoint_source = fmt::format("--{}", flag);
  if (!resolve_error.ok()) {
    aws.credentials_error = resolve_error.message();
    return aws;
  }
  auto credentials = config.CurrentCredentials();
  if (credentials.ok()) {
    aws.access_key = CheckMaskedKeyId(credentials->access_key_id);
  } else {
    aws.credentials_error = credentials.status().message();
  }
  return aws;
}

// The provenance of what did resolve when ResolveAwsConfig failed at `error`: none when the
// files themselves could not be read (nothing resolved).
std::optional<CheckedAws> CheckAwsPartial(const AwsConfig& resolved, std::string_view flag,
                                          const Status& error) {
  if (resolved.sources.profile.empty()) return std::nullopt;
  return CheckAwsSettings(resolved, flag, error);
}

// The queue's URL and message counts, through the client the logins job would make.
CheckedService CheckSqsQueue(const std::string& endpoint_flag, const std::string& queue,
                             const std::string& target) {
  auto client = MakeSqsClient(endpoint_flag);
  if (!client.ok()) return CheckFailed("sqs", target, client.status());
  auto url = ResolveQueueUrl(**client, queue);
  if (!url.ok()) return CheckFailed("sqs", target, url.status());
  auto visible = (*client)->ApproximateNumberOfMessages(*url, false);
  if (!visible.ok()) return CheckFailed("sqs", target, visible.status());
  auto all = (*client)->ApproximateNumberOfMessages(*url, true);
  if (!all.ok()) return CheckFailed("sqs", target, all.status());
  return {"sqs", target, true,
          fmt::format("{}: about {} message(s) waiting, {} in flight", *url, *visible,
                      *all - *visible)};
}

// The queue the logins job consumes: found by name (GetQueueUrl) and asked its message counts.
CheckedService CheckSqs(const OptionValues& values) {
  const std::string& queue = values.String("queue");
  const std::string& endpoint_flag = values.String("sqs-endpoint");
  AwsConfig resolved;
  auto config = ResolveAwsConfig(endpoint_flag, "sqs", &resolved);
  std::string target = fmt::format("queue {}", queue);
  if (!config.ok()) {
    CheckedService failed = CheckFailed("sqs", target, config.status());
    failed.aws = CheckAwsPartial(resolved, "sqs-endpoint", config.status());
    return failed;
  }
  target += fmt::format(" at {} ({})", config->endpoint.Url(""), config->region);
  // The credentials are fetched once, here: a failure is the answer (the client would run a
  // failing credential_process again), a success is what the client's shared provider serves.
  CheckedAws aws = CheckAwsSettings(*config, "sqs-endpoint");
  CheckedService checked = aws.credentials_error.empty()
                               ? CheckSqsQueue(endpoint_flag, queue, target)
                               : CheckedService{"sqs", target, false, aws.credentials_error};
  checked.aws = std::move(aws);
  return checked;
}

// The masking key the logins job loads before it does anything else.
CheckedService CheckMaskKey(const OptionValues& values) {
  const std::string& path = values.String("key-file");
  if (path.empty()) {
    return {"masking-key", "", false,
            "no masking key: pass --key-file PATH or set SLUICE_MASK_KEY_FILE"};
  }
  auto keyring = MaskKeyring::LoadFile(path);
  if (!keyring.ok()) return CheckFailed("masking-key", path, keyring.status());
  return {"masking-key", path, true, fmt::format("masks with key {}", keyring->primary().id)};
}

// The listing of `probe_key` alone, through the store the job would open.
CheckedService CheckStoreListing(const StoreLocation& location, const OptionValues& values,
                                 const std::string& name, const std::string& target,
                                 const std::string& probe_key) {
  auto store =
      OpenObjectStore(location, values.String("s3-endpoint"), values.String("s3-addressing"));
  if (!store.ok()) return CheckFailed(name, target, store.status());
  auto listed = (*store)->List(probe_key);
  if (!listed.ok()) return CheckFailed(name, target, listed.status());
  for (const ObjectEntry& entry : *listed) {
    if (entry.key == probe_key) {
      return {name, target, true,
              fmt::format("answers; {} is there ({} bytes)", probe_key, entry.size)};
    }
  }
  return {name, target, true, fmt::format("answers; no {} yet", probe_key)};
}

// A bucket (or a local directory) answers a listing of `probe_key` alone: one ListObjectsV2 page
// of at most that object, which also says whether the job's output is there yet.
CheckedService CheckStore(const StoreLocation& location, const OptionValues& values,
                          const std::string& probe_key) {
  const bool s3 = location.kind == StoreLocation::Kind::kS3;
  const std::string name = s3 ? "s3" : "directory";
  std::string target = location.Url();
  const std::string& endpoint_flag = values.String("s3-endpoint");
  if (!s3) return CheckStoreListing(location, values, name, target, probe_key);
  AwsConfig resolved;
  auto config = ResolveAwsConfig(endpoint_flag, "s3", &resolved);
  if (!config.ok()) {
    CheckedService failed = CheckFailed(name, target, config.status());
    failed.aws = CheckAwsPartial(resolved, "s3-endpoint", config.status());
    return failed;
  }
  target += fmt::format(" at {} ({})", config->endpoint.Url(""), config->region);
  // Fetched once, as CheckSqs does.
  CheckedAws aws = CheckAwsSettings(*config, "s3-endpoint");
  CheckedService checked = aws.credentials_error.empty()
                               ? CheckStoreListing(location, values, name, target, probe_key)
                               : CheckedService{name, target, false, aws.credentials_error};
  checked.aws = std::move(aws);
  return checked;
}

// Where `report run` would write, decided as it decides (--output, else --bucket and --prefix),
// probed at the key of the as-of day's report.
CheckedService CheckReportOutput(const OptionValues& values) {
  std::string day = values.String("as-of");
  if (day.empty()) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    day = text;
  }
  const std::string key = "daily-lessons/" + day + ".csv";
  if (!values.String("output").empty()) {
    auto location = ParseStoreLocation(values.String("output"));
    if (!location.ok()) return CheckFailed("output", values.String("output"), location.status());
    return CheckStore(*location, values, key);
  }
  if (values.String("bucket").empty()) {
    return {"output", "", false,
            "where the report goes is missing: --output s3://bucket/prefix/ (or "
            "file:///absolute/dir/), or --bucket B [--prefix P]"};
  }
  const StoreLocation bucket{.kind = StoreLocation::Kind::kS3, .bucket = values.String("bucket")};
  return CheckStore(bucket, values, values.String("prefix") + key);
}

// The lake where OpenLake finds it (the location given, else DefaultLakeLocation's), checked by
// CheckStore rather than opened by OpenLake: a store that cannot be opened for its AWS settings
// is then reported with the settings that did resolve.
CheckedService CheckLake(const OptionValues& values) {
  auto location = values.FromCommandLine("location")
                      ? ParseStoreLocation(values.String("location"))
                      : DefaultLakeLocation(values.String("s3-endpoint"));
  if (!location.ok()) return CheckFailed("s3", values.String("location"), location.status());
  return CheckStore(*location, values, values.String("output"));
}

// What `warehouse load` refuses before it connects, with the load's own functions: the models
// file (LoadModelsFile), --model among its models (FindModel, UnknownModel), and each file
// (ResolveFormat, which refuses Parquet and unknown extensions; OpenInputFile, which finds a
// file that is missing or unreadable). Standard input is not opened: the check would eat it.
std::vector<CheckedService> CheckWarehouseInputs(const OptionValues& values) {
  std::vector<CheckedService> checked;
  const std::string& file = values.String("models");
  std::vector<warehouse::Model> models = warehouse::Models();
  bool names_known = true;
  // Each line only for what was given: a check without --models, --model or files is
  // PostgreSQL's alone.
  if (!file.empty()) {
    warehouse::LoadedModels loaded = warehouse::LoadModelsFile(file);
    if (loaded.ok()) {
      checked.push_back({"models", file, true, fmt::format("{} model(s)", loaded.models.size())});
      models = std::move(loaded.models);
    } else {
      std::string why = FormatPipelineError(file, loaded.errors.front());
      if (loaded.errors.size() > 1) why += fmt::format(" (and {} more)", loaded.errors.size() - 1);
      checked.push_back({"models", file, false, why});
      models = std::move(loaded.named);
      names_known = loaded.all_names_read;
    }
  }
  const std::string& name = values.String("model");
  if (!name.empty() && names_known) {
    checked.push_back(
        warehouse::FindModel(models, name) != nullptr
            ? CheckedService{"model", name, true, "in the models"}
            : CheckedService{"model", name, false, warehouse::UnknownModel(models, name, file)});
  }
  for (const std::string& path : values.Strings("files")) {
    auto format = warehouse::ResolveFormat(path, values.String("format"));
    if (!format.ok()) {
      checked.push_back(CheckFailed("file", path, format.status()));
      continue;
    }
    if (!IsStandardInput(path)) {
      auto opened = OpenInputFile(path);
      if (!opened.ok()) {
        checked.push_back(CheckFailed("file", path, opened.status()));
        continue;
      }
    }
    checked.push_back({"file", path, true, "readable"});
  }
  return checked;
}

// One line per service: libpq's messages carry a second line ("\n\tIs the server running...").
std::string CheckOneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// "VALUE (from SOURCE)", with the sources that are no setting of the user's said so.
std::string CheckSourced(std::string_view value, std::string_view source) {
  if (source == "default") return fmt::format("{} (the default)", value);
  return fmt::format("{} (from {})", value, source);
}

// The lines under an AWS service's line: where each of its settings came from.
void PrintCheckAwsText(const CheckedAws& aws) {
  const AwsSettingSources& from = aws.sources;
  const auto line = [](std::string_view what, const std::string& text) {
    fmt::print("{:<6} {:<11} {}\n", "", what, CheckOneLine(Redact(text)));
  };
  line("profile", from.profile_source == "default"
                      ? fmt::format("{} (AWS_PROFILE is not set)", from.profile)
                      : CheckSourced(from.profile, from.profile_source));
  // A fault before the credentials (the region, the endpoint, the CA bundle) leaves the settings
  // after it unresolved: those lines are left out, the fault is on the service's line.
  if (!aws.region.empty()) line("region", CheckSourced(aws.region, from.region_source));
  if (!aws.endpoint.empty()) {
    line("endpoint", from.endpoint_source == "default"
                         ? fmt::format("{} (AWS's for the region)", aws.endpoint)
                         : CheckSourced(aws.endpoint, from.endpoint_source));
  }
  if (!from.ca_bundle.empty())
    line("ca-bundle", CheckSourced(from.ca_bundle, from.ca_bundle_source));
  if (aws.credentials_error.empty()) {
    line("credentials", fmt::format("{}: {}; access key id {}", from.credentials_kind,
                                    from.credentials_source, aws.access_key));
  } else if (from.credentials_kind.empty()) {
    // The fault came before the credentials were looked for: it is on the service's line.
  } else if (from.credentials_kind == "none") {
    line("credentials", fmt::format("FAILED: {}", aws.credentials_error));
  } else {
    line("credentials", fmt::format("{}: {}; FAILED: {}", from.credentials_kind,
                                    from.credentials_source, aws.credentials_error));
  }
}

void PrintCheckText(std::string_view job, const std::vector<CheckedService>& services) {
  size_t failed = 0;
  for (const CheckedService& s : services) {
    failed += s.ok ? 0 : 1;
    fmt::print("{:<6} {:<11} {}{}{}\n", s.ok ? "ok" : "FAILED", s.name,
               CheckOneLine(Redact(s.target)), s.target.empty() ? "" : ": ",
               CheckOneLine(Redact(s.detail)));
    if (s.aws) PrintCheckAwsText(*s.aws);
  }
  fmt::print("{}: {}\n", job,
             failed == 0 ? fmt::format("all {} service(s) answered", services.size())
                         : fmt::format("{} of {} service(s) failed", failed, services.size()));
}

void PrintCheckJson(std::string_view job, const std::vector<CheckedService>& services) {
  bool all_ok = true;
  JsonWriter json;
  json.BeginObject().Key("job").String(job).Key("services").BeginArray();
  for (const CheckedService& s : services) {
    all_ok = all_ok && s.ok;
    json.BeginObject()
        .Key("name")
        .String(s.name)
        .Key("target")
        .String(Redact(s.target))
        .Key("ok")
        .Bool(s.ok)
        .Key("detail")
        .String(Redact(s.detail));
    if (s.aws) {
      const AwsSettingSources& from = s.aws->sources;
      json.Key("aws")
          .BeginObject()
          .Key("profile")
          .String(from.profile)
          .Key("profile_source")
          .String(from.profile_source)
          .Key("region")
          .String(s.aws->region)
          .Key("region_source")
          .String(Redact(from.region_source))
          .Key("endpoint")
          .String(Redact(s.aws->endpoint))
          .Key("endpoint_source")
          .String(Redact(from.endpoint_source))
          .Key("ca_bundle")
          .String(Redact(from.ca_bundle))
          .Key("ca_bundle_source")
          .String(Redact(from.ca_bundle_source))
          .Key("credentials_kind")
          .String(from.credentials_kind)
          .Key("credentials_source")
          .String(Redact(from.credentials_source))
          .Key("access_key_id")
          .String(s.aws->access_key)
          .Key("credentials_error")
          .String(Redact(s.aws->credentials_error))
          .EndObject();
    }
    json.EndObject();
  }
  json.EndArray().Key("ok").Bool(all_ok).EndObject();
  fmt::print("{}\n", json.str());
}

using CheckJobFn = std::vector<CheckedService> (*)(const OptionValues& values);

// A job's own options, so its command line works after `check JOB`; nothing the check leaves
// out is required (a check of logins needs no --model, say), and --json chooses the output.
std::vector<OptionSpec> CheckOptionsOf(std::vector<OptionSpec> specs) {
  for (OptionSpec& spec : specs)
    spec.required = false;
  specs.push_back(FlagOption("json", "Print one JSON document instead of a line per service"));
  return specs;
}

void AddCheckJob(CLI::App& check, const std::string& job, const std::string& description,
                 std::vector<OptionSpec> specs, CheckJobFn services_of, int* exit_code) {
  AddCommand(
      check, job, description, CheckOptionsOf(std::move(specs)),
      [job, services_of](const OptionValues& values) {
        const std::vector<CheckedService> services = services_of(values);
        if (values.Flag("json") || JsonSummaryWanted()) {
          PrintCheckJson(job, services);
        } else {
          PrintCheckText(job, services);
        }
        for (const CheckedService& s : services) {
          if (!s.ok) return kExitFailure;
        }
        return kExitOk;
      },
      exit_code);
}

}  // namespace

void AddCheckCommand(CLI::App& app, int* exit_code) {
  CLI::App* check = app.add_subcommand(
      "check", "Connect to every service a job needs and say what each answered (exit 0: all ok)");
  check->require_subcommand(1);
  AddCheckJob(
      *check, "warehouse", "PostgreSQL, with warehouse load's options",
      warehouse::WarehouseLoadComponent().options,
      [](const OptionValues& values) {
        std::vector<CheckedService> services = CheckWarehouseInputs(values);
        services.push_back(CheckPostgres(values));
        return services;
      },
      exit_code);
  AddCheckJob(
      *check, "logins",
      "PostgreSQL, the SQS queue (unless --file) and the masking key, with logins run's "
      "options",
      LoginsRunOptions(),
      [](const OptionValues& values) {
        std::vector<CheckedService> services{CheckPostgres(values)};
        if (values.String("file").empty()) services.push_back(CheckSqs(values));
        services.push_back(CheckMaskKey(values));
        return services;
      },
      exit_code);
  AddCheckJob(
      *check, "report",
      "PostgreSQL and its users table, MySQL and its completions table, and where the report "
      "goes, with report run's options",
      ReportRunOptions(),
      [](const OptionValues& values) {
        // The tables the report reads, each checked over its server's session when the server
        // answered: a missing one is named here rather than an hour into a run.
        std::vector<CheckedService> tables;
        std::vector<CheckedService> services{CheckPostgres(
            values,
            {{values.String("users-table"), "users-table", "user_id, user_name, active_status"}},
            &tables)};
        services.insert(services.end(), tables.begin(), tables.end());
        tables.clear();
        services.push_back(CheckMysql(values,
                                      {{values.String("completions-table"), "completions-table",
                                        "completion_id, user_id, completion_date"}},
                                      &tables));
        services.insert(services.end(), tables.begin(), tables.end());
        services.push_back(CheckReportOutput(values));
        return services;
      },
      exit_code);
  AddCheckJob(
      *check, "lake", "The lake's bucket or directory, with lake build's options",
      lake::LakeBuildComponent().options,
      [](const OptionValues& values) { return std::vector<CheckedService>{CheckLake(values)}; },
      exit_code);
}

}  // namespace sluice::cli
