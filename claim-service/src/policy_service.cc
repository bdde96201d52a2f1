#include "claim_service/policy_service.h"

#include "shared/json_log.h"
#include "shared/nanoid.h"

namespace claims {

PolicyService::PolicyService(PolicyStore& store, EventPublisher& publisher, const Clock& clock,
                             EventSource source, prometheus::Registry& metrics)
    : store_(store),
      publisher_(publisher),
      clock_(clock),
      source_(std::move(source)),
      publish_refused_(prometheus::BuildCounter()
                           .Name("claims_events_not_queued_total")
                           .Help("Events the producer refused to queue (queue full, fatal error)")
                           .Register(metrics)
                           .Add({})) {}

StatusOr<Policy> PolicyService::Create(const PolicyFields& fields) {
  Policy policy;
  policy.policy_id = NewNanoid();
  policy.fields = fields;
  policy.version = 1;
  const auto now = clock_.Now();
  policy.created_at = FormatRfc3339(now);
  policy.updated_at = policy.created_at;
  CLAIMS_RETURN_IF_ERROR(store_.Insert(policy));
  Publish(PolicyEventType::kCreated, policy, now);
  return policy;
}

StatusOr<Policy> PolicyService::Get(const std::string& policy_id) { return store_.Get(policy_id); }

StatusOr<Policy> PolicyService::Replace(const std::string& policy_id,
                                        const PolicyWriteRequest& request) {
  const auto now = clock_.Now();
  StatusOr<Policy> updated =
      store_.Update(policy_id, [&](const Policy& current) -> StatusOr<Policy> {
        if (request.expected_version && *request.expected_version != current.version) {
          return Conflict("policy " + policy_id + " is at version " +
                          std::to_string(current.version) + ", not " +
                          std::to_string(*request.expected_version) + "; read it again");
        }
        Policy next = current;
        next.fields = request.fields;
        next.version = current.version + 1;
        next.updated_at = FormatRfc3339(now);
        return next;
      });
  if (!updated.ok()) return updated.status();
  Publish(PolicyEventType::kUpdated, *updated, now);
  return updated;
}

Status PolicyService::Delete(const std::string& policy_id) {
  StatusOr<Policy> deleted = store_.Delete(policy_id);
  if (!deleted.ok()) return deleted.status();
  Publish(PolicyEventType::kDeleted, *deleted, clock_.Now());
  return Status::Ok();
}

StatusOr<PolicyPage> PolicyService::List(const PolicyFilter& filter, const PageRequest& page) {
  return store_.List(filter, page);
}

void PolicyService::Publish(PolicyEventType type, const Policy& policy,
                            std::chrono::system_clock::time_point changed_at) {
  const OutgoingEvent event = BuildPolicyEvent(type, policy, source_, NewNanoid(), changed_at);
  const Status queued = publisher_.Publish(event);
  if (!queued.ok()) {
    publish_refused_.Increment();
    Log(LogLevel::kError, "policy event not queued",
        {{"event_id", event.event_id},
         {"topic", event.topic},
         {"policy_id", policy.policy_id},
         {"error", queued.ToString()}});
  }
}

}  // namespace claims
