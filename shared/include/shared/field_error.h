// FieldError: one reason a piece of client input was refused, with where it was; FieldErrors:
// the reasons for one input, bounded so that an input with a million bad fields costs a small
// answer.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace claims {

struct FieldError {
  // Where the bad value is: "body.premium_amount", "body[3].provider_npi", "query.limit",
  // "path.policy_id".
  std::string location;
  // Why, in words fit for the client: "is required", "must be one of Life, Health, Car, Home".
  std::string reason;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// The first kMaxListed errors of an input, each location and reason cut to kMaxTextBytes (a
// location may quote a client's key), and how many there were in all.
class FieldErrors {
 public:
  static constexpr size_t kMaxListed = 100;
  static constexpr size_t kMaxTextBytes = 200;
  using value_type = FieldError;
  using const_iterator = std::vector<FieldError>::const_iterator;
  using iterator = const_iterator;

  FieldErrors() = default;
  FieldErrors(std::initializer_list<FieldError> errors) {
    for (const FieldError& e : errors) push_back(e);
  }

  // Counts `error`, and keeps it while fewer than kMaxListed are kept.
  void push_back(FieldError error);
  void clear() {
    listed_.clear();
    total_ = 0;
  }

  bool empty() const { return total_ == 0; }
  size_t size() const { return listed_.size(); }  // the errors kept
  size_t total() const { return total_; }         // every error counted, kept or not
  const FieldError& operator[](size_t i) const { return listed_[i]; }
  const_iterator begin() const { return listed_.begin(); }
  const_iterator end() const { return listed_.end(); }

  friend bool operator==(const FieldErrors&, const FieldErrors&) = default;

 private:
  std::vector<FieldError> listed_;
  size_t total_ = 0;
};

// `text` cut to at most `max_bytes` bytes at a UTF-8 character boundary, with "..." added when
// cut (so at most max_bytes + 3 bytes).
std::string CutText(std::string text, size_t max_bytes);

// "body.end_date: must be after start_date", for logs and test failures.
inline std::ostream& operator<<(std::ostream& os, const FieldError& e) {
  return os << e.location << ": " << e.reason;
}

}  // namespace claims
