#include "shared/policy.h"

#include "shared/enum_names.h"
#include "shared/nanoid.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace claims {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

constexpr EnumNameTable<PolicyType, 4> kTypes{{
    {PolicyType::kLife, "Life"},
    {PolicyType::kHealth, "Health"},
    {PolicyType::kCar, "Car"},
    {PolicyType::kHome, "Home"},
}};
constexpr EnumNameTable<PolicyStatus, 2> kStatuses{{
    {PolicyStatus::kActive, "Active"},
    {PolicyStatus::kExpired, "Expired"},
}};

}  // namespace

std::string_view PolicyTypeName(PolicyType type) { return EnumName(kTypes, type); }
std::string_view PolicyStatusName(PolicyStatus status) { return EnumName(kStatuses, status); }
// Clients send these in any case, with blanks around.
std::optional<PolicyType> ParsePolicyType(std::string_view text) {
  return EnumFromName(kTypes, TrimBlanks(text), EqualsIgnoreCase);
}
std::optional<PolicyStatus> ParsePolicyStatus(std::string_view text) {
  return EnumFromName(kStatuses, TrimBlanks(text), EqualsIgnoreCase);
}

bool IsValidPolicyId(std::string_view id) { return IsSafeId(id, kMaxPolicyIdLength); }

}  // namespace claims
