#include "claim_service/policy_service.h"

#include "claim_service/claim_store.h"
#include "shared/nanoid.h"

namespace claims {

PolicyService::PolicyService(wal::Journal& journal, PolicyStore& reads, const Clock& clock,
                             EventSource source)
    : journal_(journal), reads_(reads), clock_(clock), source_(std::move(source)) {}

OutgoingEvent PolicyService::Event(PolicyEventType type, const Policy& policy,
                                   std::chrono::system_clock::time_point at) {
  // The event id is fixed when the change is made and kept in the WAL, so a re-publication
  // carries the same id.
  return BuildPolicyEvent(type, policy, source_, NewNanoid(), at);
}

StatusOr<Policy> PolicyService::Create(wal::JournalTxn& txn, const PolicyFields& fields,
                                       const std::optional<std::string>& policy_id) {
  Policy policy;
  policy.policy_id = policy_id ? *policy_id : NewNanoid();
  policy.fields = fields;
  policy.version = 1;
  if (policy_id) {
    StatusOr<Policy> existing = LoadPolicy(txn.db(), *policy_id);
    if (existing.ok()) return Conflict("a policy with id " + *policy_id + " already exists");
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    // A deleted policy's claims keep its id, and its coverage books stay with them: a new policy
    // under that id would inherit them.
    StatusOr<bool> has_claims = PolicyHasClaims(txn.db(), *policy_id);
    if (!has_claims.ok()) return has_claims.status();
    if (*has_claims) {
      return Conflict("policy_id " + *policy_id +
                      " belonged to a deleted policy that has claims; choose another id");
    }
  }
  const auto now = clock_.Now();
  policy.created_at = FormatRfc3339(now);
  policy.updated_at = policy.created_at;
  StatusOr<int64_t> position = NextPolicyPosition(txn.db());
  if (!position.ok()) return position.status();
  CLAIMS_RETURN_IF_ERROR(PolicyConflict(policy, txn.Put("policies", PolicyRow(policy, *position))));
  txn.Emit(Event(PolicyEventType::kCreated, policy, now));
  return policy;
}

StatusOr<Policy> PolicyService::Create(const PolicyFields& fields,
                                       const std::optional<std::string>& policy_id) {
  StatusOr<Policy> created = Internal("not run");
  const Status done = journal_.Execute([&](wal::JournalTxn& txn) -> Status {
    created = Create(txn, fields, policy_id);
    return created.status();
  });
  if (!done.ok()) return done;
  return created;
}

StatusOr<Policy> PolicyService::Get(const std::string& policy_id) { return reads_.Get(policy_id); }

void PolicyService::Replace(std::string policy_id, PolicyWriteRequest request, Done done) {
  wal::SubmitFor<Policy>(
      journal_,
      [this, policy_id = std::move(policy_id),
       request = std::move(request)](wal::JournalTxn& txn) -> StatusOr<Policy> {
        int64_t position = 0;
        StatusOr<Policy> current = LoadPolicy(txn.db(), policy_id, &position);
        if (!current.ok()) return current.status();
        return Update(txn, *current, position, request);
      },
      std::move(done));
}

void PolicyService::Patch(std::string policy_id, nlohmann::json patch,
                          std::function<void(StatusOr<Policy>, const FieldErrors& errors)> done) {
  auto errors = std::make_shared<FieldErrors>();
  wal::SubmitFor<Policy>(
      journal_,
      [this, errors, policy_id = std::move(policy_id),
       patch = std::move(patch)](wal::JournalTxn& txn) -> StatusOr<Policy> {
        // Read and written in one command: a concurrent change of another field is never undone
        // by a patch computed from an older copy.
        int64_t position = 0;
        StatusOr<Policy> current = LoadPolicy(txn.db(), policy_id, &position);
        if (!current.ok()) return current.status();
        errors->clear();
        const auto request = DecodePolicyWrite(ApplyPolicyMergePatch(*current, patch),
                                               PolicyWrite::kReplace, errors.get());
        if (!request) return InvalidArgument("the patched policy is not valid");
        return Update(txn, *current, position, *request);
      },
      [errors, done = std::move(done)](StatusOr<Policy> patched) {
        done(std::move(patched), *errors);
      });
}

StatusOr<Policy> PolicyService::Update(wal::JournalTxn& txn, const Policy& current,
                                       int64_t position, const PolicyWriteRequest& request) {
  const std::string& policy_id = current.policy_id;
  if (request.expected_version && *request.expected_version != current.version) {
    return Conflict("policy " + policy_id + " is at version " + std::to_string(current.version) +
                    ", not " + std::to_string(*request.expected_version) + "; read it again");
  }
  StatusOr<Coverage> used = LoadCoverage(txn.db(), policy_id);
  if (!used.ok()) return used.status();
  // A policy without coverage_amount pays nothing, so it may lose its amount only while no claim
  // holds a reservation or was paid: reserved + paid never exceed the coverage.
  const int64_t in_use = used->reserved_cents + used->paid_cents;
  const int64_t coverage =
      request.fields.coverage_amount ? request.fields.coverage_amount->cents() : 0;
  if (coverage < in_use) {
    return Conflict("coverage_amount cannot go below " + Money::FromCents(in_use).ToString() +
                    ", which claims already reserved or were paid");
  }
  Policy next = current;
  next.fields = request.fields;
  next.version = current.version + 1;
  const auto now = clock_.Now();
  next.updated_at = FormatRfc3339(now);
  CLAIMS_RETURN_IF_ERROR(PolicyConflict(next, txn.Put("policies", PolicyRow(next, position))));
  txn.Emit(Event(PolicyEventType::kUpdated, next, now));
  return next;
}

void PolicyService::Delete(std::string policy_id, std::function<void(Status)> done) {
  journal_.Submit(
      [this, policy_id = std::move(policy_id)](wal::JournalTxn& txn) -> Status {
        StatusOr<Policy> current = LoadPolicy(txn.db(), policy_id);
        if (!current.ok()) return current.status();
        StatusOr<int64_t> open = CountOpenClaims(txn.db(), policy_id);
        if (!open.ok()) return open.status();
        if (*open > 0) {
          return Conflict("policy " + policy_id + " has " + std::to_string(*open) +
                          " open claims; cancel them or wait until they finish");
        }
        CLAIMS_RETURN_IF_ERROR(
            txn.Remove("policies", {{"policy_id", policy_id}, {"version", current->version + 1}}));
        txn.Emit(Event(PolicyEventType::kDeleted, *current, clock_.Now()));
        return Status::Ok();
      },
      std::move(done));
}

StatusOr<PolicyPage> PolicyService::List(const PolicyFilter& filter, const PageRequest& page) {
  return reads_.List(filter, page);
}

}  // namespace claims
