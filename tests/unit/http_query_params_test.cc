#include <gtest/gtest.h>

#include "http/http_error.h"
#include "http/query_params.h"
#include "http/router.h"

namespace sluice::http {
namespace {

std::optional<HttpError> Parse(std::string_view query, QueryParams* out) {
  return QueryParams::Parse(query, out);
}

TEST(HttpQueryParams, DecodesPercentEscapesAndPlus) {
  QueryParams q;
  ASSERT_FALSE(Parse("a=1&b=x%20y&c=p+q&d=&e&%6Eame=%C3%A9", &q));
  EXPECT_EQ(*q.Get("a"), "1");
  EXPECT_EQ(*q.Get("b"), "x y");
  EXPECT_EQ(*q.Get("c"), "p q");
  EXPECT_EQ(*q.Get("d"), "");
  EXPECT_EQ(*q.Get("e"), "");
  EXPECT_EQ(*q.Get("name"), "\xC3\xA9");
  EXPECT_FALSE(q.Get("f").has_value());
}

TEST(HttpQueryParams, SkipsEmptyPieces) {
  QueryParams q;
  ASSERT_FALSE(Parse("&&a=1&&", &q));
  EXPECT_EQ(q.values().size(), 1u);
}

TEST(HttpQueryParams, RefusesRepeatedParametersNamingThem) {
  QueryParams q;
  auto error = Parse("min_age=1&max_age=3&min_age=2", &q);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 400);
  EXPECT_EQ(error->parameter, "min_age");
  // Spelled differently, decoded the same: still the same parameter.
  error = Parse("limit=1&%6Cimit=2", &q);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->parameter, "limit");
}

TEST(HttpQueryParams, RefusesBrokenEscapesNamingTheParameter) {
  QueryParams q;
  for (const char* query : {"max_age=%zz", "max_age=1%", "max_age=%4", "max_age=%g1"}) {
    auto error = Parse(query, &q);
    ASSERT_TRUE(error) << query;
    EXPECT_EQ(error->parameter, "max_age") << query;
  }
  auto error = Parse("a=1&%ZZname=2", &q);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->parameter, "parameter 2");
  // Decoded bytes that are not UTF-8.
  error = Parse("min_age=%FF%FE", &q);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->parameter, "min_age");
  error = Parse("%FF=1", &q);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->parameter, "parameter 1");
  EXPECT_EQ(Parse("=5", &q)->parameter, "parameter 1");
}

TEST(HttpQueryParams, NamesTheFirstUnknownParameter) {
  QueryParams q;
  ASSERT_FALSE(Parse("min_age=1&colour=red", &q));
  auto error = q.RejectUnknown({"min_age", "max_age"});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->parameter, "colour");
  EXPECT_FALSE(q.RejectUnknown({"min_age", "colour"}));
  // A NUL is valid UTF-8 but no value holds one: the error says which it is.
  auto nul = Parse("min_age=%00", &q);
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->message, "min_age: the value holds a NUL byte");
  // A 100 KB name is a valid request; the error shows the start of it, not all of it twice.
  ASSERT_FALSE(Parse(std::string(100'000, 'n') + "=1", &q));
  auto long_name = q.RejectUnknown({"min_age"});
  ASSERT_TRUE(long_name);
  EXPECT_LT(long_name->message.size() + long_name->parameter.size(), 300u);
  EXPECT_NE(long_name->message.find("(100000 bytes)"), std::string::npos) << long_name->message;
  ASSERT_FALSE(Parse("min_age=1&colour=red", &q));
  // A path that takes no parameters says so, rather than listing none.
  auto none = q.RejectUnknown({});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->message, "colour: unknown parameter; this path takes none");
}

TEST(HttpErrorBody, IsValidJsonWhateverTheText) {
  EXPECT_EQ(ErrorBody({400, "bad \"x\"\n", "p\\q"}),
            R"({"error":"bad \"x\"\n","parameter":"p\\q"})");
  EXPECT_EQ(ErrorBody({404, "gone"}), R"({"error":"gone"})");
  // Bytes that are not UTF-8 are escaped, so the body stays UTF-8.
  std::string body = ErrorBody({400, "x", "a\xFF"});
  EXPECT_EQ(body.find('\xFF'), std::string::npos);
}

TEST(HttpRouter, DispatchesByMethodAndPath) {
  Router router;
  router.Add("GET", "/a", [](const HttpRequest&) {
    HttpResponse r;
    r.body = "a";
    return r;
  });
  router.Add("POST", "/a", [](const HttpRequest&) {
    HttpResponse r;
    r.status = 202;
    return r;
  });
  HttpResponse got;
  Reply keep = [&](HttpResponse r) { got = std::move(r); };
  router.Dispatch({"GET", "/a", "", ""}, keep);
  EXPECT_EQ(got.body, "a");
  router.Dispatch({"POST", "/a", "", ""}, keep);
  EXPECT_EQ(got.status, 202);
  // HEAD runs the GET handler (the connection leaves the body out), so Allow lists it too.
  got = {};
  router.Dispatch({"HEAD", "/a", "", ""}, keep);
  EXPECT_EQ(got.body, "a");
  router.Dispatch({"PATCH", "/a", "", ""}, keep);
  EXPECT_EQ(got.status, 405);
  ASSERT_EQ(got.headers.size(), 1u);
  EXPECT_EQ(got.headers[0].second, "GET, HEAD, POST");
  router.Dispatch({"GET", "/b", "", ""}, keep);
  EXPECT_EQ(got.status, 404);
  EXPECT_EQ(router.RouteLabel("/a"), "/a");
  EXPECT_EQ(router.RouteLabel("/zzz"), "other");
}

}  // namespace
}  // namespace sluice::http
