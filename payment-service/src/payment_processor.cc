#include "payment_service/payment_processor.h"

#include "shared/json_log.h"

namespace claims {
namespace {

constexpr const char* kPaymentColumns =
    "payment_id, claim_id, amount_cents, provider_npi, status, reason, last_command, attempts, "
    "instance, created_at, updated_at, version";

Payment ReadPayment(const SqliteStatement& s) {
  return Payment{s.ColumnText(0), s.ColumnText(1),  s.ColumnInt(2),
                 s.ColumnText(3), s.ColumnText(4),  s.ColumnOptionalText(5).value_or(""),
                 s.ColumnText(6), s.ColumnInt(7),   s.ColumnText(8),
                 s.ColumnText(9), s.ColumnText(10), s.ColumnInt(11)};
}

StatusOr<std::vector<Payment>> Query(SqliteDatabase& db, const std::string& where,
                                     const std::string& value) {
  StatusOr<SqliteStatement*> s =
      db.Prepare(std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE " + where);
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(value));
  return CollectRows<Payment>(
      *s, [](const SqliteStatement& row) -> StatusOr<Payment> { return ReadPayment(row); });
}

std::string StatusAfter(const PaymentResult& r, const std::string& current) {
  switch (r.type) {
    case PaymentResultType::kPaymentSettled:
      return "SETTLED";
    case PaymentResultType::kPaymentDeclined:
      return "DECLINED";
    case PaymentResultType::kRefunded:
      return "REFUNDED";
    case PaymentResultType::kVoided:
      return "VOIDED";
    case PaymentResultType::kAttemptFailed:
      return current.empty() ? "PENDING" : current;
  }
  return current;
}

}  // namespace

nlohmann::json EncodePayment(const Payment& p) {
  nlohmann::json j = {{"payment_id", p.payment_id},
                      {"claim_id", p.claim_id},
                      {"amount", Money::FromCents(p.amount_cents).ToString()},
                      {"provider_npi", p.provider_npi},
                      {"status", p.status},
                      {"last_command", p.last_command},
                      {"attempts", p.attempts},
                      {"instance", p.instance},
                      {"created_at", p.created_at},
                      {"updated_at", p.updated_at},
                      {"version", p.version}};
  if (!p.reason.empty()) j["reason"] = p.reason;
  return j;
}

StatusOr<Payment> LoadPayment(SqliteDatabase& db, const std::string& payment_id) {
  StatusOr<std::vector<Payment>> rows = Query(db, "payment_id = ?1", payment_id);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("no payment with id " + payment_id);
  return rows->front();
}

StatusOr<std::vector<Payment>> PaymentsOfClaim(SqliteDatabase& db, const std::string& claim_id) {
  return Query(db, "claim_id = ?1 ORDER BY created_at, payment_id", claim_id);
}

PaymentResult ResultFor(const PaymentCommand& command, const GatewayResult& answer,
                        const std::string& at) {
  PaymentResult r;
  r.event_id = command.event_id + "/result";
  r.claim_id = command.claim_id;
  r.payment_id = command.payment_id;
  r.command_id = command.event_id;
  r.command_type = command.type;
  r.amount_cents = answer.amount_cents != 0 ? answer.amount_cents : command.amount_cents;
  r.reason = answer.reason;
  r.occurred_at = at;
  switch (answer.outcome) {
    case GatewayOutcome::kSettled:
      r.type = PaymentResultType::kPaymentSettled;
      break;
    case GatewayOutcome::kDeclined:
      r.type = PaymentResultType::kPaymentDeclined;
      break;
    case GatewayOutcome::kRefunded:
      r.type = PaymentResultType::kRefunded;
      break;
    case GatewayOutcome::kVoided:
      r.type = PaymentResultType::kVoided;
      break;
    case GatewayOutcome::kTransient:
      r.type = PaymentResultType::kAttemptFailed;
      r.transient = true;
      break;
    case GatewayOutcome::kRefused:
      // A charge the gateway refuses is a decline; a refund or void it refuses cannot succeed.
      if (command.type == PaymentCommandType::kPaymentRequested) {
        r.type = PaymentResultType::kPaymentDeclined;
      } else {
        r.type = PaymentResultType::kAttemptFailed;
        r.transient = false;
      }
      break;
  }
  return r;
}

PaymentProcessor::PaymentProcessor(wal::Journal& journal, PaymentGateway& gateway,
                                   const Clock& clock, EventSource source)
    : journal_(journal), gateway_(gateway), clock_(clock), source_(std::move(source)) {}

Status PaymentProcessor::Record(wal::JournalTxn& txn, const PaymentCommand& command,
                                const PaymentResult& result) {
  StatusOr<bool> seen = [&]() -> StatusOr<bool> {
    StatusOr<SqliteStatement*> s =
        txn.db().Prepare("SELECT 1 FROM processed_commands WHERE event_id = ?1");
    if (!s.ok()) return s.status();
    (*s)->Bind(1, std::string_view(command.event_id));
    StatusOr<bool> row = (*s)->Step();
    (*s)->Reset();
    return row;
  }();
  if (!seen.ok()) return seen.status();
  if (*seen) return Status::Ok();  // another instance recorded it meanwhile
  StatusOr<Payment> current = LoadPayment(txn.db(), command.payment_id);
  if (!current.ok() && current.status().code() != StatusCode::kNotFound) return current.status();
  Payment p = current.ok() ? *current : Payment{};
  if (!current.ok()) {
    p.payment_id = command.payment_id;
    p.claim_id = command.claim_id;
    p.amount_cents = command.amount_cents;
    p.provider_npi = command.provider_npi;
    p.created_at = result.occurred_at;
  }
  p.status = StatusAfter(result, current.ok() ? current->status : "");
  p.reason = result.reason;
  p.last_command = std::string(PaymentCommandTypeName(command.type));
  p.attempts += 1;
  p.instance = source_.instance;
  p.updated_at = result.occurred_at;
  p.version += 1;
  CLAIMS_RETURN_IF_ERROR(txn.Put("payments", {{"payment_id", p.payment_id},
                                              {"claim_id", p.claim_id},
                                              {"amount_cents", p.amount_cents},
                                              {"provider_npi", p.provider_npi},
                                              {"status", p.status},
                                              {"reason", p.reason},
                                              {"last_command", p.last_command},
                                              {"attempts", p.attempts},
                                              {"instance", p.instance},
                                              {"created_at", p.created_at},
                                              {"updated_at", p.updated_at},
                                              {"version", p.version}}));
  CLAIMS_RETURN_IF_ERROR(
      txn.Put("processed_commands", {{"event_id", command.event_id},
                                     {"version", 1},
                                     {"processed_at", FormatRfc3339(clock_.Now())}}));
  txn.Emit(EncodePaymentResult(result, source_));
  return Status::Ok();
}

Status PaymentProcessor::Process(std::span<const KafkaMessage> batch,
                                 std::vector<OutgoingEvent>* dead) {
  std::vector<PaymentCommand> commands;
  std::vector<const KafkaMessage*> sources;
  for (const KafkaMessage& m : batch) {
    StatusOr<PaymentCommand> command = DecodePaymentCommand(m.value);
    if (command.ok() && command->claim_id != m.key) {
      command = InvalidArgument("claim_id " + command->claim_id + " differs from the key " + m.key);
    }
    if (!command.ok()) {
      dead->push_back(DeadLetter(m, command.status().message()));
      continue;
    }
    commands.push_back(std::move(*command));
    sources.push_back(&m);
  }
  // Skip commands already applied (redeliveries), so the gateway is asked only for new ones.
  std::vector<bool> fresh(commands.size(), true);
  CLAIMS_RETURN_IF_ERROR(journal_.Execute([&](wal::JournalTxn& txn) -> Status {
    StatusOr<SqliteStatement*> s =
        txn.db().Prepare("SELECT 1 FROM processed_commands WHERE event_id = ?1");
    if (!s.ok()) return s.status();
    for (size_t i = 0; i < commands.size(); ++i) {
      (*s)->Bind(1, std::string_view(commands[i].event_id));
      StatusOr<bool> row = (*s)->Step();
      (*s)->Reset();
      if (!row.ok()) return row.status();
      fresh[i] = !*row;
    }
    return Status::Ok();
  }));
  std::vector<GatewayRequest> requests;
  std::vector<size_t> asked;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (!fresh[i]) continue;
    const PaymentCommand& c = commands[i];
    requests.push_back({c.type, c.payment_id, c.claim_id, c.amount_cents, c.provider_npi});
    asked.push_back(i);
  }
  if (requests.empty()) return Status::Ok();
  const std::vector<GatewayResult> answers = gateway_.Process(requests);
  const std::string at = FormatRfc3339(clock_.Now());
  std::vector<wal::Journal::Command> records;
  for (size_t k = 0; k < asked.size(); ++k) {
    const PaymentCommand& command = commands[asked[k]];
    PaymentResult result = ResultFor(command, answers[k], at);
    records.push_back([this, &command, result = std::move(result)](wal::JournalTxn& txn) {
      return Record(txn, command, result);
    });
  }
  const std::vector<Status> results = journal_.ExecuteAll(std::move(records));
  for (size_t k = 0; k < results.size(); ++k) {
    if (results[k].ok()) continue;
    if (results[k].code() == StatusCode::kUnavailable) return results[k];
    dead->push_back(DeadLetter(*sources[asked[k]], results[k].ToString()));
  }
  return Status::Ok();
}

}  // namespace claims
