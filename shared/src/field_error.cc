#include "shared/field_error.h"

#include <utility>

namespace claims {

std::string CutText(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Not inside a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "...";
}

void FieldErrors::push_back(FieldError error) {
  ++total_;
  if (listed_.size() >= kMaxListed) return;
  listed_.push_back({CutText(std::move(error.location), kMaxTextBytes),
                     CutText(std::move(error.reason), kMaxTextBytes)});
}

}  // namespace claims
