// EventPublisher: where services hand events to be published. Narrow so that service logic is
// tested with a recording fake and run with KafkaEventPublisher.
#pragma once

#include "shared/event_envelope.h"
#include "shared/status.h"

namespace claims {

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Queues `event` for delivery and returns without waiting for the broker. OK means queued, not
  // delivered; delivery failures are reported by the implementation (logs, metrics).
  // Errors: kUnavailable when the local queue is full (retry later). Thread-safe.
  virtual Status Publish(const OutgoingEvent& event) = 0;
};

}  // namespace claims
