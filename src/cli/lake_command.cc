#include "cli/lake_command.h"

#include <fmt/format.h>

#include "cli/exit_policy.h"
#include "cli/option_binder.h"
#include "cli/run_summary.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/text_check.h"
#include "http/server_options.h"
#include "jobs/lake/lake_build.h"
#include "jobs/lake/lake_seed.h"
#include "jobs/lake/lake_serve.h"

namespace sluice::cli {
namespace {

std::string Size(uint64_t bytes) {
  if (bytes < 10'000) return fmt::format("{} B", bytes);
  if (bytes < 10'000'000) return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1e3);
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

int RunSeed(const OptionValues& values) {
  auto lake = OpenLake(values, "source_data/");
  if (!lake.ok()) return Fail(lake.status());
  lake::SeedRequest request;
  request.source_dir = values.String("source-dir");
  request.parallel = static_cast<int>(values.Int("parallel"));
  request.delete_extra = values.Flag("delete");
  // A directory is made as needed; a bucket only when asked (creating one is a privilege).
  if (values.Flag("create-bucket") || lake->location.kind == StoreLocation::Kind::kLocal) {
    Status created = lake->store->CreateRoot();
    if (!created.ok()) return Fail(created);
  }
  auto result = lake::SeedLake(*lake->store, request);
  if (!result.ok()) {
    Status st = result.status();
    if (st.code() == StatusCode::kNotFound &&
        st.message().find("NoSuchBucket") != std::string::npos)
      st = Status(st.code(), st.message() + " (--create-bucket creates it)");
    return Fail(st);
  }
  fmt::print("seeded {}: {} file(s), {} uploaded ({}), {} already there{} ({:.2f} s)\n",
             lake->location.Url(), result->files, result->uploaded, Size(result->bytes_uploaded),
             result->skipped,
             request.delete_extra ? fmt::format(", {} deleted", result->deleted) : "",
             result->seconds);
  return kExitOk;
}

void PrintBuildText(const StoreLocation& location, const lake::BuildResult& r,
                    const std::string& output_key) {
  fmt::print(
      "lake {}: {} user(s): {} added, {} updated, {} removed, {} rejected\n"
      "fetched {} of {} listed object(s) ({}){}; listing {:.3f} s, fetching {:.3f} s, total "
      "{:.3f} s\n"
      "{} {}{}\n",
      location.Url(), r.users, r.added, r.updated, r.removed, r.rejected.size(), r.objects_fetched,
      r.objects_listed, Size(r.bytes_fetched), r.cold ? " (cold build)" : "", r.listing_seconds,
      r.fetching_seconds, r.total_seconds, r.output_written ? "published" : "unchanged",
      location.Url(), output_key);
  for (const lake::BuildReject& reject : r.rejected) {
    std::string label = reject.fresh ? " (new)" : "";
    if (reject.dropped_user)
      label = fmt::format(" (new; user {} was valid before and is dropped from the output)",
                          *reject.dropped_user);
    // Keys and reasons come from the store: nothing in them may drive the terminal.
    fmt::print("rejected {}{}: {}\n", ForTerminal(reject.key), label, ForTerminal(reject.reason));
  }
}

// The build's fields of the JSON summary (`--format json` or the global --json).
void AddBuildJson(JsonWriter& json, const StoreLocation& location, const lake::BuildResult& r,
                  const std::string& output_key) {
  json.Key("location")
      .String(location.Url())
      .Key("output")
      .String(output_key)
      .Key("output_written")
      .Bool(r.output_written)
      .Key("output_etag")
      .String(r.output_etag)
      .Key("cold")
      .Bool(r.cold)
      .Key("users")
      .Int(r.users)
      .Key("added")
      .Int(r.added)
      .Key("updated")
      .Int(r.updated)
      .Key("removed")
      .Int(r.removed)
      .Key("objects_listed")
      .Int(r.objects_listed)
      .Key("objects_fetched")
      .Int(r.objects_fetched)
      .Key("bytes_fetched")
      .Int(static_cast<int64_t>(r.bytes_fetched))
      .Key("listing_seconds")
      .Double(r.listing_seconds)
      .Key("fetching_seconds")
      .Double(r.fetching_seconds)
      .Key("total_seconds")
      .Double(r.total_seconds)
      .Key("rejected")
      .BeginArray();
  for (const lake::BuildReject& reject : r.rejected) {
    json.BeginObject()
        .Key("key")
        .String(reject.key)
        .Key("reason")
        .String(reject.reason)
        .Key("new")
        .Bool(reject.fresh);
    if (reject.dropped_user) json.Key("dropped_user").Int(*reject.dropped_user);
    json.EndObject();
  }
  json.EndArray();
}

}  // namespace

std::vector<OptionSpec> LakeBuildOptions() {
  return ComposeOptions(
      {lake::LakeBuildComponent().options,
       std::vector<OptionSpec>{ChoiceOption("format", "The summary as text or as one JSON object",
                                            {"text", "json"}, "text")}});
}

int RunLakeBuild(const OptionValues& values) {
  lake::BuildRequest request;
  request.source_prefix = values.String("source");
  request.output_key = values.String("output");
  request.parallel = static_cast<int>(values.Int("parallel"));
  if (Status valid = lake::ValidateBuildRequest(request); !valid.ok()) return Fail(valid);
  auto lake = OpenLake(values);
  if (!lake.ok()) return Fail(lake.status());
  auto result = lake::BuildLake(*lake->store, request);
  if (!result.ok()) return Fail(result.status());
  const int code = result->rejected.empty() ? kExitOk : kExitRejects;
  if (values.String("format") == "json" || JsonSummaryWanted()) {
    // --format json predates the global --json: both print the same object.
    SetJsonSummary(true);
    RunSummary summary("lake build");
    AddBuildJson(summary.json(), lake->location, *result, request.output_key);
    summary.Print(code, "");
  } else {
    PrintBuildText(lake->location, *result, request.output_key);
  }
  return code;
}

namespace {

int RunServe(const OptionValues& values) {
  auto request = lake::ServeRequestFrom(values);
  if (!request.ok()) return Fail(request.status());
  auto lake = OpenLake(values);
  if (!lake.ok()) return Fail(lake.status());
  Status served = lake::ServeLake(*lake->store, *request);
  return served.ok() ? kExitOk : Fail(served);
}

}  // namespace

Result<OpenedLake> OpenLake(const OptionValues& values, std::string_view default_below) {
  OpenedLake lake;
  const std::string& endpoint = values.String("s3-endpoint");
  if (values.FromCommandLine("location")) {
    ASSIGN_OR_RETURN(lake.location, ParseStoreLocation(values.String("location")));
  } else {
    ASSIGN_OR_RETURN(lake.location, DefaultLakeLocation(endpoint));
    lake.location = lake.location.Below(default_below);
    LogInfo("no location given: using {}", lake.location.Url());
  }
  ASSIGN_OR_RETURN(lake.store,
                   OpenObjectStore(lake.location, endpoint, values.String("s3-addressing")));
  return lake;
}

void AddLakeCommand(CLI::App& app, int* exit_code) {
  CLI::App* lake = app.add_subcommand("lake", "The data lake: users' CSVs aggregated and served");
  lake->require_subcommand(1);
  AddCommand(*lake, "seed", "Upload a local folder into a lake, skipping files already there",
             lake::LakeSeedComponent().options, RunSeed, exit_code);
  AddCommand(*lake, "build", "Aggregate the lake's users into output.csv, reading what changed",
             LakeBuildOptions(), RunLakeBuild, exit_code);
  AddCommand(*lake, "serve", "Serve the lake over HTTP, rebuilding on a schedule and on POST /data",
             ComposeOptions({lake::LakeBuildComponent().options, lake::LakeServeComponent().options,
                             http::HttpServerComponent().options}),
             RunServe, exit_code);
}

}  // namespace sluice::cli
