#include "shared/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdlib>

#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/nanoid.h"

namespace claims {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kKeyIdLength = 12;
constexpr size_t kSecretLength = 43;  // 43 * log2(62) = 256 bits

// Uniform base62: bytes of 248 and above (248 = 4 * 62) are drawn again.
std::string RandomBase62(size_t length) {
  std::string out;
  out.reserve(length);
  std::array<uint8_t, 64> bytes{};
  while (out.size() < length) {
    FillRandom(bytes);
    for (uint8_t b : bytes) {
      if (b >= 248 || out.size() == length) continue;
      out.push_back(kBase62[b % 62]);
    }
  }
  return out;
}

bool IsBase62(std::string_view text) {
  for (char c : text) {
    if (kBase62.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// The key a request presents, or "" when it presents none.
std::string PresentedKey(const HttpRequest& request) {
  if (auto header = request.Header("authorization")) {
    std::string_view v = *header;
    constexpr std::string_view kBearer = "bearer ";
    if (v.size() > kBearer.size()) {
      std::string scheme(v.substr(0, kBearer.size()));
      for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (scheme == kBearer) {
        v.remove_prefix(kBearer.size());
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        return std::string(v);
      }
    }
  }
  return request.Header("x-api-key").value_or("");
}

HttpResponse Unauthorized(const std::string& detail, bool key_given) {
  std::string challenge = "Bearer realm=\"claims\"";
  if (key_given) challenge += ", error=\"invalid_token\"";
  return Problem(401, "unauthorized", "Unauthorized", detail)
      .WithHeader("WWW-Authenticate", challenge);
}

void LogRefusal(const HttpRequest& request, int status, std::string_view reason,
                const std::string& key_id) {
  Log(LogLevel::kWarn, "request refused by authentication",
      {{"request_id", request.request_id},
       {"method", request.method},
       {"path", request.path},
       {"status", status},
       {"reason", reason},
       {"key_id", key_id},
       {"client", request.client}});
}

}  // namespace

std::optional<AuthMode> ParseAuthMode(std::string_view text) {
  if (text == "off") return AuthMode::kOff;
  if (text == "required") return AuthMode::kRequired;
  return std::nullopt;
}

std::string_view AuthModeName(AuthMode mode) { return mode == AuthMode::kOff ? "off" : "required"; }

Status CheckAuthSettings(const AuthSettings& settings) {
  if (settings.mode == AuthMode::kRequired &&
      settings.operator_key.size() < kMinOperatorKeyLength) {
    return InvalidArgument("auth required needs an operator key (OPERATOR_API_KEY) of " +
                           std::to_string(kMinOperatorKeyLength) + " or more characters");
  }
  return Status::Ok();
}

bool IsValidProviderName(std::string_view name) {
  if (name.size() < 2 || name.size() > 32) return false;
  if (name.front() < 'a' || name.front() > 'z' || name.back() == '-') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

IssuedApiKey IssueApiKey(std::string_view provider) {
  IssuedApiKey k;
  k.key_id = RandomBase62(kKeyIdLength);
  k.key = "ak_" + std::string(provider) + "_" + k.key_id + "_" + RandomBase62(kSecretLength);
  k.hash = HashApiKey(k.key);
  return k;
}

std::optional<ParsedApiKey> ParseApiKey(std::string_view key) {
  // ak_ <provider> _ <key_id> _ <secret>; the provider has no '_', so the parts split cleanly.
  if (key.substr(0, 3) != "ak_") return std::nullopt;
  key.remove_prefix(3);
  const size_t a = key.find('_');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = key.find('_', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const std::string_view provider = key.substr(0, a);
  const std::string_view key_id = key.substr(a + 1, b - a - 1);
  const std::string_view secret = key.substr(b + 1);
  if (!IsValidProviderName(provider) || key_id.size() != kKeyIdLength || !IsBase62(key_id) ||
      secret.size() != kSecretLength || !IsBase62(secret)) {
    return std::nullopt;
  }
  return ParsedApiKey{std::string(provider), std::string(key_id)};
}

std::string HashApiKey(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    std::abort();  // SHA-256 is always available in OpenSSL 3; failing here is a broken library
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(static_cast<size_t>(length) * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomSecret() { return RandomBase62(32); }

ApiKeyAuthenticator::ApiKeyAuthenticator(AuthMode mode, std::string_view operator_key,
                                         ApiKeyLookup lookup)
    : mode_(mode),
      operator_hash_(operator_key.empty() ? "" : HashApiKey(operator_key)),
      lookup_(std::move(lookup)) {}

std::optional<HttpResponse> ApiKeyAuthenticator::Authorize(HttpRequest* request,
                                                           RouteAccess access) const {
  request->principal = Principal{};
  if (mode_ == AuthMode::kOff || access == RouteAccess::kOpen) return std::nullopt;
  const std::string key = PresentedKey(*request);
  if (key.empty()) {
    LogRefusal(*request, 401, "no key", "");
    return Unauthorized(
        "this endpoint needs an API key: send \"Authorization: Bearer <key>\" or "
        "\"X-API-Key: <key>\"",
        false);
  }
  const std::string hash = HashApiKey(key);
  if (!operator_hash_.empty() && ConstantTimeEquals(hash, operator_hash_)) {
    request->principal.key_id = "operator";
    return std::nullopt;
  }
  const std::optional<ParsedApiKey> parsed = ParseApiKey(key);
  StatusOr<std::optional<StoredApiKey>> stored = std::optional<StoredApiKey>();
  if (parsed && lookup_) stored = lookup_(parsed->key_id);
  if (!stored.ok()) {
    Log(LogLevel::kWarn, "API key could not be checked",
        {{"request_id", request->request_id},
         {"key_id", parsed->key_id},
         {"error", stored.status().ToString()}});
    return Problem(503, "unavailable", "Service unavailable",
                   "the API key could not be checked just now; retry shortly")
        .WithHeader("Retry-After", "1");
  }
  const std::string key_id = parsed ? parsed->key_id : "";
  if (!stored->has_value() || (*stored)->provider != parsed->provider ||
      !ConstantTimeEquals(hash, (*stored)->hash)) {
    LogRefusal(*request, 401, "unknown key", key_id);
    return Unauthorized("the API key is not known", true);
  }
  if ((*stored)->revoked) {
    LogRefusal(*request, 401, "revoked key", key_id);
    return Unauthorized("the API key was revoked", true);
  }
  request->principal.key_id = key_id;
  request->principal.provider = (*stored)->provider;
  if (access == RouteAccess::kOperator) {
    LogRefusal(*request, 403, "operator route", key_id);
    return Problem(403, "forbidden", "Forbidden",
                   "this endpoint is for operators; a provider's key cannot call it");
  }
  return std::nullopt;
}

}  // namespace claims
