#include "shared/claim_codec.h"

#include <array>
#include <cctype>
#include <map>
#include <utility>

#include "shared/csv.h"
#include "shared/json_values.h"

namespace claims {
namespace {

constexpr size_t kMaxCodeLength = 64;

constexpr std::array<std::string_view, 11> kFields = {
    "service_date",       "submitted_procedure", "quadrant",      "plan_group_number",
    "subscriber_number",  "provider_npi",        "provider_fees", "allowed_fees",
    "member_coinsurance", "member_copay",        "policy_id"};

// Normalised spellings seen in provider exports, and the field each one means.
constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kAliases{{
    {"plan_group", "plan_group_number"},
    {"plan_group_no", "plan_group_number"},
    {"group_number", "plan_group_number"},
    {"subscriber", "subscriber_number"},
    {"subscriber_no", "subscriber_number"},
    {"subscriber_id", "subscriber_number"},
    {"date_of_service", "service_date"},
    {"dos", "service_date"},
    {"procedure", "submitted_procedure"},
    {"procedure_code", "submitted_procedure"},
    {"npi", "provider_npi"},
    {"provider_fee", "provider_fees"},
    {"allowed_fee", "allowed_fees"},
    {"allowed_amount", "allowed_fees"},
    {"coinsurance", "member_coinsurance"},
    {"copay", "member_copay"},
    {"member_co_insurance", "member_coinsurance"},
}};

bool IsField(std::string_view name) {
  for (std::string_view f : kFields) {
    if (f == name) return true;
  }
  return false;
}

// A value that is absent: missing, null, or a string of blanks (an empty CSV cell).
bool IsBlank(const nlohmann::json& v) {
  return v.is_null() ||
         (v.is_string() && v.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos);
}

class RowDecoder {
 public:
  RowDecoder(std::string prefix, FieldErrors* errors)
      : prefix_(std::move(prefix)), errors_(errors) {}

  std::optional<ClaimSubmission> Decode(const nlohmann::json& row) {
    if (!row.is_object()) {
      Fail("", "must be a JSON object, not " + JsonTypeName(row));
      return std::nullopt;
    }
    // Map every key to its field, refusing unknown keys and fields given twice.
    std::map<std::string, std::pair<std::string, const nlohmann::json*>> values;
    for (const auto& [key, value] : row.items()) {
      const std::string field = NormalizeClaimKey(key);
      if (!IsField(field)) {
        Fail(key, "is not a claim field");
        continue;
      }
      auto [it, inserted] = values.emplace(field, std::make_pair(key, &value));
      if (!inserted) {
        Fail(field, "is given twice (as \"" + it->second.first + "\" and \"" + key + "\")");
      }
    }
    const auto get = [&](std::string_view field) -> const nlohmann::json* {
      auto it = values.find(std::string(field));
      if (it == values.end() || IsBlank(*it->second.second)) return nullptr;
      return it->second.second;
    };
    const auto required = [&](std::string_view field) -> const nlohmann::json* {
      const nlohmann::json* v = get(field);
      if (v == nullptr) Fail(field, "is required");
      return v;
    };

    ClaimSubmission c;
    std::string reason;
    if (const auto* v = required("service_date")) {
      StatusOr<Date> d =
          v->is_string()
              ? Date::ParseIsoOrUs(v->get<std::string>())
              : StatusOr<Date>(InvalidArgument("must be a date string, not " + JsonTypeName(*v)));
      if (d.ok()) {
        c.service_date = *d;
      } else {
        Fail("service_date", d.status().message());
      }
    }
    if (const auto* v = required("submitted_procedure")) {
      if (auto code = ReadCodeValue(*v, kMaxCodeLength, &reason)) {
        for (char& ch : *code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (code->front() != 'D') {
          Fail("submitted_procedure", "must be a procedure code starting with D (e.g. D0120)");
        }
        c.submitted_procedure = std::move(*code);
      } else {
        Fail("submitted_procedure", reason);
      }
    }
    if (const auto* v = get("quadrant")) {
      if (auto q = ReadCodeValue(*v, 8, &reason)) {
        for (char& ch : *q) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        c.quadrant = std::move(*q);
      } else {
        Fail("quadrant", reason);
      }
    }
    c.plan_group_number = OptionalCode(get("plan_group_number"), "plan_group_number");
    c.subscriber_number = OptionalCode(get("subscriber_number"), "subscriber_number");
    c.policy_id = OptionalCode(get("policy_id"), "policy_id");
    if (const auto* v = required("provider_npi")) {
      auto npi = ReadCodeValue(*v, 32, &reason);
      const bool ten_digits =
          npi && npi->size() == 10 && npi->find_first_not_of("0123456789") == std::string::npos;
      if (ten_digits) {
        c.provider_npi = std::move(*npi);
      } else {
        Fail("provider_npi", npi ? "must be exactly 10 digits" : reason);
      }
    }
    c.provider_fees = Fee(required("provider_fees"), "provider_fees");
    c.allowed_fees = Fee(required("allowed_fees"), "allowed_fees");
    c.member_coinsurance = Fee(get("member_coinsurance"), "member_coinsurance");
    c.member_copay = Fee(get("member_copay"), "member_copay");

    if (!c.policy_id && (!c.subscriber_number || !c.plan_group_number)) {
      Fail(!c.subscriber_number ? "subscriber_number" : "plan_group_number",
           "is required unless policy_id is given (a claim must name its policy)");
    }
    if (!failed_ && NetFee(c).cents() < 0) {
      Fail("allowed_fees",
           "is more than provider_fees + member_coinsurance + member_copay: "
           "the net fee would be negative");
    }
    if (failed_) return std::nullopt;
    return c;
  }

 private:
  void Fail(std::string_view field, std::string reason) {
    errors_->push_back(
        {field.empty() ? prefix_ : prefix_ + "." + std::string(field), std::move(reason)});
    failed_ = true;
  }

  std::optional<std::string> OptionalCode(const nlohmann::json* v, std::string_view field) {
    if (v == nullptr) return std::nullopt;
    std::string reason;
    auto code = ReadCodeValue(*v, kMaxCodeLength, &reason);
    if (!code) Fail(field, reason);
    return code;
  }

  // An absent optional fee is zero; an absent required one was reported by required().
  Money Fee(const nlohmann::json* v, std::string_view field) {
    if (v == nullptr) return Money();
    std::string reason;
    std::optional<Money> m = ReadMoneyValue(*v, &reason);
    if (!m) {
      Fail(field, reason);
      return Money();
    }
    if (m->cents() < 0) {
      Fail(field, "must not be negative");
      return Money();
    }
    return *m;
  }

  std::string prefix_;
  FieldErrors* errors_;
  bool failed_ = false;
};

}  // namespace

std::string NormalizeClaimKey(std::string_view raw) {
  std::string out;
  bool pending_separator = false;
  for (char ch : raw) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u)) {
      if (pending_separator && !out.empty()) out += '_';
      pending_separator = false;
      out += static_cast<char>(std::tolower(u));
    } else {
      pending_separator = true;
    }
  }
  for (const auto& [alias, field] : kAliases) {
    if (out == alias) return std::string(field);
  }
  return out;
}

std::optional<DecodedClaims> DecodeClaimsJson(const nlohmann::json& body, FieldErrors* errors) {
  DecodedClaims out;
  if (body.is_object()) {
    RowDecoder decoder("body", errors);
    auto claim = decoder.Decode(body);
    if (!claim) return std::nullopt;
    out.claims.push_back(std::move(*claim));
    return out;
  }
  if (!body.is_array() || body.empty()) {
    errors->push_back(
        {"body", body.is_array()
                     ? "must hold at least one claim"
                     : "must be a claim object or an array of them, not " + JsonTypeName(body)});
    return std::nullopt;
  }
  if (body.size() > kMaxClaimsPerSubmission) {
    errors->push_back({"body", "holds " + std::to_string(body.size()) + " claims; at most " +
                                   std::to_string(kMaxClaimsPerSubmission) +
                                   " may be sent at once"});
    return std::nullopt;
  }
  out.was_array = true;
  bool ok = true;
  for (size_t i = 0; i < body.size(); ++i) {
    RowDecoder decoder("body[" + std::to_string(i) + "]", errors);
    auto claim = decoder.Decode(body[i]);
    if (claim) {
      out.claims.push_back(std::move(*claim));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<DecodedClaims> DecodeClaimsCsv(std::string_view text, FieldErrors* errors,
                                             std::string* too_large) {
  std::string error;
  bool past_limits = false;
  CsvLimits limits;
  limits.max_rows = kMaxClaimsPerSubmission;
  std::optional<nlohmann::json> records = ParseCsvRecords(text, &error, limits, &past_limits);
  if (!records && past_limits) {
    *too_large = std::move(error);
    return std::nullopt;
  }
  if (!records) {
    errors->push_back({"body", "is not valid CSV: " + error});
    return std::nullopt;
  }
  if (records->empty()) {
    errors->push_back({"body", "has a header row but no claims"});
    return std::nullopt;
  }
  return DecodeClaimsJson(*records, errors);
}

}  // namespace claims
