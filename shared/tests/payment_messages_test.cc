#include "shared/payment_messages.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

const EventSource kSource{"claim-service", "test"};

TEST(PaymentMessagesTest, CommandRoundTripsThroughItsJson) {
  PaymentCommand c;
  c.event_id = "claim-1/v3/PAYMENT_REQUESTED";
  c.type = PaymentCommandType::kRefundRequested;
  c.claim_id = "claim-1";
  c.payment_id = "pay-1";
  c.amount_cents = 8550;
  c.provider_npi = "1234567890";
  c.attempt = 2;
  c.issued_at = "2026-11-22T10:00:00.000Z";
  const OutgoingEvent e = EncodePaymentCommand(c, kSource);
  EXPECT_EQ(e.topic, "payment-commands");
  EXPECT_EQ(e.key, "claim-1");
  EXPECT_EQ(e.event_id, c.event_id);
  StatusOr<PaymentCommand> back = DecodePaymentCommand(e.payload);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, c.type);
  EXPECT_EQ(back->amount_cents, 8550);
  EXPECT_EQ(back->attempt, 2);
}

TEST(PaymentMessagesTest, ResultRoundTripsWithTransientFlag) {
  PaymentResult r;
  r.event_id = "x/result";
  r.type = PaymentResultType::kAttemptFailed;
  r.claim_id = "claim-1";
  r.payment_id = "pay-1";
  r.command_id = "x";
  r.command_type = PaymentCommandType::kVoidRequested;
  r.amount_cents = 100;
  r.reason = "gateway timeout";
  r.transient = false;
  r.occurred_at = "2026-11-22T10:00:00.000Z";
  const OutgoingEvent e = EncodePaymentResult(r, kSource);
  EXPECT_EQ(e.topic, "payment-events");
  StatusOr<PaymentResult> back = DecodePaymentResult(e.payload);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->command_type, PaymentCommandType::kVoidRequested);
  EXPECT_FALSE(back->transient);
  EXPECT_EQ(back->reason, "gateway timeout");
}

TEST(PaymentMessagesTest, BadMessagesNameWhatIsWrong) {
  EXPECT_EQ(DecodePaymentCommand("nope").status().message(), "not valid JSON");
  EXPECT_EQ(DecodePaymentCommand("[1]").status().message(), "not a JSON object");
  EXPECT_EQ(DecodePaymentCommand(R"({"schema_version":2})").status().message(),
            "schema_version 2 is not supported");
  // The schema (shared/schemas/payment-command) names each thing wrong, innermost first.
  const std::string command =
      std::string(DecodePaymentCommand(R"({"schema_version":1,"event_id":"e","event_type":"PAY"})")
                      .status()
                      .message());
  EXPECT_TRUE(
      command.starts_with("does not match schema payment-command v1: event_type: is not "
                          "one of the allowed values; message: Missing required property"))
      << command;
  const std::string result =
      std::string(DecodePaymentResult(R"({"schema_version":1,"event_id":"e","event_type":"REFUNDED",
      "event_timestamp":"t","claim_id":"c","payment_id":"p","command_id":"x",
      "command_type":"REFUND_REQUESTED","amount_cents":-1})")
                      .status()
                      .message());
  EXPECT_NE(result.find("amount_cents: Expected number greater than or equal to 0"),
            std::string::npos)
      << result;
  EXPECT_NE(result.find("event_timestamp: Failed to match regex"), std::string::npos) << result;
  EXPECT_EQ(DecodePaymentCommand(R"({"schema_version":1e400})").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace claims
