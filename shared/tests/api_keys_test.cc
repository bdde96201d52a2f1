#include "shared/api_keys.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "shared/json_log.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

TEST(ApiKeysTest, IssuedKeysNameTheirProviderAndParseBack) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const IssuedApiKey k = IssueApiKey("saa");
    EXPECT_EQ(k.key.rfind("ak_saa_", 0), 0u) << k.key;
    EXPECT_EQ(k.key.size(), 3 + 3 + 1 + 12 + 1 + 43);
    EXPECT_EQ(k.hash, HashApiKey(k.key));
    EXPECT_EQ(k.key.find(k.hash), std::string::npos);
    const auto parsed = ParseApiKey(k.key);
    ASSERT_TRUE(parsed.has_value()) << k.key;
    EXPECT_EQ(parsed->provider, "saa");
    EXPECT_EQ(parsed->key_id, k.key_id);
    EXPECT_TRUE(seen.insert(k.key_id).second) << "key ids repeat";
  }
  const IssuedApiKey dashed = IssueApiKey("trust-re");
  EXPECT_EQ(ParseApiKey(dashed.key)->provider, "trust-re");
}

TEST(ApiKeysTest, MalformedKeysDoNotParse) {
  const std::string good = IssueApiKey("saa").key;
  for (const std::string& bad :
       {std::string(""), std::string("ak_"), std::string("ak_saa"), good.substr(0, good.size() - 1),
        good + "x", "xk" + good.substr(2), std::string("ak_SAA_") + good.substr(7),
        good.substr(0, 10) + "!" + good.substr(11)}) {
    EXPECT_FALSE(ParseApiKey(bad).has_value()) << bad;
  }
}

TEST(ApiKeysTest, HashIsSha256AndComparisonNeedsEqualStrings) {
  EXPECT_EQ(HashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sane"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
  EXPECT_EQ(RandomSecret().size(), 32u);
  EXPECT_NE(RandomSecret(), RandomSecret());
}

TEST(ApiKeysTest, ProviderNamesAreShortLowerCaseAndMakeTopicsThePatternMatches) {
  const std::regex pattern{std::string(kProviderSubmittedPattern)};
  for (const char* good : {"saa", "trust", "p2", "star-re", "a1-b2"}) {
    EXPECT_TRUE(IsValidProviderName(good)) << good;
    EXPECT_TRUE(std::regex_match(ProviderSubmittedTopic(good), pattern)) << good;
    EXPECT_EQ(ProviderOfSubmittedTopic(ProviderSubmittedTopic(good)), good);
  }
  for (const char* bad :
       {"", "a", "Saa", "1saa", "saa-", "s_a", "s.a", "s a", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    EXPECT_FALSE(IsValidProviderName(bad)) << bad;
  }
  EXPECT_FALSE(std::regex_match(DeadLetterTopic(ProviderSubmittedTopic("saa")), pattern));
  EXPECT_FALSE(std::regex_match(ProviderUpdatedTopic("saa"), pattern));
  EXPECT_FALSE(std::regex_match(std::string("claim-events"), pattern));
  EXPECT_FALSE(ProviderOfSubmittedTopic("saa-claim.submitted.dlq").has_value());
  EXPECT_FALSE(ProviderOfSubmittedTopic("-claim.submitted").has_value());
}

TEST(ApiKeysTest, AuthRequiredNeedsALongOperatorKey) {
  EXPECT_TRUE(CheckAuthSettings({AuthMode::kOff, ""}).ok());
  EXPECT_FALSE(CheckAuthSettings({AuthMode::kRequired, ""}).ok());
  EXPECT_FALSE(CheckAuthSettings({AuthMode::kRequired, "short"}).ok());
  EXPECT_TRUE(CheckAuthSettings({AuthMode::kRequired, std::string(24, 'k')}).ok());
  EXPECT_EQ(ParseAuthMode("required"), AuthMode::kRequired);
  EXPECT_EQ(ParseAuthMode("off"), AuthMode::kOff);
  EXPECT_FALSE(ParseAuthMode("on").has_value());
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kError);
    saa_ = IssueApiKey("saa");
    revoked_ = IssueApiKey("saa");
  }

  ApiKeyAuthenticator Make(AuthMode mode, bool database_up = true) {
    return ApiKeyAuthenticator(
        mode, kOperatorKey,
        [this, database_up](const std::string& id) -> StatusOr<std::optional<StoredApiKey>> {
          if (!database_up) return Unavailable("database is locked");
          if (id == saa_.key_id) return std::optional(StoredApiKey{id, "saa", saa_.hash, false});
          if (id == revoked_.key_id) {
            return std::optional(StoredApiKey{id, "saa", revoked_.hash, true});
          }
          return std::optional<StoredApiKey>();
        });
  }

  static HttpRequest WithHeader(const std::string& name, const std::string& value) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/claims";
    r.headers[name] = value;
    return r;
  }

  static constexpr const char* kOperatorKey = "operator-key-of-the-platform-team";
  IssuedApiKey saa_;
  IssuedApiKey revoked_;
};

TEST_F(AuthenticatorTest, EachKeyKindGetsItsAnswer) {
  const ApiKeyAuthenticator auth = Make(AuthMode::kRequired);
  HttpRequest none;
  auto refused = auth.Authorize(&none, RouteAccess::kTenant);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 401);
  bool challenge = false;
  for (const auto& [name, value] : refused->headers) {
    challenge = challenge || (name == "WWW-Authenticate" && value.rfind("Bearer", 0) == 0);
  }
  EXPECT_TRUE(challenge);
  EXPECT_FALSE(auth.Authorize(&none, RouteAccess::kOpen).has_value());

  HttpRequest op = WithHeader("authorization", std::string("Bearer ") + kOperatorKey);
  EXPECT_FALSE(auth.Authorize(&op, RouteAccess::kOperator).has_value());
  EXPECT_EQ(op.principal.key_id, "operator");
  EXPECT_FALSE(op.principal.provider.has_value());

  HttpRequest provider = WithHeader("x-api-key", saa_.key);
  EXPECT_FALSE(auth.Authorize(&provider, RouteAccess::kTenant).has_value());
  EXPECT_EQ(provider.principal.provider, "saa");
  EXPECT_EQ(provider.principal.key_id, saa_.key_id);
  EXPECT_EQ(auth.Authorize(&provider, RouteAccess::kOperator)->status, 403);

  HttpRequest lower_scheme = WithHeader("authorization", "bearer  " + saa_.key + " ");
  EXPECT_FALSE(auth.Authorize(&lower_scheme, RouteAccess::kTenant).has_value());

  HttpRequest revoked = WithHeader("x-api-key", revoked_.key);
  EXPECT_EQ(auth.Authorize(&revoked, RouteAccess::kTenant)->status, 401);
  // Right id, wrong secret; right key under another provider's name; garbage.
  std::string forged = saa_.key;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  for (const std::string& bad :
       {forged, "ak_trust_" + saa_.key.substr(7), std::string("Basic dXNlcjpwYXNz"),
        std::string(kOperatorKey) + "x"}) {
    HttpRequest r = WithHeader("x-api-key", bad);
    EXPECT_EQ(auth.Authorize(&r, RouteAccess::kTenant)->status, 401) << bad;
    EXPECT_FALSE(r.principal.provider.has_value()) << bad;
  }
}

TEST_F(AuthenticatorTest, OffChecksNothingAndAStoreOutageIsNotARefusal) {
  HttpRequest none;
  EXPECT_FALSE(Make(AuthMode::kOff).Authorize(&none, RouteAccess::kOperator).has_value());
  EXPECT_FALSE(none.principal.provider.has_value());
  HttpRequest provider = WithHeader("x-api-key", saa_.key);
  auto answer = Make(AuthMode::kRequired, false).Authorize(&provider, RouteAccess::kTenant);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 503);
}

}  // namespace
}  // namespace claims
