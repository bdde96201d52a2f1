#include "shared/http_router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace claims {
namespace {

HttpResponse Answer(std::string text) {
  HttpResponse r;
  r.body = std::move(text);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/policies", [](const HttpRequest&) { return Answer("list"); });
    router_.Add("GET", "/policies/{policy_id}", [](const HttpRequest& r) {
      return Answer("get " + r.path_params.at("policy_id"));
    });
    router_.Add("DELETE", "/policies/{policy_id}",
                [](const HttpRequest&) { return Answer("del"); });
  }
  HttpResponse Route(std::string method, std::string path) {
    HttpRequest r;
    r.method = std::move(method);
    r.path = Router::NormalizePath(path);
    Router::Match m = router_.Find(&r);
    if (m.handler == nullptr) return m.fallback;
    HttpResponse answered;
    (*m.handler)(r, [&answered](HttpResponse response) { answered = std::move(response); });
    return answered;
  }
  Router router_;
};

TEST_F(RouterTest, MatchesWithAndWithoutTrailingSlash) {
  EXPECT_EQ(Route("GET", "/policies").body, "list");
  EXPECT_EQ(Route("GET", "/policies/").body, "list");
  EXPECT_EQ(Route("GET", "/policies/abc").body, "get abc");
  EXPECT_EQ(Route("GET", "/policies/abc/").body, "get abc");
}

TEST_F(RouterTest, UnknownPathIs404Problem) {
  const HttpResponse r = Route("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(r.body)["type"], "/problems/not-found");
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  const HttpResponse r = Route("PATCH", "/policies/abc");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "DELETE, GET"}));
}

}  // namespace
}  // namespace claims
