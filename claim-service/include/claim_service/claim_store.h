// Claims as stored (tables claims, claim_history, policy_coverage; src/schema.cc) and the reads
// of them. The functions taking a SqliteDatabase& work on either connection: the read
// connection (callers hold its mutex) or the journal's write connection inside a command.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "claim_service/claim_saga.h"
#include "shared/claim.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"

namespace claims {

struct Claim {
  int64_t position = 0;  // creation order
  std::string claim_id;
  std::optional<std::string> policy_id;  // as matched (or as quoted, when it matched nothing)
  ClaimSubmission submission;
  Money net_fee;
  ClaimState status = ClaimState::kSubmitted;
  std::optional<ClaimState> failed_in;   // for COMPENSATION_FAILED: the state that failed
  std::string reason;                    // why it was rejected or failed, "" otherwise
  std::string payment_id;                // the gateway idempotency key, once payment is asked
  int attempts = 0;                      // commands sent for the current step
  std::optional<int64_t> deadline_us;    // payment must settle by then
  std::optional<int64_t> next_check_us;  // when the saga looks at the claim again
  int64_t version = 0;
  std::string created_at;
  std::string updated_at;
  // The provider (tenant) that submitted it; nullopt for a claim submitted without a provider's
  // key (authentication off, or the operator's key).
  std::optional<std::string> provider;
};

struct ClaimHistoryEntry {
  int64_t seq = 0;  // the claim's version after the change
  std::string status;
  std::string event;
  std::string cause;
  std::string at;
  // The fields of the claim's row this step changed, {"field": [before, after]} as JSON text;
  // empty for the first entry (and entries written before it was recorded).
  std::string changes;
  // The payment command the step sent and the payment result it took, JSON text (empty when
  // none), and the WAL entry that wrote the step (empty and 0 before they were recorded).
  std::string command;
  std::string result;
  std::string wal_id;
  int64_t lsn = 0;
};

struct Coverage {
  int64_t reserved_cents = 0;
  int64_t paid_cents = 0;
  int64_t version = 0;  // 0: no row yet
};

struct ClaimFilter {
  std::optional<ClaimState> status;
  std::optional<std::string> policy_id;
  std::optional<std::string> provider_npi;
  std::optional<std::string> provider;  // only this provider's claims
  // Submitted (created_at) at or after `submitted_from` and before `submitted_to`: RFC 3339 UTC
  // times as stored ("2026-12-01T00:00:00.000Z"), compared as text.
  std::optional<std::string> submitted_from;
  std::optional<std::string> submitted_to;
};

// How many claims are in each state (states with none are left out).
StatusOr<std::map<std::string, int64_t>> CountClaimsByState(SqliteDatabase& db);

struct ProviderTotal {
  std::string provider_npi;
  MoneyTotal net_fee;  // exact: the sum of many claims' fees can pass what int64 cents hold
  int64_t claims = 0;
};

// The row of table `claims`, and the API's JSON shape of a claim.
nlohmann::json ClaimRow(const Claim& claim);
nlohmann::json EncodeClaim(const Claim& claim);
nlohmann::json EncodeHistory(const std::vector<ClaimHistoryEntry>& history);

// Errors: kNotFound; kInternal for a row that no longer parses.
StatusOr<Claim> LoadClaim(SqliteDatabase& db, const std::string& claim_id);
StatusOr<std::vector<Claim>> ListClaims(SqliteDatabase& db, const ClaimFilter& filter,
                                        int64_t offset, int64_t limit);
// The statement ListClaims runs for `filter`: only the filters present, so each uses its index.
std::string ListClaimsSql(const ClaimFilter& filter);
// Oldest first. Errors: kNotFound when the claim does not exist.
StatusOr<std::vector<ClaimHistoryEntry>> LoadClaimHistory(SqliteDatabase& db,
                                                          const std::string& claim_id);
// The `limit` provider NPIs with the highest total net fee (SQL GROUP BY), ties by NPI. Every claim
// counts but REJECTED ones, whose fee was never approved. Exact for any number of claims below
// 2^31 per NPI. With `provider`, only that provider's claims count.
StatusOr<std::vector<ProviderTotal>> TopProviderNpis(SqliteDatabase& db, int limit,
                                                     const std::optional<std::string>& provider);
// Ids of claims whose next_check_us is at or before `now_us`, soonest first.
StatusOr<std::vector<std::string>> DueClaimIds(SqliteDatabase& db, int64_t now_us, int limit);
StatusOr<Coverage> LoadCoverage(SqliteDatabase& db, const std::string& policy_id);
// Claims of the policy that are not finished (anything but REJECTED, PAYMENT_FAILED, REVERSED,
// VOIDED and PAID).
StatusOr<int64_t> CountOpenClaims(SqliteDatabase& db, const std::string& policy_id);
// Whether any claim, in any state, names the policy.
StatusOr<bool> PolicyHasClaims(SqliteDatabase& db, const std::string& policy_id);
StatusOr<int64_t> NextClaimPosition(SqliteDatabase& db);
// Whether `event_id` was applied already (table processed_events).
StatusOr<bool> EventProcessed(SqliteDatabase& db, const std::string& event_id);

}  // namespace claims
