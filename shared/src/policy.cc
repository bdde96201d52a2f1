#include "shared/policy.h"

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

constexpr std::array<std::pair<PolicyType, std::string_view>, 4> kTypes{{
    {PolicyType::kLife, "Life"},
    {PolicyType::kHealth, "Health"},
    {PolicyType::kCar, "Car"},
    {PolicyType::kHome, "Home"},
}};
constexpr std::array<std::pair<PolicyStatus, std::string_view>, 2> kStatuses{{
    {PolicyStatus::kActive, "Active"},
    {PolicyStatus::kExpired, "Expired"},
}};

template <typename Enum, size_t N>
std::optional<Enum> ParseName(const std::array<std::pair<Enum, std::string_view>, N>& table,
                              std::string_view text) {
  text = TrimBlanks(text);
  for (const auto& [value, name] : table) {
    if (EqualsIgnoreCase(name, text)) return value;
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum v) {
  for (const auto& [value, name] : table) {
    if (value == v) return name;
  }
  return "?";
}

}  // namespace

std::string_view PolicyTypeName(PolicyType type) { return NameOf(kTypes, type); }
std::string_view PolicyStatusName(PolicyStatus status) { return NameOf(kStatuses, status); }
std::optional<PolicyType> ParsePolicyType(std::string_view text) { return ParseName(kTypes, text); }
std::optional<PolicyStatus> ParsePolicyStatus(std::string_view text) {
  return ParseName(kStatuses, text);
}

}  // namespace claims
