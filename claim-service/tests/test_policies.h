// Policy fixtures shared by the claim-service tests.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "shared/policy.h"

namespace claims::testing {

// A valid create body; `n` varies the member numbers so policies do not collide.
inline nlohmann::json PolicyBody(int n = 1) {
  return {{"policyholder_name", "Holder " + std::to_string(n)},
          {"policy_type", "Health"},
          {"start_date", "2026-01-01"},
          {"end_date", "2027-01-01"},
          {"premium_amount", "120.50"},
          {"customer_id", "C-" + std::to_string(n)},
          {"coverage_amount", "50000.00"},
          {"subscriber_number", "S-" + std::to_string(n)},
          {"plan_group_number", "G-1"}};
}

inline PolicyFields PolicyFieldsFor(int n) {
  PolicyFields f;
  f.policyholder_name = "Holder " + std::to_string(n);
  f.policy_type = n % 2 == 0 ? PolicyType::kCar : PolicyType::kHealth;
  f.start_date = *Date::ParseIso("2026-01-01");
  f.end_date = *Date::ParseIso("2027-01-01");
  f.premium_amount = Money::FromCents(12050);
  f.customer_id = "C-" + std::to_string(n);
  f.coverage_amount = Money::FromCents(5000000);
  f.subscriber_number = "S-" + std::to_string(n);
  f.plan_group_number = "G-1";
  return f;
}

// A fresh directory under the system temp dir, named after the running test (or suite, when
// called from SetUpTestSuite).
inline std::string TestDirectory() {
  const auto* unit = ::testing::UnitTest::GetInstance();
  const auto* info = unit->current_test_info();
  const std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name()
                                : std::string(unit->current_test_suite()->name());
  const auto dir = std::filesystem::temp_directory_path() /
                   ("claims_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace claims::testing
