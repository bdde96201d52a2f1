#include "shared/nanoid.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace claims {
namespace {
constexpr std::string_view kAlphabet =
    "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
static_assert(kAlphabet.size() == 64);
}  // namespace

void FillRandom(std::span<uint8_t> out) {
  size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = getrandom(out.data() + filled, out.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // The kernel CSPRNG failing is not recoverable.
    }
    filled += static_cast<size_t>(n);
  }
}

std::string NewNanoid() {
  std::array<uint8_t, kNanoidLength> bytes{};
  FillRandom(bytes);
  std::string id(kNanoidLength, '\0');
  // 64 symbols: the low 6 bits of each byte select one uniformly.
  for (size_t i = 0; i < kNanoidLength; ++i) id[i] = kAlphabet[bytes[i] & 63];
  return id;
}

bool IsNanoid(std::string_view id) {
  if (id.size() != kNanoidLength) return false;
  for (char c : id) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool IsSafeId(std::string_view id, size_t max_length) {
  if (id.empty() || id.size() > max_length) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace claims
