// The Kubernetes manifests of deploy/kubernetes/ (docs/deploy.md), read with yaml-cpp, the YAML
// library Sluice itself uses. Beyond being well-formed, each is held to what makes it work with
// this binary: the containers' arguments are sluice commands and options that parse (each is run
// with --help), probes ask /health on the port the command listens on, CronJobs never overlap,
// the logins consumers scale on the queue they consume, and every Secret, ConfigMap, volume and
// secret file a container names exists. No cluster is needed.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace sluice::testing {
namespace {

struct ManifestDoc {
  std::string file;  // name below deploy/kubernetes/
  int index = 0;     // 0-based document number in the file
  YAML::Node node;

  std::string Where() const {
    return file + " document " + std::to_string(index + 1) + " (" + Kind() + " " + Name() + ")";
  }
  std::string Kind() const { return node["kind"] ? node["kind"].as<std::string>("") : ""; }
  std::string Name() const {
    return node["metadata"] && node["metadata"]["name"]
               ? node["metadata"]["name"].as<std::string>("")
               : "";
  }
};

std::string ManifestDir() {
  return std::string(SLUICE_TESTS_DIR) + "/../deploy/kubernetes";
}

std::string ManifestText(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : "";
}

// Every document of every *.yaml file, in file order; a file that does not parse is a failure
// naming its line and column.
std::vector<ManifestDoc> LoadManifests() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(ManifestDir())) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".yaml" || ext == ".yml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ManifestDoc> docs;
  for (const auto& path : files) {
    try {
      std::vector<YAML::Node> nodes = YAML::LoadAllFromFile(path.string());
      for (size_t i = 0; i < nodes.size(); ++i) {
        docs.push_back({path.filename().string(), static_cast<int>(i), nodes[i]});
      }
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << path.filename().string() << ":" << e.mark.line + 1 << ":"
                    << e.mark.column + 1 << ": " << e.msg;
    }
  }
  return docs;
}

// The pod template of a workload, or a null node for other kinds.
YAML::Node ManifestPodSpec(const ManifestDoc& doc) {
  const std::string kind = doc.Kind();
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Job") {
    return doc.node["spec"]["template"]["spec"];
  }
  if (kind == "CronJob") return doc.node["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  return YAML::Node();
}

std::vector<std::string> ManifestArgs(const YAML::Node& container) {
  std::vector<std::string> args;
  for (const auto& arg : container["args"])
    args.push_back(ManifestText(arg));
  return args;
}

// The value following `option` in args ("" when absent).
std::string ManifestOptionValue(const std::vector<std::string>& args, const std::string& option) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == option) return args[i + 1];
  }
  return "";
}

// Options a help text lists: name -> whether it takes a value ("--queue TEXT" does,
// "--until-empty   Stop once..." does not).
std::map<std::string, bool> ManifestHelpOptions(const std::string& help) {
  static const std::regex option(R"(^\s+(?:-\w,)?(--[a-z0-9-]+)( [A-Z]\S*)?)");
  std::map<std::string, bool> options;
  std::istringstream lines(help);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, m, option)) options[m[1]] = m[2].matched;
  }
  return options;
}

// Why args do not fit the command whose --help printed `help` (root_help lists the global
// options), or "" when they do: every word of the Usage line's command path in order, every
// option one the help lists (its value taken), and no more positionals than Usage allows.
// --help alone cannot tell: CLI11 prints the nearest help without looking at unknown words.
std::string ManifestArgsMisfit(const std::vector<std::string>& args, const std::string& help,
                               const std::string& root_help) {
  std::smatch usage;
  static const std::regex usage_line(R"(Usage: \S+((?: [^\s\[A-Z][^\s]*)*)((?: \S+)*))");
  if (!std::regex_search(help, usage, usage_line)) return "its help has no Usage line";
  std::vector<std::string> path;
  std::istringstream path_words(usage[1].str());
  for (std::string w; path_words >> w;)
    path.push_back(w);
  const std::string rest = usage[2].str();
  if (rest.find("SUBCOMMAND") != std::string::npos) {
    return "`sluice " + usage[1].str().substr(1) + "` needs a subcommand";
  }
  const size_t positionals_allowed =
      std::count(rest.begin(), rest.end(), ' ') - (rest.find("[OPTIONS]") != rest.npos ? 1 : 0);
  std::map<std::string, bool> options = ManifestHelpOptions(help);
  options.merge(ManifestHelpOptions(root_help));
  size_t matched = 0;
  size_t positionals = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) == 0) {
      const std::string name = arg.substr(0, arg.find('='));
      auto known = options.find(name);
      if (known == options.end()) return "unknown option " + name;
      if (known->second && arg.find('=') == std::string::npos) ++i;
    } else if (matched < path.size() && arg == path[matched]) {
      ++matched;
    } else if (matched < path.size() || ++positionals > positionals_allowed) {
      return "unexpected word '" + arg + "'";
    }
  }
  return "";
}

struct ManifestContainer {
  const ManifestDoc* doc;
  YAML::Node pod;
  YAML::Node container;
  std::string Where() const {
    return doc->Where() + " container " + ManifestText(container["name"]);
  }
};

std::vector<ManifestContainer> ManifestContainers(const std::vector<ManifestDoc>& docs) {
  std::vector<ManifestContainer> out;
  for (const auto& doc : docs) {
    YAML::Node pod = ManifestPodSpec(doc);
    if (!pod) continue;
    for (const auto& c : pod["containers"])
      out.push_back({&doc, pod, c});
    for (const auto& c : pod["initContainers"])
      out.push_back({&doc, pod, c});
  }
  return out;
}

const ManifestDoc* ManifestFind(const std::vector<ManifestDoc>& docs, const std::string& kind,
                                const std::string& name) {
  for (const auto& doc : docs) {
    if (doc.Kind() == kind && doc.Name() == name) return &doc;
  }
  return nullptr;
}

TEST(KubernetesManifests, EveryDocumentIsWellFormedAndNamed) {
  std::vector<ManifestDoc> docs = LoadManifests();
  ASSERT_GE(docs.size(), 10u) << "deploy/kubernetes/ holds fewer documents than it should";
  std::set<std::string> seen;
  for (const auto& doc : docs) {
    ASSERT_TRUE(doc.node.IsMap()) << doc.file << " document " << doc.index + 1
                                  << " is not a mapping (an empty document between ---?)";
    EXPECT_FALSE(ManifestText(doc.node["apiVersion"]).empty()) << doc.Where() << ": no apiVersion";
    EXPECT_FALSE(doc.Kind().empty()) << doc.Where() << ": no kind";
    EXPECT_FALSE(doc.Name().empty()) << doc.Where() << ": no metadata.name";
    EXPECT_TRUE(seen.insert(doc.Kind() + "/" + doc.Name()).second)
        << doc.Where() << ": a second " << doc.Kind() << " of that name";
  }
  for (const char* kind :
       {"Deployment", "CronJob", "Service", "ConfigMap", "Secret", "ScaledObject"}) {
    EXPECT_TRUE(std::any_of(docs.begin(), docs.end(),
                            [&](const ManifestDoc& d) { return d.Kind() == kind; }))
        << "no " << kind;
  }
}

TEST(KubernetesManifests, ContainersRunRealSluiceCommands) {
  std::vector<ManifestDoc> docs = LoadManifests();
  RunResult root = RunSluice({"--help"}, "");
  ASSERT_EQ(root.exit_code, 0) << root.err;
  std::vector<ManifestContainer> containers = ManifestContainers(docs);
  ASSERT_GE(containers.size(), 4u);
  for (const auto& c : containers) {
    const std::string image = ManifestText(c.container["image"]);
    EXPECT_NE(image.find("sluice"), std::string::npos) << c.Where() << ": image '" << image << "'";
    // The image's ENTRYPOINT is sluice; a command would bypass it.
    EXPECT_FALSE(c.container["command"]) << c.Where() << ": sets command";
    std::vector<std::string> args = ManifestArgs(c.container);
    ASSERT_FALSE(args.empty()) << c.Where() << ": no args";
    std::vector<std::string> with_help = args;
    with_help.push_back("--help");
    RunResult run = RunSluice(with_help, "");
    EXPECT_EQ(run.exit_code, 0) << c.Where() << ": `sluice " << ::testing::PrintToString(args)
                                << " --help` refused them: " << run.err;
    EXPECT_EQ(ManifestArgsMisfit(args, run.out, root.out), "") << c.Where();
  }
}

TEST(KubernetesManifests, ArgsCheckCatchesWhatHelpAloneLetsThrough) {
  RunResult root = RunSluice({"--help"}, "");
  ASSERT_EQ(root.exit_code, 0);
  // Refused: either `--help` exits non-zero or the words do not fit the help it printed.
  auto refused = [&](std::vector<std::string> args) {
    std::vector<std::string> with_help = args;
    with_help.push_back("--help");
    RunResult run = RunSluice(with_help, "");
    return run.exit_code != 0 || !ManifestArgsMisfit(args, run.out, root.out).empty();
  };
  EXPECT_FALSE(refused({"logins", "run", "--queue", "q", "--log-format", "json"}));
  EXPECT_FALSE(refused({"lake", "serve", "s3://datalake/", "--follow", "--listen", "0.0.0.0:80"}));
  EXPECT_TRUE(refused({"logins", "runn", "--queue", "q"}));
  EXPECT_TRUE(refused({"logins", "run", "--queu", "q"}));
  EXPECT_TRUE(refused({"logins", "run", "--receivers", "999"}));
  EXPECT_TRUE(refused({"lake", "serve", "s3://a/", "s3://b/"}));
  EXPECT_TRUE(refused({"lake", "build", "--follow"}));
  EXPECT_TRUE(refused({"logins"}));
}

// The port a container's command listens on for HTTP: --listen or --metrics-listen host:port.
std::optional<int> ManifestListenPort(const std::vector<std::string>& args) {
  for (const char* option : {"--listen", "--metrics-listen"}) {
    std::string address = ManifestOptionValue(args, option);
    if (!address.empty()) return std::stoi(address.substr(address.rfind(':') + 1));
  }
  return std::nullopt;
}

TEST(KubernetesManifests, ProbesAskHealthOnTheListeningPort) {
  std::vector<ManifestDoc> docs = LoadManifests();
  int probes = 0;
  for (const auto& c : ManifestContainers(docs)) {
    const std::optional<int> port = ManifestListenPort(ManifestArgs(c.container));
    for (const char* kind : {"livenessProbe", "readinessProbe", "startupProbe"}) {
      YAML::Node probe = c.container[kind];
      if (!probe) continue;
      ++probes;
      EXPECT_EQ(ManifestText(probe["httpGet"]["path"]), "/health") << c.Where() << " " << kind;
      ASSERT_TRUE(port) << c.Where() << ": a " << kind << " but no --listen/--metrics-listen";
      std::string probe_port = ManifestText(probe["httpGet"]["port"]);
      for (const auto& p : c.container["ports"]) {
        if (ManifestText(p["name"]) == probe_port) probe_port = ManifestText(p["containerPort"]);
      }
      EXPECT_EQ(probe_port, std::to_string(*port)) << c.Where() << " " << kind;
    }
    if (c.doc->Kind() == "Deployment") {
      EXPECT_TRUE(c.container["livenessProbe"] && c.container["readinessProbe"])
          << c.Where() << ": a long-running container needs liveness and readiness probes";
    }
  }
  EXPECT_GE(probes, 4);
}

TEST(KubernetesManifests, CronJobsForbidConcurrentRuns) {
  std::vector<ManifestDoc> docs = LoadManifests();
  std::set<std::string> commands;
  for (const auto& doc : docs) {
    if (doc.Kind() != "CronJob") continue;
    EXPECT_EQ(ManifestText(doc.node["spec"]["concurrencyPolicy"]), "Forbid") << doc.Where();
    EXPECT_FALSE(ManifestText(doc.node["spec"]["schedule"]).empty()) << doc.Where();
    for (const auto& c : ManifestPodSpec(doc)["containers"]) {
      std::vector<std::string> args = ManifestArgs(c);
      if (args.size() >= 2) commands.insert(args[0] + " " + args[1]);
    }
  }
  EXPECT_TRUE(commands.count("report run")) << "no CronJob runs the report";
  EXPECT_TRUE(commands.count("lake build")) << "no CronJob rebuilds the lake";
}

TEST(KubernetesManifests, LoginsScaleOnTheDepthOfTheQueueTheyConsume) {
  std::vector<ManifestDoc> docs = LoadManifests();
  int scalers = 0;
  for (const auto& doc : docs) {
    if (doc.Kind() != "ScaledObject") continue;
    const ManifestDoc* target =
        ManifestFind(docs, "Deployment", ManifestText(doc.node["spec"]["scaleTargetRef"]["name"]));
    ASSERT_NE(target, nullptr) << doc.Where() << ": scaleTargetRef names no Deployment here";
    std::vector<std::string> args = ManifestArgs(ManifestPodSpec(*target)["containers"][0]);
    ASSERT_GE(args.size(), 2u);
    EXPECT_EQ(args[0] + " " + args[1], "logins run") << doc.Where();
    const std::string queue = ManifestOptionValue(args, "--queue");
    ASSERT_FALSE(queue.empty()) << target->Where() << ": no --queue";
    for (const auto& trigger : doc.node["spec"]["triggers"]) {
      EXPECT_EQ(ManifestText(trigger["type"]), "aws-sqs-queue") << doc.Where();
      const std::string url = ManifestText(trigger["metadata"]["queueURL"]);
      EXPECT_TRUE(url.size() > queue.size() &&
                  url.compare(url.size() - queue.size() - 1, std::string::npos, "/" + queue) == 0)
          << doc.Where() << ": scales on " << url << " but the consumers read " << queue;
      EXPECT_GT(std::stoi(ManifestText(trigger["metadata"]["queueLength"])), 0) << doc.Where();
      const std::string auth = ManifestText(trigger["authenticationRef"]["name"]);
      if (!auth.empty()) {
        EXPECT_NE(ManifestFind(docs, "TriggerAuthentication", auth), nullptr)
            << doc.Where() << ": authenticationRef " << auth;
      }
      ++scalers;
    }
  }
  EXPECT_EQ(scalers, 1);
}

TEST(KubernetesManifests, LakeServiceReachesFollowingReplicasOfTheBuiltLake) {
  std::vector<ManifestDoc> docs = LoadManifests();
  const ManifestDoc* service = ManifestFind(docs, "Service", "sluice-lake");
  ASSERT_NE(service, nullptr);
  const ManifestDoc* serving = nullptr;
  for (const auto& doc : docs) {
    if (doc.Kind() != "Deployment") continue;
    YAML::Node labels = doc.node["spec"]["template"]["metadata"]["labels"];
    bool selected = true;
    for (const auto& kv : service->node["spec"]["selector"]) {
      selected &= ManifestText(labels[kv.first.as<std::string>()]) == ManifestText(kv.second);
    }
    if (selected) {
      EXPECT_EQ(serving, nullptr) << "the lake Service selects two Deployments";
      serving = &doc;
    }
  }
  ASSERT_NE(serving, nullptr) << "the lake Service selects no Deployment's pods";
  YAML::Node container = ManifestPodSpec(*serving)["containers"][0];
  std::vector<std::string> args = ManifestArgs(container);
  ASSERT_GE(args.size(), 3u);
  EXPECT_EQ(args[0] + " " + args[1], "lake serve");
  EXPECT_NE(std::find(args.begin(), args.end(), "--follow"), args.end())
      << "serving replicas must not each build";
  EXPECT_GE(serving->node["spec"]["replicas"].as<int>(0), 2);
  const std::string target_port = ManifestText(service->node["spec"]["ports"][0]["targetPort"]);
  bool port_found = false;
  for (const auto& p : container["ports"]) {
    port_found |=
        ManifestText(p["name"]) == target_port || ManifestText(p["containerPort"]) == target_port;
  }
  EXPECT_TRUE(port_found) << "the Service's targetPort " << target_port << " is no container port";
  // The builder writes the lake the replicas read.
  bool built = false;
  for (const auto& doc : docs) {
    if (doc.Kind() != "CronJob") continue;
    std::vector<std::string> build = ManifestArgs(ManifestPodSpec(doc)["containers"][0]);
    built |= build.size() >= 3 && build[0] == "lake" && build[1] == "build" && build[2] == args[2];
  }
  EXPECT_TRUE(built) << "no CronJob builds " << args[2];
}

// The data keys of a ConfigMap or Secret (data and stringData).
std::set<std::string> ManifestKeys(const ManifestDoc& doc) {
  std::set<std::string> keys;
  for (const char* field : {"data", "stringData"}) {
    for (const auto& kv : doc.node[field])
      keys.insert(kv.first.as<std::string>());
  }
  return keys;
}

TEST(KubernetesManifests, SecretsAreMountedFilesAndEveryReferenceResolves) {
  std::vector<ManifestDoc> docs = LoadManifests();
  int secret_files = 0;
  for (const auto& c : ManifestContainers(docs)) {
    // Environment: the container's own, then each ConfigMap it takes whole.
    std::map<std::string, std::string> env;
    for (const auto& from : c.container["envFrom"]) {
      const std::string name = ManifestText(from["configMapRef"]["name"]);
      const ManifestDoc* map = ManifestFind(docs, "ConfigMap", name);
      ASSERT_NE(map, nullptr) << c.Where() << ": envFrom names no ConfigMap " << name;
      for (const auto& kv : map->node["data"])
        env[kv.first.as<std::string>()] = ManifestText(kv.second);
    }
    for (const auto& e : c.container["env"]) {
      const std::string name = ManifestText(e["name"]);
      if (e["value"]) env[name] = ManifestText(e["value"]);
      if (!e["valueFrom"]) continue;
      for (const char* ref : {"secretKeyRef", "configMapKeyRef"}) {
        YAML::Node key_ref = e["valueFrom"][ref];
        if (!key_ref) continue;
        const ManifestDoc* source =
            ManifestFind(docs, ref == std::string("secretKeyRef") ? "Secret" : "ConfigMap",
                         ManifestText(key_ref["name"]));
        ASSERT_NE(source, nullptr) << c.Where() << ": " << name << " names a missing object";
        EXPECT_TRUE(ManifestKeys(*source).count(ManifestText(key_ref["key"])))
            << c.Where() << ": " << name << " names a missing key";
      }
    }
    // Volumes: each mount's volume exists, and each secret volume's Secret does.
    std::map<std::string, std::string> mounted_secret;  // mount path -> Secret name
    for (const auto& mount : c.container["volumeMounts"]) {
      const std::string volume = ManifestText(mount["name"]);
      YAML::Node found;
      for (const auto& v : c.pod["volumes"]) {
        if (ManifestText(v["name"]) == volume) found.reset(v);
      }
      ASSERT_TRUE(found) << c.Where() << ": mounts a volume " << volume << " the pod lacks";
      if (found["secret"]) {
        const std::string secret = ManifestText(found["secret"]["secretName"]);
        EXPECT_NE(ManifestFind(docs, "Secret", secret), nullptr)
            << c.Where() << ": volume " << volume << " names a missing Secret " << secret;
        EXPECT_TRUE(mount["readOnly"].as<bool>(false)) << c.Where() << ": " << volume;
        mounted_secret[ManifestText(mount["mountPath"])] = secret;
      }
    }
    // Files Sluice (or libpq) is told to read: each is a key of a Secret mounted in this container.
    for (const auto& [name, value] : env) {
      if (name != "PGSERVICEFILE" && !(name.size() > 5 && name.ends_with("_FILE"))) continue;
      const std::string dir = value.substr(0, value.rfind('/'));
      const std::string file = value.substr(value.rfind('/') + 1);
      auto secret = mounted_secret.find(dir);
      if (name == "PGSERVICEFILE" && secret == mounted_secret.end() &&
          ManifestText(c.container["args"][0]) == "lake") {
        continue;  // the lake never connects to PostgreSQL, so it mounts no service file
      }
      ASSERT_NE(secret, mounted_secret.end())
          << c.Where() << ": " << name << "=" << value << " is in no mounted Secret";
      EXPECT_TRUE(ManifestKeys(*ManifestFind(docs, "Secret", secret->second)).count(file))
          << c.Where() << ": Secret " << secret->second << " has no key " << file;
      ++secret_files;
    }
  }
  EXPECT_GE(secret_files, 3) << "logins (service file, mask key) and report (service file)";
}

// The manifests give PostgreSQL's password to Sluice as a file: a libpq service file named by
// PGSERVICEFILE, mode 0440 as a Secret volume with fsGroup makes it, and a URL holding only
// `service=`. Against the local server: it connects with the file, and fails without it.
TEST(KubernetesManifests, PostgresServiceFileConnects) {
  const std::string base = BasePgUrl();
  if (base.empty()) {
    if (ServicesRequired()) FAIL() << "SLUICE_PG_URL is not set";
    GTEST_SKIP() << "no PostgreSQL: set SLUICE_PG_URL (scripts/services up prints it)";
  }
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(base.c_str(), &error);
  ASSERT_NE(parsed, nullptr) << (error ? error : "");
  std::string service = "[sluice_manifest_test]\n";
  const std::set<std::string> wanted = {"host", "port", "user", "password", "dbname"};
  for (PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (o->val && *o->val && wanted.count(o->keyword)) {
      service += std::string(o->keyword) + "=" + o->val + "\n";
    }
  }
  PQconninfoFree(parsed);
  const std::string path = WriteTempFile("pg_service.conf", service);
  ASSERT_EQ(chmod(path.c_str(), 0440), 0);
  const std::string url = "postgresql://?service=sluice_manifest_test";
  const std::vector<std::string> query = {
      "warehouse", "query", "-e", "SELECT 'reached through the service file' AS how",
      "--format",  "csv"};

  RunResult without = RunSluice(query, url);
  EXPECT_NE(without.exit_code, 0) << "connected without the service file: the test proves nothing";

  setenv("PGSERVICEFILE", path.c_str(), 1);
  RunResult with = RunSluice(query, url);
  unsetenv("PGSERVICEFILE");
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_NE(with.out.find("reached through the service file"), std::string::npos) << with.out;
}

}  // namespace
}  // namespace sluice::testing
