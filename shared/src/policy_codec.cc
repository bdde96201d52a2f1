#include "shared/policy_codec.h"

#include <array>
#include <string_view>

#include "shared/json_values.h"

namespace claims {
namespace {

constexpr size_t kMaxNameLength = 200;
constexpr size_t kMaxIdentifierLength = 64;

constexpr std::array<std::string_view, 10> kClientFields = {
    "policyholder_name", "policy_type",      "start_date",  "end_date",
    "premium_amount",    "status",           "customer_id", "coverage_amount",
    "subscriber_number", "plan_group_number"};
constexpr std::array<std::string_view, 4> kServerFields = {"policy_id", "version", "created_at",
                                                           "updated_at"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

// Collects errors for one body, prefixing locations.
class Checker {
 public:
  Checker(const nlohmann::json& body, FieldErrors* errors) : body_(body), errors_(errors) {}

  void Fail(std::string_view field, std::string reason) {
    errors_->push_back({"body." + std::string(field), std::move(reason)});
    failed_ = true;
  }
  bool failed() const { return failed_; }

  // The value of a required field, or nullptr (error recorded) when absent or null.
  const nlohmann::json* Required(std::string_view field) {
    const auto it = body_.find(field);
    if (it == body_.end() || it->is_null()) {
      Fail(field, "is required");
      return nullptr;
    }
    return &*it;
  }
  const nlohmann::json* Optional(std::string_view field) {
    const auto it = body_.find(field);
    return it == body_.end() || it->is_null() ? nullptr : &*it;
  }

  template <typename T, typename Reader>
  std::optional<T> Read(std::string_view field, const nlohmann::json* value, Reader reader) {
    if (value == nullptr) return std::nullopt;
    std::string reason;
    std::optional<T> out = reader(*value, &reason);
    if (!out) Fail(field, reason);
    return out;
  }

 private:
  const nlohmann::json& body_;
  FieldErrors* errors_;
  bool failed_ = false;
};

std::optional<Date> ReadDate(const nlohmann::json& v, std::string* reason) {
  if (!v.is_string()) {
    *reason = "must be an ISO 8601 date string (YYYY-MM-DD), not " + JsonTypeName(v);
    return std::nullopt;
  }
  StatusOr<Date> d = Date::ParseIso(v.get<std::string>());
  if (!d.ok()) {
    *reason = d.status().message();
    return std::nullopt;
  }
  return *d;
}

std::optional<Money> ReadNonNegativeMoney(const nlohmann::json& v, std::string* reason) {
  std::optional<Money> m = ReadMoneyValue(v, reason);
  if (m && m->cents() < 0) {
    *reason = "must not be negative";
    return std::nullopt;
  }
  return m;
}

template <typename Enum>
std::optional<Enum> ReadEnum(const nlohmann::json& v, std::string* reason,
                             std::optional<Enum> (*parse)(std::string_view),
                             std::string_view choices) {
  std::optional<Enum> e;
  if (v.is_string()) e = parse(v.get<std::string>());
  if (!e) *reason = "must be one of " + std::string(choices) + " (any case)";
  return e;
}

nlohmann::json OrNull(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

std::optional<PolicyWriteRequest> DecodePolicyWrite(const nlohmann::json& body, PolicyWrite kind,
                                                    FieldErrors* errors) {
  if (!body.is_object()) {
    errors->push_back({"body", "must be a JSON object, not " + JsonTypeName(body)});
    return std::nullopt;
  }
  Checker check(body, errors);
  for (const auto& [key, value] : body.items()) {
    if (Contains(kClientFields, key) || key == "policy_id") continue;
    if (Contains(kServerFields, key)) {
      if (kind == PolicyWrite::kCreate) check.Fail(key, "is assigned by the server");
      continue;
    }
    check.Fail(key, "is not a policy field");
  }

  PolicyWriteRequest out;
  PolicyFields& f = out.fields;
  const auto text = [](size_t max) {
    return [max](const nlohmann::json& v, std::string* r) { return ReadTextValue(v, max, r); };
  };
  const auto code = [](const nlohmann::json& v, std::string* r) {
    return ReadCodeValue(v, kMaxIdentifierLength, r);
  };

  auto name = check.Read<std::string>("policyholder_name", check.Required("policyholder_name"),
                                      text(kMaxNameLength));
  auto type = check.Read<PolicyType>(
      "policy_type", check.Required("policy_type"), [](const nlohmann::json& v, std::string* r) {
        return ReadEnum<PolicyType>(v, r, &ParsePolicyType, "Life, Health, Car, Home");
      });
  auto start = check.Read<Date>("start_date", check.Required("start_date"), ReadDate);
  auto end = check.Read<Date>("end_date", check.Required("end_date"), ReadDate);
  auto premium =
      check.Read<Money>("premium_amount", check.Required("premium_amount"), ReadNonNegativeMoney);
  auto coverage =
      check.Read<Money>("coverage_amount", check.Optional("coverage_amount"), ReadNonNegativeMoney);
  auto customer = check.Read<std::string>("customer_id", check.Optional("customer_id"),
                                          text(kMaxIdentifierLength));
  std::optional<PolicyStatus> status = PolicyStatus::kActive;
  if (const nlohmann::json* v = check.Optional("status")) {
    status = check.Read<PolicyStatus>("status", v, [](const nlohmann::json& j, std::string* r) {
      return ReadEnum<PolicyStatus>(j, r, &ParsePolicyStatus, "Active, Expired");
    });
  }
  auto subscriber =
      check.Read<std::string>("subscriber_number", check.Optional("subscriber_number"), code);
  auto group =
      check.Read<std::string>("plan_group_number", check.Optional("plan_group_number"), code);
  const bool has_subscriber = check.Optional("subscriber_number") != nullptr;
  const bool has_group = check.Optional("plan_group_number") != nullptr;
  if (has_subscriber != has_group) {
    check.Fail(has_subscriber ? "plan_group_number" : "subscriber_number",
               "is required when " +
                   std::string(has_subscriber ? "subscriber_number" : "plan_group_number") +
                   " is given (claims quote both)");
  }
  if (start && end && *end <= *start) check.Fail("end_date", "must be after start_date");

  if (const nlohmann::json* v = check.Optional("policy_id")) {
    std::optional<std::string> id = PolicyIdText(*v);
    if (!id) {
      check.Fail("policy_id", "must be a string, not " + JsonTypeName(*v));
    } else if (kind == PolicyWrite::kCreate && !IsValidPolicyId(*id)) {
      check.Fail("policy_id", "must be 1 to " + std::to_string(kMaxPolicyIdLength) +
                                  " characters of A-Z, a-z, 0-9, '.', '_' and '-'");
    } else {
      out.policy_id = std::move(id);
    }
  }
  if (kind == PolicyWrite::kReplace) {
    if (const nlohmann::json* v = check.Optional("version")) {
      if (v->is_number_integer() && v->get<int64_t>() >= 1) {
        out.expected_version = v->get<int64_t>();
      } else {
        check.Fail("version", "must be a positive integer (the version you read)");
      }
    }
  }
  if (check.failed()) return std::nullopt;

  f.policyholder_name = std::move(*name);
  f.policy_type = *type;
  f.start_date = *start;
  f.end_date = *end;
  f.premium_amount = *premium;
  f.status = *status;
  f.customer_id = std::move(customer);
  f.coverage_amount = coverage;
  f.subscriber_number = std::move(subscriber);
  f.plan_group_number = std::move(group);
  return out;
}

std::optional<std::string> PolicyIdText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0)) {
    return value.dump();
  }
  return std::nullopt;
}

nlohmann::json ApplyPolicyMergePatch(const Policy& current, const nlohmann::json& patch) {
  if (!patch.is_object()) return patch;  // RFC 7396: a non-object patch replaces the whole
  nlohmann::json target = EncodePolicy(current);
  for (std::string_view server_field : kServerFields) target.erase(std::string(server_field));
  target.merge_patch(patch);
  return target;
}

nlohmann::json EncodePolicy(const Policy& policy) {
  const PolicyFields& f = policy.fields;
  nlohmann::json j = {
      {"policy_id", policy.policy_id},
      {"policyholder_name", f.policyholder_name},
      {"policy_type", PolicyTypeName(f.policy_type)},
      {"start_date", f.start_date.ToIso()},
      {"end_date", f.end_date.ToIso()},
      {"premium_amount", f.premium_amount.ToString()},
      {"status", PolicyStatusName(f.status)},
      {"customer_id", OrNull(f.customer_id)},
      {"coverage_amount",
       f.coverage_amount ? nlohmann::json(f.coverage_amount->ToString()) : nullptr},
      {"subscriber_number", OrNull(f.subscriber_number)},
      {"plan_group_number", OrNull(f.plan_group_number)},
      {"version", policy.version},
      {"created_at", policy.created_at},
      {"updated_at", policy.updated_at},
  };
  return j;
}

}  // namespace claims
