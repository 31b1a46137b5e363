// The lake's routes without sockets: parameters, answers, rebuild sharing and failure, over a
// builder the test controls. tests/integration/lake_serve_test.cc runs them over HTTP against
// a real lake.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "core/text_check.h"
#include "jobs/lake/lake_page.h"
#include "jobs/lake/lake_service.h"
#include "jobs/lake/lake_service_query.h"

namespace sluice::lake {
namespace {

constexpr UtcDay kToday = 20'423;  // 2025-12-01
constexpr int64_t kDayMs = 86'400'000;

// The parsed document of `text`; a failed parse fails the test.
bool ParsesAsJson(const std::string& text, simdjson::dom::parser& parser,
                  simdjson::dom::element* root) {
  return parser.parse(text).get(*root) == simdjson::SUCCESS;
}

std::string Body(http::HttpResponse response) {
  if (!response.stream) return response.body;
  std::string body, chunk;
  while (chunk.clear(), response.stream(&chunk))
    body += chunk;
  return body;
}

http::HttpRequest Get(std::string path, std::string query = "") {
  return {"GET", std::move(path), std::move(query), ""};
}

// Users 1..n born on successive days across ~n/3 years, every third without an image.
std::vector<LakeUser> MakeUsers(int n) {
  std::vector<LakeUser> users;
  for (int i = 1; i <= n; ++i) {
    LakeUser u;
    u.user_id = 1000 + i;
    u.first_name = "First" + std::to_string(i);
    u.last_name = "Last";
    u.birth_ms = (static_cast<int64_t>(kToday) - 365LL * 18 - i * 97) * kDayMs;
    if (i % 3 != 0) u.img_path = "source_data/" + std::to_string(u.user_id) + ".png";
    users.push_back(u);
  }
  return users;
}

class LakeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = MakeUsers(60);
    service_ = std::make_unique<LakeService>(
        [this]() -> Result<BuildSummary> {
          ++builds_;
          if (fail_.load()) return Unavailable("s3: connection refused (test)");
          BuildSummary s;
          s.users = static_cast<int64_t>(users_.size());
          s.added = s.users;
          s.objects_fetched = s.users;
          s.rejects = {{.key = "source_data/bad.csv",
                        .reason = "line 2: birthts: not a whole number",
                        .fresh = true,
                        .dropped_user = 1099}};
          s.snapshot = LakeSnapshot::Make(users_, {.built_at_ms = 1'700'000'000'000});
          return s;
        },
        &metrics_, [] { return kToday; });
  }

  std::vector<LakeUser> users_;
  std::atomic<int> builds_{0};
  std::atomic<bool> fail_{false};
  http::HttpMetrics metrics_;
  std::unique_ptr<LakeService> service_;
};

TEST_F(LakeServiceTest, AnswersUnavailableBeforeTheFirstBuild) {
  EXPECT_EQ(service_->Data(Get("/data")).status, 503);
  EXPECT_EQ(service_->Stats(Get("/stats")).status, 503);
  auto health = service_->Health();
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("\"status\":\"starting\""), std::string::npos);
}

TEST_F(LakeServiceTest, ServesEveryUserAsJson) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  std::string body = Body(service_->Data(Get("/data")));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_TRUE(ParsesAsJson(body, parser, &doc)) << body;
  EXPECT_EQ(std::count(body.begin(), body.end(), '{'), 60);
  EXPECT_NE(body.find(R"({"user_id":1001,"first_name":"First1","last_name":"Last","birthts":)"),
            std::string::npos);
}

TEST_F(LakeServiceTest, FiltersByImageAnyCaseAndAge) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  for (const char* value : {"false", "FALSE", "False"}) {
    std::string body = Body(service_->Data(Get("/data", std::string("is_image_exists=") + value)));
    EXPECT_EQ(std::count(body.begin(), body.end(), '{'), 20) << value;
  }
  std::string body = Body(service_->Data(Get("/data", "min_age=20&max_age=25")));
  int expected = 0;
  for (const LakeUser& u : users_) {
    int age = AgeOn(u.birth_ms, kToday);
    expected += age >= 20 && age <= 25;
  }
  ASSERT_GT(expected, 0);
  EXPECT_EQ(std::count(body.begin(), body.end(), '{'), expected);
}

TEST_F(LakeServiceTest, PagesWithLimitAndAfter) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  auto first = service_->Data(Get("/data", "limit=25&is_image_exists=true"));
  ASSERT_EQ(first.headers.size(), 1u);
  EXPECT_EQ(first.headers[0].first, "Link");
  // The 25th user with an image: ids 1001, 1002, 1004, 1005, ... (every third has none).
  EXPECT_EQ(first.headers[0].second,
            "</data?is_image_exists=true&limit=25&after=1037>; rel=\"next\"");
  std::string body = Body(std::move(first));
  EXPECT_EQ(std::count(body.begin(), body.end(), '{'), 25);
  auto last = service_->Data(Get("/data", "is_image_exists=true&limit=25&after=1037"));
  EXPECT_EQ(last.headers.size(), 0u) << "the last page has no next";
  body = Body(std::move(last));
  EXPECT_EQ(std::count(body.begin(), body.end(), '{'), 15);
  EXPECT_EQ(Body(service_->Data(Get("/data", "after=99999"))), "[]");
}

TEST_F(LakeServiceTest, StatsMatchABruteForceCount) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  auto response = service_->Stats(Get("/stats", "is_image_exists=true&min_age=20&max_age=30"));
  EXPECT_EQ(response.status, 200);
  int64_t count = 0, sum = 0;
  for (const LakeUser& u : users_) {
    int age = AgeOn(u.birth_ms, kToday);
    if (u.has_image() && age >= 20 && age <= 30) ++count, sum += age;
  }
  ASSERT_GT(count, 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_TRUE(ParsesAsJson(response.body, parser, &doc)) << response.body;
  EXPECT_NE(response.body.find(fmt::format("\"count\":{}", count)), std::string::npos)
      << response.body;
  double average = 0;
  ASSERT_EQ(doc["average_age"].get_double().get(average), simdjson::SUCCESS) << response.body;
  EXPECT_DOUBLE_EQ(average, static_cast<double>(sum) / static_cast<double>(count));
  EXPECT_NE(response.body.find("\"as_of\":\"2025-12-01\""), std::string::npos);
  auto none = service_->Stats(Get("/stats", "min_age=200"));
  EXPECT_EQ(none.body, R"({"count":0,"average_age":null,"as_of":"2025-12-01"})");
}

TEST_F(LakeServiceTest, RefusesEveryBadParameterNamingIt) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  struct Case {
    const char* path;
    const char* query;
    const char* parameter;
  };
  for (const Case& c : std::vector<Case>{
           {"/data", "min_age=abc", "min_age"},
           {"/data", "max_age=-1", "max_age"},
           {"/stats", "min_age=40&max_age=30", "min_age"},
           {"/data", "is_image_exists=maybe", "is_image_exists"},
           {"/data", "is_image_exists=", "is_image_exists"},
           {"/stats", "colour=red", "colour"},
           {"/stats", "limit=5", "limit"},
           {"/data", "min_age=1&min_age=2", "min_age"},
           {"/data", "max_age=%zz", "max_age"},
           {"/data", "max_age=1e3", "max_age"},
           {"/data", "max_age=+5", "max_age"},
           {"/data", "max_age=99999999999999999999", "max_age"},
           {"/data", "limit=0", "limit"},
           {"/data", "after=x", "after"},
           {"/data", "%C3%28=1", "parameter 1"},
       }) {
    auto response = c.path == std::string("/data") ? service_->Data(Get(c.path, c.query))
                                                   : service_->Stats(Get(c.path, c.query));
    EXPECT_EQ(response.status, 400) << c.query;
    EXPECT_NE(response.body.find(fmt::format("\"parameter\":\"{}\"", c.parameter)),
              std::string::npos)
        << c.query << " -> " << response.body;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    EXPECT_TRUE(ParsesAsJson(response.body, parser, &doc)) << response.body;
  }
}

TEST_F(LakeServiceTest, EscapesNamesInJson) {
  users_ = {LakeUser{7, "Zoë \"Q\"", "back\\slash\nline", 0, ""}};
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  std::string body = Body(service_->Data(Get("/data")));
  EXPECT_EQ(body, R"([{"user_id":7,"first_name":"Zoë \"Q\"","last_name":"back\\slash\nline",)"
                  R"("birthts":0,"img_path":""}])");
}

// The whole listing, rendered once per snapshot, is byte for byte the streamed walk (asked for
// here with a limit above the user count), and a new snapshot is rendered anew.
TEST_F(LakeServiceTest, TheRenderedWholeListingIsTheStreamedOneAndFollowsRebuilds) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  auto whole = service_->Data(Get("/data"));
  EXPECT_FALSE(whole.stream) << "a small lake's whole listing is rendered once";
  EXPECT_EQ(whole.body, Body(service_->Data(Get("/data", "limit=1000"))));
  EXPECT_EQ(Body(service_->Data(Get("/data"))), whole.body);
  users_.pop_back();
  users_[0].last_name = "Changed";
  ASSERT_TRUE(service_->BuildNow("POST /data").status.ok());
  std::string after = Body(service_->Data(Get("/data")));
  EXPECT_EQ(after, Body(service_->Data(Get("/data", "limit=1000"))));
  EXPECT_EQ(std::count(after.begin(), after.end(), '{'), 59);
  EXPECT_NE(after.find("\"last_name\":\"Changed\""), std::string::npos);
}

// Names that are not UTF-8 (a replica reads output.csv, which anyone with write access to the
// bucket can change) are made safe once, in the snapshot, so every answer is valid JSON.
TEST_F(LakeServiceTest, NamesThatAreNotUtf8AreEscapedInTheSnapshot) {
  users_ = {LakeUser{7,
                     "bad\xe9"
                     "byte",
                     std::string("nul\0here", 8), 0, "x\xff.png"}};
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  for (const std::string& body :
       {Body(service_->Data(Get("/data"))), Body(service_->Data(Get("/data", "limit=5")))}) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    EXPECT_TRUE(ParsesAsJson(body, parser, &doc)) << body;
  }
  const std::optional<UserView> user = service_->snapshot()->Find(7);
  ASSERT_TRUE(user.has_value());
  EXPECT_FALSE(FindUnstorableByte(user->first_name));
  EXPECT_FALSE(FindUnstorableByte(user->last_name));
  EXPECT_FALSE(FindUnstorableByte(user->img_path));
}

// A build that hangs (a store that stopped answering) is visible in /health while it runs.
TEST(LakeServiceHealth, ShowsABuildInProgress) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  http::HttpMetrics metrics;
  LakeService service(
      [released]() -> Result<BuildSummary> {
        released.wait();
        BuildSummary s;
        s.snapshot = LakeSnapshot::Make(MakeUsers(3));
        return s;
      },
      &metrics, [] { return kToday; });
  std::promise<void> built;
  service.RequestBuild("start", [&](const BuildRecord&) { built.set_value(); });
  std::string during;
  for (int i = 0; i < 500; ++i) {
    during = service.Health().body;
    if (during.find("\"building_since\":\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(during.find("\"building_since\":\""), std::string::npos) << during;
  release.set_value();
  built.get_future().wait();
  EXPECT_NE(service.Health().body.find("\"building_since\":null"), std::string::npos)
      << service.Health().body;
}

// POST /data's answer names each reject as `lake build --format json` does, with whether it
// is new and which user a broken CSV dropped.
TEST_F(LakeServiceTest, ABuildRecordNamesRejectsAsTheBuildCommandDoes) {
  BuildRecord record = service_->BuildNow("POST /data");
  ASSERT_TRUE(record.status.ok());
  EXPECT_NE(BuildRecordJson(record).find(
                R"({"key":"source_data/bad.csv","reason":"line 2: birthts: not a whole number",)"
                R"("new":true,"dropped_user":1099})"),
            std::string::npos)
      << BuildRecordJson(record);
}

TEST_F(LakeServiceTest, AFailedBuildKeepsServingTheLastGoodSnapshot) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  fail_ = true;
  BuildRecord failed = service_->BuildNow("POST /data");
  EXPECT_FALSE(failed.status.ok());
  std::string body = Body(service_->Data(Get("/data")));
  EXPECT_EQ(std::count(body.begin(), body.end(), '{'), 60);
  auto health = service_->Health();
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"degraded\""), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("connection refused (test)"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("\"last_success_at\":\""), std::string::npos) << health.body;
  std::string metrics = metrics_.Text();
  EXPECT_NE(metrics.find("sluice_lake_builds_total{result=\"failed\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("sluice_lake_builds_total{result=\"ok\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("sluice_lake_objects_fetched_total 60"), std::string::npos);
  fail_ = false;
  EXPECT_TRUE(service_->BuildNow("schedule").status.ok());
  EXPECT_NE(service_->Health().body.find("\"status\":\"ok\""), std::string::npos);
}

TEST_F(LakeServiceTest, ConcurrentRequestsShareBuilds) {
  // A builder that holds the first build until every request has been made.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  LakeService service(
      [&]() -> Result<BuildSummary> {
        ++builds_;
        released.wait();
        BuildSummary s;
        s.snapshot = LakeSnapshot::Make(users_);
        return s;
      },
      nullptr, [] { return kToday; });
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    service.RequestBuild("POST /data", [&](const BuildRecord& r) {
      EXPECT_TRUE(r.status.ok());
      ++answered;
    });
  }
  release.set_value();
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (answered.load() < 8 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(answered.load(), 8);
  // The first request's build, and one more for all that came while it ran.
  EXPECT_LE(builds_.load(), 2);
}

TEST_F(LakeServiceTest, PageShowsCountsRejectsAndAHistogram) {
  ASSERT_TRUE(service_->BuildNow("start").status.ok());
  users_.push_back(LakeUser{5000, "<script>", "x", 0, ""});
  ASSERT_TRUE(service_->BuildNow("POST /data").status.ok());
  auto page = service_->Page();
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  const std::string& html = page.body;
  EXPECT_NE(html.find("<dd id=\"user-count\">61</dd>"), std::string::npos);
  EXPECT_NE(html.find("source_data/bad.csv"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  auto bands = service_->snapshot()->AgeBands({}, kToday);
  size_t bars = 0;
  for (size_t at = html.find("class=\"bar\""); at != std::string::npos;
       at = html.find("class=\"bar\"", at + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, bands.size());
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg")) << "no external assets";
}

}  // namespace
}  // namespace sluice::lake
