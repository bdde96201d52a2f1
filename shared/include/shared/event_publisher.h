// EventPublisher: where events are handed to the broker. Narrow so that service logic is tested
// with a recording fake and run with KafkaEventPublisher.
#pragma once

#include <chrono>
#include <span>

#include "shared/event_envelope.h"
#include "shared/status.h"

namespace claims {

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Publishes `events` and waits until the broker acknowledged every one, up to `timeout`.
  // OK means all were acknowledged. On an error some may have been delivered: the caller
  // publishes them all again (consumers deduplicate by event id).
  // Errors: kUnavailable (broker down, queue full, timeout), kInternal (fatal client error).
  // Thread-safe.
  virtual Status PublishAll(std::span<const OutgoingEvent> events,
                            std::chrono::milliseconds timeout) = 0;
};

}  // namespace claims
