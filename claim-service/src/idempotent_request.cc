#include "claim_service/idempotent_request.h"

#include <cstdio>

#include "shared/http_problem.h"

namespace claims {
namespace {

// FNV-1a over the method, path and body: equal requests, equal fingerprints.
std::string Fingerprint(const HttpRequest& request) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view text) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator
    h *= 1099511628211ull;
  };
  mix(request.method);
  mix(request.path);
  mix(request.body);
  char out[32];
  std::snprintf(out, sizeof(out), "%016llx-%zu", static_cast<unsigned long long>(h),
                request.body.size());
  return out;
}

bool ValidKey(const std::string& key) {
  if (key.empty() || key.size() > 255) return false;
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Looks `key` up in `db`: sets *response to the stored answer (or returns the 409 status) and
// returns true when the key is known.
StatusOr<bool> LookUp(SqliteDatabase& db, const HttpRequest& request, const std::string& key,
                      std::string_view shown_key, HttpResponse* response) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT fingerprint, status, body, location FROM idempotency_keys "
      "WHERE idempotency_key = ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(key));
  StatusOr<bool> row = (*s)->Step();
  if (!row.ok() || !*row) {
    (*s)->Reset();
    return row;
  }
  const std::string fingerprint = (*s)->ColumnText(0);
  *response = HttpResponse{};
  response->status = static_cast<int>((*s)->ColumnInt(1));
  response->body = (*s)->ColumnText(2);
  const std::optional<std::string> location = (*s)->ColumnOptionalText(3);
  (*s)->Reset();
  if (fingerprint != Fingerprint(request)) {
    return Conflict("Idempotency-Key " + std::string(shown_key) +
                    " was used with another request; use a new key for a new request");
  }
  if (location) response->WithHeader("Location", *location);
  response->WithHeader("Idempotent-Replayed", "true");
  return true;
}

}  // namespace

void ExecuteIdempotent(wal::Journal& journal, ReadConnections& reads, const Clock& clock,
                       const HttpRequest& request, const RequestCheck& check, JournalWork work,
                       Reply reply) {
  const std::optional<std::string> shown_key = request.Header("idempotency-key");
  if (shown_key && !ValidKey(*shown_key)) {
    reply(ValidationFailed(
        {{"header.Idempotency-Key", "must be 1 to 255 printable ASCII characters"}}));
    return;
  }
  // Each provider has its own keys: one provider's key never answers with another's response.
  std::optional<std::string> key = shown_key;
  if (key && request.principal.provider) {
    key = "provider:" + *request.principal.provider + ":" + *key;
  }
  auto response = std::make_shared<HttpResponse>();
  if (key) {
    // A retry is answered from the committed keys before its body is looked at again, without
    // a trip through the journal.
    StatusOr<bool> known = [&] {
      const ReadConnections::Lease db = reads.Acquire();
      return LookUp(*db, request, *key, *shown_key, response.get());
    }();
    if (!known.ok()) {
      reply(RequestFailed(request, known.status()));
      return;
    }
    if (*known) {
      reply(std::move(*response));
      return;
    }
  }
  if (std::optional<HttpResponse> refused = check(); refused) {
    reply(std::move(*refused));
    return;
  }
  // The request stays valid until it is answered (AsyncRouteHandler), so the command and its
  // completion may use it; everything else they use they own.
  wal::Journal::Command command = [&request, &clock, key, shown_key, response,
                                   work = std::move(work)](wal::JournalTxn& txn) -> Status {
    if (key) {
      // Checked again: a concurrent request with the same key may have been first.
      StatusOr<bool> found = LookUp(txn.db(), request, *key, *shown_key, response.get());
      if (!found.ok()) return found.status();
      if (*found) return Status::Ok();
    }
    StatusOr<HttpResponse> answer = work(txn);
    if (!answer.ok()) return answer.status();
    *response = std::move(*answer);
    if (!key) return Status::Ok();
    nlohmann::json location;
    for (const auto& [name, value] : response->headers) {
      if (name == "Location") location = value;
    }
    return txn.Put("idempotency_keys", {{"idempotency_key", *key},
                                        {"fingerprint", Fingerprint(request)},
                                        {"status", response->status},
                                        {"body", response->body},
                                        {"location", location},
                                        {"created_at", FormatRfc3339(clock.Now())},
                                        {"version", 1}});
  };
  journal.Submit(std::move(command),
                 [&request, response, reply = std::move(reply)](const Status& done) {
                   if (!done.ok()) {
                     reply(RequestFailed(request, done));
                   } else {
                     reply(std::move(*response));
                   }
                 });
}

}  // namespace claims
