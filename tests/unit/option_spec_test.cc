// Options declared once: the checks, environment fallbacks and defaults an OptionSpec gives, the
// same whether the values come from a command line or a pipeline file; and the components'
// declarations compose into one command's options.
#include "pipeline/option_spec.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "pipeline/component_registry.h"
#include "pipeline/settings.h"

namespace sluice {
namespace {

TEST(OptionSpec, ValuesAreCheckedAgainstTheirRule) {
  const OptionSpec days = IntOption("days", "Window", 30, 1, 3660);
  EXPECT_TRUE(CheckOptionValue(days, "1").ok());
  EXPECT_TRUE(CheckOptionValue(days, "3660").ok());
  Status zero = CheckOptionValue(days, "0");
  EXPECT_EQ(zero.code(), StatusCode::kUsage);
  EXPECT_EQ(zero.message(), "--days: must be 1 to 3660 (it is 0)");
  EXPECT_EQ(CheckOptionValue(days, "1.5").message(), "--days: expected a whole number");
  // Whole, but in exponent form, or in digits beyond a 64-bit integer: each is told as it is.
  EXPECT_EQ(CheckOptionValue(days, "1e3").message(),
            "--days: is in exponent form: write a whole number in digits, 1 to 3660 (it is 1e3)");
  EXPECT_EQ(CheckOptionValue(days, "99999999999999999999").message(),
            "--days: is out of range: 1 to 3660 (it is 99999999999999999999)");
  EXPECT_EQ(CheckOptionValue(days, "").message(), "--days: expected a whole number");
  const OptionSpec mask = ChoiceOption("mask", "Mode", {"siv", "hmac"}, "siv");
  EXPECT_TRUE(CheckOptionValue(mask, "hmac").ok());
  EXPECT_EQ(CheckOptionValue(mask, "rot13").message(), "--mask: must be siv or hmac");
  EXPECT_EQ(OptionRule(days), "1 to 3660");
  EXPECT_EQ(OptionRule(ChoiceOption("f", "", {"table", "csv", "json"}, "")), "table, csv or json");
}

TEST(OptionSpec, TheCommandLineThenTheEnvironmentThenTheDefault) {
  OptionSpec pg = TextOption("pg", "PostgreSQL URL");
  pg.env = "SLUICE_PG_URL";
  pg.required = true;
  pg.example = "postgresql://...";
  const std::vector<OptionSpec> specs = {pg, IntOption("days", "Window", 30, 1, 3660),
                                         FlagOption("create-bucket", "Create it")};
  ::setenv("SLUICE_PG_URL", "postgresql://from-env/db", 1);
  OptionValues given;
  given.Text("pg") = "postgresql://from-flag/db";
  given.Given("pg") = true;
  given.Given("create-bucket") = true;
  ASSERT_TRUE(given.Resolve(specs).ok());
  EXPECT_EQ(given.String("pg"), "postgresql://from-flag/db");
  EXPECT_TRUE(given.FromCommandLine("pg"));
  EXPECT_EQ(given.Int("days"), 30);
  EXPECT_FALSE(given.FromCommandLine("days"));
  EXPECT_TRUE(given.Flag("create-bucket"));

  OptionValues from_env;
  ASSERT_TRUE(from_env.Resolve(specs).ok());
  EXPECT_EQ(from_env.String("pg"), "postgresql://from-env/db");
  EXPECT_FALSE(from_env.Flag("create-bucket"));

  ::unsetenv("SLUICE_PG_URL");
  OptionValues missing;
  Status st = missing.Resolve(specs);
  EXPECT_EQ(st.code(), StatusCode::kUsage);
  EXPECT_EQ(st.message(), "no value for --pg: pass --pg postgresql://... or set SLUICE_PG_URL");

  // Given empty on purpose (an unset shell variable in `--pg "$URL"`): refused, never the
  // environment's value or libpq's defaults.
  ::setenv("SLUICE_PG_URL", "postgresql://from-env/db", 1);
  OptionValues empty;
  empty.Given("pg") = true;
  EXPECT_EQ(empty.Resolve(specs).message(), "--pg: is empty");
  ::unsetenv("SLUICE_PG_URL");

  OptionValues out_of_range;
  out_of_range.Text("pg") = "postgresql://x/db";
  out_of_range.Given("pg") = true;
  out_of_range.Text("days") = "0";
  out_of_range.Given("days") = true;
  EXPECT_EQ(out_of_range.Resolve(specs).message(), "--days: must be 1 to 3660 (it is 0)");
}

// A rule of the value's shape, as a component declares one for a table or a queue.
Status NoSpaces(std::string_view value) {
  if (value.empty()) return UsageError("is empty");
  if (value.find(' ') != std::string_view::npos) return UsageError("holds a space");
  return Status::Ok();
}

TEST(OptionSpec, AnOptionsOwnCheckRunsWhereverItsValueIsGiven) {
  OptionSpec name = TextOption("name", "A name", "fine");
  name.check = NoSpaces;
  name.check_rule = "no spaces";
  EXPECT_EQ(OptionRule(name), "no spaces");
  EXPECT_TRUE(CheckOptionValue(name, "ok").ok());
  EXPECT_EQ(CheckOptionValue(name, "a b").message(), "--name: holds a space");
  EXPECT_EQ(CheckOwnRule(name, "a b").message(), "holds a space");
  EXPECT_EQ(CheckOwnRule(name, "a b").code(), StatusCode::kUsage);
  EXPECT_TRUE(CheckOwnRule(TextOption("free", "Any text"), "a b").ok());

  // Resolve: a given value, the default, and one given empty on purpose all meet the check.
  OptionValues given;
  given.Text("name") = "a b";
  given.Given("name") = true;
  EXPECT_EQ(given.Resolve(std::vector<OptionSpec>{name}).message(), "--name: holds a space");
  OptionValues defaulted;
  EXPECT_TRUE(defaulted.Resolve(std::vector<OptionSpec>{name}).ok());
  OptionValues empty;
  empty.Given("name") = true;
  EXPECT_EQ(empty.Resolve(std::vector<OptionSpec>{name}).message(), "--name: is empty");

  // Each item of a list.
  OptionSpec names{.name = "names", .type = OptionType::kList, .summary = "Names"};
  names.check = NoSpaces;
  OptionValues list;
  list.List("names") = {"a", "b c"};
  list.Given("names") = true;
  EXPECT_EQ(list.Resolve(std::vector<OptionSpec>{names}).message(), "--names: holds a space");

  // A placeholder for a value never used (sluice test's unset variables) meets no check.
  EXPECT_TRUE(CheckOptionValue(name, UnusedValuePlaceholder("TABLE")).ok());
  EXPECT_NE(UnusedValuePlaceholder("TABLE").find("TABLE"), std::string::npos);

  // A check that returns another code is still bad usage: the value is the user's to change.
  OptionSpec odd = TextOption("odd", "Odd");
  odd.check = [](std::string_view) { return InvalidArgument("never"); };
  EXPECT_EQ(CheckOptionValue(odd, "x").code(), StatusCode::kUsage);
}

// Every option whose value has a shape declares its check, so validate refuses what run would.
TEST(OptionSpec, TheComponentsShapedOptionsAreChecked) {
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  auto refusal = [&](std::string_view component, std::string_view option,
                     std::string_view value) -> std::string {
    const ComponentSpec* c =
        component == "settings" ? &PipelineSettingsComponent() : registry.Find(component);
    if (!c) return "no component";
    for (const OptionSpec& o : c->options) {
      if (o.name == option) {
        EXPECT_NE(o.check, nullptr) << component << "." << option;
        return CheckOwnRule(o, value).message();
      }
    }
    return "no option";
  };
  for (std::string_view sink : {"postgres-table", "logins-postgres"}) {
    EXPECT_EQ(refusal(sink, "table", "signups"), "");
    EXPECT_EQ(refusal(sink, "table", std::string(55, 't')), "");
    EXPECT_NE(refusal(sink, "table", "x.y").find("plain lower-case name"), std::string::npos);
    EXPECT_NE(refusal(sink, "table", "Signups").find("plain lower-case name"), std::string::npos);
    EXPECT_NE(refusal(sink, "table", "user").find("reserved word"), std::string::npos);
    EXPECT_NE(refusal(sink, "table", "pg_logins").find("begins with pg_"), std::string::npos);
    EXPECT_NE(refusal(sink, "table", std::string(64, 't')).find("is 64 bytes"), std::string::npos);
    EXPECT_NE(refusal(sink, "table", std::string(56, 't')).find("use at most 55 bytes"),
              std::string::npos);
  }
  EXPECT_EQ(refusal("sqs", "queue", "login-queue"), "");
  EXPECT_EQ(refusal("sqs", "queue", "https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo"), "");
  EXPECT_EQ(refusal("sqs", "queue", ""), "SQS queue names are 1 to 80 characters");
  EXPECT_NE(refusal("sqs", "queue", "http://host/").find("ends in '/'"), std::string::npos);
  EXPECT_NE(refusal("sqs", "queue", "ftp://host/q").find("neither http"), std::string::npos);
  EXPECT_EQ(refusal("settings", "metrics-listen", ""), "");
  EXPECT_EQ(refusal("settings", "metrics-listen", "127.0.0.1:0"), "");
  EXPECT_EQ(refusal("settings", "metrics-listen", "nonsense"),
            "has no port (expected host:port, e.g. 127.0.0.1:8080)");
  EXPECT_EQ(refusal("settings", "metrics-listen", "127.0.0.1:99999"),
            "the port is not a number from 0 to 65535 (expected host:port, e.g. 127.0.0.1:8080)");
  EXPECT_EQ(refusal("settings", "metrics-listen", "http://127.0.0.1:9000"),
            "is a URL (http://...): give the address alone, without a scheme or a path "
            "(expected host:port, e.g. 127.0.0.1:8080)");
  EXPECT_EQ(refusal("http-server", "listen", "[::1]:80"), "");
  EXPECT_NE(refusal("http-server", "listen", "").find("is empty"), std::string::npos);
  EXPECT_EQ(refusal("s3-object", "bucket", ""), "");  // not given: --output names the place
  EXPECT_NE(refusal("s3-object", "bucket", "Bad_Bucket").find("not allowed"), std::string::npos);
  EXPECT_NE(refusal("s3-object", "prefix", "a/../b/").find("'..'"), std::string::npos);
  EXPECT_EQ(refusal("daily-lessons", "users-table", "Users Of Ours"), "");  // read, quoted
  EXPECT_NE(refusal("daily-lessons", "users-table", "a.b").find("unqualified"), std::string::npos);
  EXPECT_NE(refusal("daily-lessons", "completions-table", "t ").find("ends in a space"),
            std::string::npos);
  EXPECT_EQ(refusal("daily-lessons", "pg", "postgresql://u@h/db?sslmode=require"), "");
  EXPECT_EQ(refusal("daily-lessons", "pg", "postgresql://u@h/db?sslmode=bogus"),
            "the PostgreSQL URL's sslmode 'bogus' is not one of disable, allow, prefer, require, "
            "verify-ca, verify-full");
}

TEST(OptionSpec, AnUndeclaredNameIsABug) {
  OptionValues values;
  EXPECT_DEATH((void)values.String("nope"), "option 'nope' was never declared");
}

TEST(ComponentRegistry, ComponentsComposeIntoOneCommandsOptions) {
  ComponentRegistry registry;
  RegisterBuiltinComponents(registry);
  const ComponentSpec* sink = registry.Find("logins-postgres");
  const ComponentSpec* report = registry.Find("daily-lessons");
  ASSERT_TRUE(sink && report);
  EXPECT_EQ(sink->kind, ComponentKind::kSink);
  // Both declare --pg; a command made of both has it once.
  const std::vector<OptionSpec> both = ComposeOptions({sink->options, report->options});
  size_t pg = 0;
  for (const OptionSpec& o : both)
    pg += o.name == "pg";
  EXPECT_EQ(pg, 1u);
  EXPECT_EQ(both.size(), sink->options.size() + report->options.size() - 1);
  EXPECT_FALSE(registry.Find("nope"));
  // Every option says what it does, and names are flags' names.
  for (const ComponentSpec& c : registry.components()) {
    EXPECT_FALSE(c.summary.empty()) << c.name;
    for (const OptionSpec& o : c.options) {
      EXPECT_FALSE(o.summary.empty()) << c.name << " " << o.name;
      EXPECT_EQ(o.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"),
                std::string::npos)
          << c.name << " " << o.name;
    }
  }
}

TEST(ComponentRegistry, ANameRegisteredTwiceIsABug) {
  ComponentRegistry registry;
  registry.Add(ComponentSpec{.name = "twice"});
  EXPECT_DEATH(registry.Add(ComponentSpec{.name = "twice"}),
               "component 'twice' is registered twice");
}

}  // namespace
}  // namespace sluice
