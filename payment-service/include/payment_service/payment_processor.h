// PaymentProcessor: what payment-service does with a batch of payment commands. Each command
// is applied once (by event id, table processed_commands): the gateway is asked (one call for
// the batch), then the payment's new state, the processed mark and the result event are one
// journal entry (WAL first); the outbox relay publishes the result. A command redelivered after
// a crash, to this or another instance, is answered from the gateway's ledger, which returns
// the first result for a payment id: nothing is charged twice.
// Thread-safety: Process may be called from one thread at a time.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "payment_service/gateway.h"
#include "shared/clock.h"
#include "shared/event_envelope.h"
#include "shared/kafka_consumer.h"
#include "shared/sqlite_db.h"
#include "wal/journal.h"

namespace claims {

struct Payment {
  std::string payment_id;
  std::string claim_id;
  int64_t amount_cents = 0;
  std::string provider_npi;
  std::string status;  // PENDING, SETTLED, DECLINED, REFUNDED, VOIDED
  std::string reason;
  std::string last_command;
  int64_t attempts = 0;
  std::string instance;
  std::string created_at;
  std::string updated_at;
  int64_t version = 0;
};

nlohmann::json EncodePayment(const Payment& payment);
// Errors: kNotFound.
StatusOr<Payment> LoadPayment(SqliteDatabase& db, const std::string& payment_id);
StatusOr<std::vector<Payment>> PaymentsOfClaim(SqliteDatabase& db, const std::string& claim_id);

// The result event for `command` given the gateway's answer.
PaymentResult ResultFor(const PaymentCommand& command, const GatewayResult& answer,
                        const std::string& at);

class PaymentProcessor {
 public:
  // All references must outlive the processor.
  PaymentProcessor(wal::Journal& journal, PaymentGateway& gateway, const Clock& clock,
                   EventSource source);

  // Decodes `batch` (undecodable messages go to `dead`), asks the gateway for the new ones and
  // records the results. Errors: kUnavailable when the journal refused (retry the batch).
  Status Process(std::span<const KafkaMessage> batch, std::vector<OutgoingEvent>* dead);

 private:
  Status Record(wal::JournalTxn& txn, const PaymentCommand& command, const PaymentResult& result);

  wal::Journal& journal_;
  PaymentGateway& gateway_;
  const Clock& clock_;
  const EventSource source_;
};

}  // namespace claims
