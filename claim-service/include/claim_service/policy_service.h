// PolicyService: the policy use cases. Validated input in, stored policies and one published
// event per change out. Thread-safe.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "claim_service/policy_store.h"
#include "shared/clock.h"
#include "shared/event_publisher.h"
#include "shared/policy_codec.h"

namespace claims {

class PolicyService {
 public:
  // All references must outlive the service.
  PolicyService(PolicyStore& store, EventPublisher& publisher, const Clock& clock,
                EventSource source, prometheus::Registry& metrics);

  // Stores a new policy (id assigned, version 1) and publishes POLICY_CREATED.
  // Errors: kConflict (member pair taken), kInternal.
  StatusOr<Policy> Create(const PolicyFields& fields);
  // Errors: kNotFound.
  StatusOr<Policy> Get(const std::string& policy_id);
  // Replaces the client fields (version + 1) and publishes POLICY_UPDATED. When
  // request.expected_version is set it must be the stored version; without it, concurrent
  // replaces of one policy apply one after the other (last one wins).
  // request.policy_id is not looked at: the caller checks it against the path.
  // Errors: kNotFound, kConflict (expected version stale, member pair taken).
  StatusOr<Policy> Replace(const std::string& policy_id, const PolicyWriteRequest& request);
  // Deletes and publishes POLICY_DELETED carrying the policy as it was. Errors: kNotFound.
  Status Delete(const std::string& policy_id);
  StatusOr<PolicyPage> List(const PolicyFilter& filter, const PageRequest& page);

 private:
  // Publishing happens after the change is committed; a failure to queue is logged and counted
  // and does not fail the request (delivery failures are reported by the publisher).
  // `changed_at` is the event's event_timestamp: when the change was made.
  void Publish(PolicyEventType type, const Policy& policy,
               std::chrono::system_clock::time_point changed_at);

  PolicyStore& store_;
  EventPublisher& publisher_;
  const Clock& clock_;
  EventSource source_;
  prometheus::Counter& publish_refused_;
};

}  // namespace claims
