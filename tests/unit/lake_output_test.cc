// output.csv and manifest.json: what a build writes reads back as what it wrote.
#include "jobs/lake/lake_output.h"

#include <gtest/gtest.h>

#include "jobs/lake/lake_manifest.h"

namespace sluice::lake {
namespace {

std::vector<LakeUser> AwkwardUsers() {
  return {
      {1000, "Susan", "Lee", 612302400000, "source_data/1000.png"},
      {1001, "O'Neil, Jr.", "say \"hi\"", -1, ""},
      {1002, " lead", "multi\nline", 0, "source_data/1002.png"},
      {1003, "", "Żółć", 253402300799999, ""},
  };
}

TEST(LakeOutput, WritesTheSpecifiedColumnsAndReadsBack) {
  const std::string csv = OutputCsv(AwkwardUsers());
  EXPECT_TRUE(
      csv.starts_with("user_id,first_name,last_name,birthts,img_path\n"
                      "1000,Susan,Lee,612302400000,source_data/1000.png\n"
                      "1001,\"O'Neil, Jr.\",\"say \"\"hi\"\"\",-1,\n"))
      << csv;
  auto back = ParseOutputCsv(csv);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, AwkwardUsers());
}

TEST(LakeOutput, RefusesWhatIsNotAnOutput) {
  EXPECT_FALSE(ParseOutputCsv("first_name, last_name, birthts\nA, B, 1\n").ok());
  auto narrow = ParseOutputCsv("user_id,first_name,last_name,birthts,img_path\n1,A,B,1\n");
  ASSERT_FALSE(narrow.ok());
  EXPECT_NE(narrow.status().message().find("line 2 has 4 fields"), std::string::npos);
  EXPECT_FALSE(ParseOutputCsv("user_id,first_name,last_name,birthts,img_path\nx,A,B,1,\n").ok());
}

TEST(LakeManifest, RoundTripsAndLivesBesideTheOutput) {
  LakeManifest manifest;
  manifest.source_prefix = "source_data/";
  manifest.output_key = "processed_data/output.csv";
  manifest.output_etag = "\"abc\"";
  manifest.built_at_ms = 1764547200000;
  manifest.users = 4;
  manifest.rejected = 1;
  for (const LakeUser& user : AwkwardUsers()) {
    manifest.objects.push_back(
        {"source_data/" + std::to_string(user.user_id) + ".csv", "etag" + user.first_name, user});
  }
  manifest.objects.push_back({"source_data/x.csv", "e", std::nullopt, "a reason"});
  auto back = ParseManifest(ManifestJson(manifest));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->objects, manifest.objects);
  EXPECT_EQ(back->output_etag, manifest.output_etag);
  EXPECT_EQ(back->built_at_ms, manifest.built_at_ms);
  ASSERT_NE(back->Find("source_data/1002.csv"), nullptr);
  EXPECT_EQ(back->Find("source_data/1002.csv")->user->last_name, "multi\nline");
  EXPECT_EQ(back->Find("source_data/9.csv"), nullptr);
  EXPECT_EQ(ManifestKeyFor("processed_data/output.csv"), "processed_data/manifest.json");
  EXPECT_EQ(ManifestKeyFor("output.csv"), "manifest.json");
}

TEST(LakeManifest, AnythingElseIsRefused) {
  for (std::string_view text :
       {"", "[]", "{\"version\":2}", "{\"version\":1}", "{\"version\": 1, \"objects\": [",
        "{\"version\":1,\"source\":\"s/\",\"output\":\"o\",\"output_etag\":\"\",\"built_at_ms\":0,"
        "\"users\":0,\"rejected\":0,\"objects\":[{\"key\":\"s/"
        "1.csv\",\"etag\":\"e\",\"user\":{}}]}"}) {
    EXPECT_FALSE(ParseManifest(text).ok()) << text;
  }
}

}  // namespace
}  // namespace sluice::lake
