#include "claim_service/claim_saga.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

namespace claims {
namespace {

using S = ClaimState;
using E = SagaEvent;

// The brief's saga, written out independently of the table under test: every allowed
// (state, event) and where it leads. Everything else must be refused.
const std::map<std::pair<S, E>, S>& Expected() {
  static const auto* expected = new std::map<std::pair<S, E>, S>{
      {{S::kSubmitted, E::kPolicyCheckFailed}, S::kRejected},
      {{S::kSubmitted, E::kPolicyCheckPassed}, S::kReserved},
      {{S::kReserved, E::kPaymentRequested}, S::kPaymentRequested},
      {{S::kPaymentRequested, E::kPaymentSettled}, S::kPaid},
      {{S::kPaymentRequested, E::kPaymentDeclined}, S::kPaymentFailed},
      {{S::kPaymentRequested, E::kDeadlinePassed}, S::kVoidRequested},
      {{S::kPaymentRequested, E::kCancelRequested}, S::kVoidRequested},
      {{S::kVoidRequested, E::kPaymentSettled}, S::kReversalRequested},
      {{S::kVoidRequested, E::kPaymentDeclined}, S::kVoided},
      {{S::kVoidRequested, E::kVoided}, S::kVoided},
      {{S::kVoidRequested, E::kCompensationExhausted}, S::kCompensationFailed},
      {{S::kPaid, E::kCancelRequested}, S::kReversalRequested},
      {{S::kReversalRequested, E::kRefunded}, S::kReversed},
      {{S::kReversalRequested, E::kCompensationExhausted}, S::kCompensationFailed},
      {{S::kCompensationFailed, E::kRetryRefund}, S::kReversalRequested},
      {{S::kCompensationFailed, E::kRetryVoid}, S::kVoidRequested},
      // A waiting step retries its command on a transient failure or a missing answer.
      {{S::kPaymentRequested, E::kAttemptFailed}, S::kPaymentRequested},
      {{S::kVoidRequested, E::kAttemptFailed}, S::kVoidRequested},
      {{S::kReversalRequested, E::kAttemptFailed}, S::kReversalRequested},
      {{S::kPaymentRequested, E::kRetryDue}, S::kPaymentRequested},
      {{S::kVoidRequested, E::kRetryDue}, S::kVoidRequested},
      {{S::kReversalRequested, E::kRetryDue}, S::kReversalRequested},
  };
  return *expected;
}

TEST(ClaimSagaTest, EveryStateAndEventPairIsAllowedOrRefusedAsTheBriefSays) {
  int allowed = 0;
  for (S state : AllClaimStates()) {
    for (E event : AllSagaEvents()) {
      const SagaTransition* t = FindSagaTransition(state, event);
      const auto it = Expected().find({state, event});
      const std::string pair =
          std::string(ClaimStateName(state)) + " + " + std::string(SagaEventName(event));
      if (it == Expected().end()) {
        EXPECT_EQ(t, nullptr) << pair << " must be refused";
        continue;
      }
      ASSERT_NE(t, nullptr) << pair << " must be allowed";
      EXPECT_EQ(t->to, it->second) << pair;
      ++allowed;
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(Expected().size()));
  EXPECT_EQ(SagaTransitions().size(), Expected().size()) << "a pair appears twice in the table";
}

TEST(ClaimSagaTest, TerminalStatesAreTheBriefs) {
  std::set<S> terminal;
  for (S s : AllClaimStates()) {
    if (IsTerminal(s)) terminal.insert(s);
  }
  EXPECT_EQ(terminal, (std::set<S>{S::kPaid, S::kRejected, S::kPaymentFailed, S::kReversed,
                                   S::kVoided, S::kCompensationFailed}));
  // Truly final: no event moves a claim out of these.
  for (S s : {S::kRejected, S::kPaymentFailed, S::kReversed, S::kVoided}) {
    for (E e : AllSagaEvents()) EXPECT_EQ(FindSagaTransition(s, e), nullptr) << ClaimStateName(s);
  }
}

TEST(ClaimSagaTest, EveryStateIsReachableAndEveryPathCanEnd) {
  std::set<S> reached = {S::kSubmitted};
  for (bool grew = true; grew;) {
    grew = false;
    for (const SagaTransition& t : SagaTransitions()) {
      if (reached.count(t.from) && reached.insert(t.to).second) grew = true;
    }
  }
  EXPECT_EQ(reached.size(), AllClaimStates().size());
  // Every state can still end: a terminal state is reachable from it.
  std::set<S> can_end;
  for (S s : AllClaimStates()) {
    if (IsTerminal(s)) can_end.insert(s);
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (const SagaTransition& t : SagaTransitions()) {
      if (can_end.count(t.to) && can_end.insert(t.from).second) grew = true;
    }
  }
  EXPECT_EQ(can_end.size(), AllClaimStates().size());
}

// Coverage accounting along every event sequence of up to 8 steps: the claim's reservation and
// payment are each 0 or 1 net fee, never negative, never both, and every terminal state holds
// what it should (invariant 2 of the brief, at the level of the model).
TEST(ClaimSagaTest, CoverageBalancesOnEveryPath) {
  struct Walk {
    S state;
    int reserved;
    int paid;
    S failed_in;  // where the last compensation failed, as the orchestrator records it
  };
  std::vector<Walk> frontier = {{S::kSubmitted, 0, 0, S::kSubmitted}};
  int paths = 0;
  for (int depth = 0; depth < 8; ++depth) {
    std::vector<Walk> next;
    for (const Walk& w : frontier) {
      for (E e : AllSagaEvents()) {
        const SagaTransition* t = FindSagaTransition(w.state, e);
        if (t == nullptr) continue;
        if (w.state == S::kCompensationFailed && RetryFor(w.failed_in) != e) continue;
        Walk n{t->to, w.reserved, w.paid, t->to == S::kCompensationFailed ? w.state : w.failed_in};
        for (SagaEffect x : t->effects) {
          switch (x) {
            case SagaEffect::kReserveCoverage:
              ++n.reserved;
              break;
            case SagaEffect::kReleaseReservation:
              --n.reserved;
              break;
            case SagaEffect::kConvertReservation:
              --n.reserved, ++n.paid;
              break;
            case SagaEffect::kRestoreCoverage:
              --n.paid;
              break;
            default:
              break;
          }
        }
        const std::string where = std::string(ClaimStateName(w.state)) + " --" +
                                  std::string(SagaEventName(e)) + "--> " +
                                  std::string(ClaimStateName(n.state));
        ASSERT_GE(n.reserved, 0) << where;
        ASSERT_GE(n.paid, 0) << where;
        ASSERT_LE(n.reserved + n.paid, 1) << where;
        switch (n.state) {
          case S::kRejected:
          case S::kPaymentFailed:
          case S::kVoided:
          case S::kReversed:
            ASSERT_EQ(n.reserved + n.paid, 0) << where;
            break;
          case S::kPaid:
            ASSERT_EQ(n.paid, 1) << where;
            break;
          case S::kReserved:
          case S::kPaymentRequested:
            ASSERT_EQ(n.reserved, 1) << where;
            break;
          default:
            break;
        }
        next.push_back(n);
        ++paths;
      }
    }
    frontier = std::move(next);
  }
  EXPECT_GT(paths, 50);
}

TEST(ClaimSagaTest, RetryMatchesTheCompensationThatFailed) {
  EXPECT_EQ(RetryFor(S::kReversalRequested), E::kRetryRefund);
  EXPECT_EQ(RetryFor(S::kVoidRequested), E::kRetryVoid);
  EXPECT_EQ(RetryFor(S::kPaid), std::nullopt);
  EXPECT_EQ(FindSagaTransition(S::kCompensationFailed, E::kRetryRefund)->to, S::kReversalRequested);
  EXPECT_EQ(FindSagaTransition(S::kCompensationFailed, E::kRetryVoid)->to, S::kVoidRequested);
}

TEST(ClaimSagaTest, NamesAreUniqueAndParse) {
  std::set<std::string_view> names;
  for (S s : AllClaimStates()) {
    EXPECT_TRUE(names.insert(ClaimStateName(s)).second);
    EXPECT_EQ(ParseClaimState(ClaimStateName(s)), s);
  }
  EXPECT_EQ(ParseClaimState("paid"), std::nullopt);
  std::set<std::string_view> events;
  for (E e : AllSagaEvents()) EXPECT_TRUE(events.insert(SagaEventName(e)).second);
}

}  // namespace
}  // namespace claims
