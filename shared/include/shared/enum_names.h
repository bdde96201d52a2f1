// Enumerations with names: one table of (value, name) pairs per enumeration, and the lookups
// every such table needs.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace claims {

template <typename Enum, size_t N>
using EnumNameTable = std::array<std::pair<Enum, std::string_view>, N>;

// The name of `value`, or "?" if the table lacks it.
template <typename Enum, size_t N>
constexpr std::string_view EnumName(const EnumNameTable<Enum, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "?";
}

// The value whose name `matches(name, text)`, or nullopt.
template <typename Enum, size_t N, typename Matches>
constexpr std::optional<Enum> EnumFromName(const EnumNameTable<Enum, N>& table,
                                           std::string_view text, Matches matches) {
  for (const auto& [v, name] : table) {
    if (matches(name, text)) return v;
  }
  return std::nullopt;
}

// Every value of the table, in table order.
template <typename Enum, size_t N>
constexpr std::array<Enum, N> EnumValues(const EnumNameTable<Enum, N>& table) {
  std::array<Enum, N> values{};
  for (size_t i = 0; i < N; ++i) values[i] = table[i].first;
  return values;
}

}  // namespace claims
