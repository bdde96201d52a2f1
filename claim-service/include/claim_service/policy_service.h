// PolicyService: the policy use cases. Validated input in; every change written through the
// journal (WAL first) with its one event, which the outbox relay publishes. Thread-safe.
#pragma once

#include <functional>
#include <string>

#include "claim_service/policy_store.h"
#include "shared/clock.h"
#include "shared/event_envelope.h"
#include "shared/policy_codec.h"
#include "wal/journal.h"

namespace claims {

class PolicyService {
 public:
  // All references must outlive the service.
  PolicyService(wal::Journal& journal, PolicyStore& reads, const Clock& clock, EventSource source);

  // Stores a new policy (version 1) with POLICY_CREATED, under `policy_id` (already valid, see
  // IsValidPolicyId) or a new nanoid.
  // Errors: kConflict (the id or the member pair is taken, or the id belonged to a deleted policy
  // that has claims), kInternal.
  StatusOr<Policy> Create(const PolicyFields& fields,
                          const std::optional<std::string>& policy_id = std::nullopt);
  // The same, inside an open journal command (for idempotent requests).
  StatusOr<Policy> Create(wal::JournalTxn& txn, const PolicyFields& fields,
                          const std::optional<std::string>& policy_id = std::nullopt);
  // Errors: kNotFound.
  StatusOr<Policy> Get(const std::string& policy_id);
  // The changes below hand their journal command over and return at once; `done` gets the
  // result once the change is durable and committed (or refused), on the journal's completion
  // thread (see wal::Journal::Submit).
  using Done = std::function<void(StatusOr<Policy>)>;
  // Replaces the client fields (version + 1) with POLICY_UPDATED. When request.expected_version
  // is set it must be the stored version; without it, concurrent replaces of one policy apply
  // one after the other (last one wins). request.policy_id is not looked at: the caller checks
  // it against the path.
  // Errors: kNotFound, kConflict (expected version stale, member pair taken, coverage_amount
  // below what claims already reserved and were paid, or removed while they hold any).
  void Replace(std::string policy_id, PolicyWriteRequest request, Done done);
  // Applies a JSON merge patch (RFC 7396) to the stored policy and stores the result as Replace
  // would (a `version` in the patch is the precondition), reading and writing in one journal
  // command. A policy_id in the patch is not looked at: the caller checks it against the path.
  // Errors: those of Replace; kInvalidArgument when the patched policy is not valid, with every
  // field error in `errors`.
  void Patch(std::string policy_id, nlohmann::json patch,
             std::function<void(StatusOr<Policy>, const FieldErrors& errors)> done);
  // Deletes with POLICY_DELETED carrying the policy as it was.
  // Errors: kNotFound, kConflict (the policy has open claims).
  void Delete(std::string policy_id, std::function<void(Status)> done);
  StatusOr<PolicyPage> List(const PolicyFilter& filter, const PageRequest& page);

 private:
  OutgoingEvent Event(PolicyEventType type, const Policy& policy,
                      std::chrono::system_clock::time_point at);
  // Stores `request` over `current` (at `position`) inside an open command.
  StatusOr<Policy> Update(wal::JournalTxn& txn, const Policy& current, int64_t position,
                          const PolicyWriteRequest& request);

  wal::Journal& journal_;
  PolicyStore& reads_;
  const Clock& clock_;
  EventSource source_;
};

}  // namespace claims
