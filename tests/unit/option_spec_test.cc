// Options declared once: the checks, environment fallbacks and defaults an OptionSpec gives, the
// same whether the values come from a command line or a pipeline file; and the components'
// declarations compose into one command's options.
#include "pipeline/option_spec.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "pipeline/component_registry.h"

namespace sluice {
namespace {

TEST(OptionSpec, ValuesAreCheckedAgainstTheirRule) {
  const OptionSpec days = IntOption("days", "Window", 30, 1, 3660);
  EXPECT_TRUE(CheckOptionValue(days, "1").ok());
  EXPECT_TRUE(CheckOptionValue(days, "3660").ok());
  Status zero = CheckOptionValue(days, "0");
  EXPECT_EQ(zero.code(), StatusCode::kUsage);
  EXPECT_EQ(zero.message(), "--days: must be 1 to 3660 (it is 0)");
  EXPECT_EQ(CheckOptionValue(days, "1e3").message(), "--days: expected a whole number");
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
