// API keys and the authenticator every service runs in front of its routes.
//
// A provider's key is "ak_<provider>_<key_id>_<secret>": the provider's name, a 12-character
// key id (public: it names the key in lists, logs and revocations) and a 43-character secret
// (256 bits from the kernel's CSPRNG), both base62. Only the key's SHA-256 is stored; a
// presented key is hashed and compared with the stored hash in constant time. A plain hash is
// the right tool here (not a password hash): the secret has 256 bits of entropy, so there is
// nothing to guess. The operator key is any string of 24 or more characters given to the
// service (OPERATOR_API_KEY); it is compared the same way.
//
// A key is presented as "Authorization: Bearer <key>" or "X-API-Key: <key>".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shared/http_types.h"
#include "shared/status.h"

namespace claims {

enum class AuthMode { kOff, kRequired };

// "off" or "required".
std::optional<AuthMode> ParseAuthMode(std::string_view text);
std::string_view AuthModeName(AuthMode mode);

// A provider's name: 2 to 32 characters of a-z, 0-9 and '-', starting with a letter and not
// ending with '-'. It names the provider's topics ("<name>-claim.submitted") and keys.
bool IsValidProviderName(std::string_view name);

inline constexpr size_t kMinOperatorKeyLength = 24;

// How a service authenticates: the mode and the operator's key ("" with kOff is allowed).
struct AuthSettings {
  AuthMode mode = AuthMode::kOff;
  std::string operator_key;
};
// Errors: kInvalidArgument when kRequired comes without an operator key of 24 or more characters.
Status CheckAuthSettings(const AuthSettings& settings);

struct IssuedApiKey {
  std::string key_id;
  std::string key;   // the whole key, shown to its holder once
  std::string hash;  // what is stored
};
IssuedApiKey IssueApiKey(std::string_view provider);

struct ParsedApiKey {
  std::string provider;
  std::string key_id;
};
// The provider and key id of a well-formed provider key, or nullopt.
std::optional<ParsedApiKey> ParseApiKey(std::string_view key);

// Lower-case hex SHA-256.
std::string HashApiKey(std::string_view key);
// Equal strings, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A 32-character base62 secret from the kernel's CSPRNG (for a generated operator key).
std::string RandomSecret();

// A provider key as the service stores it.
struct StoredApiKey {
  std::string key_id;
  std::string provider;
  std::string hash;
  bool revoked = false;
};
// Finds a stored key by id: nullopt when there is none. An error (the database is down) makes
// the request a 503, never a 401: a key is not refused because it could not be checked.
using ApiKeyLookup =
    std::function<StatusOr<std::optional<StoredApiKey>>(const std::string& key_id)>;

// Decides who may call a route. Thread-safe (read-only after construction; `lookup` must be).
class ApiKeyAuthenticator {
 public:
  // `operator_key` may be empty only with kOff. `lookup` may be empty: then only the operator
  // key is known (payment-service, whose routes are all for operators).
  ApiKeyAuthenticator(AuthMode mode, std::string_view operator_key, ApiKeyLookup lookup);

  AuthMode mode() const { return mode_; }

  // nullopt: the request may proceed, with request->principal set. Otherwise the answer, in the
  // problem shape: 401 with WWW-Authenticate (no key, an unknown or revoked key), 403 (a
  // provider's key on an operator route), 503 (the key store cannot be read). Each refusal is
  // logged with the key id when there is one, never the key.
  std::optional<HttpResponse> Authorize(HttpRequest* request, RouteAccess access) const;

 private:
  const AuthMode mode_;
  const std::string operator_hash_;
  const ApiKeyLookup lookup_;
};

}  // namespace claims
