// Nanoid identifiers: 21 characters from the URL-safe alphabet A-Za-z0-9_- (126 random bits),
// as the claims seed data used. Drawn from the kernel's CSPRNG (getrandom). Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace claims {

inline constexpr size_t kNanoidLength = 21;

// Fills `out` from the kernel's CSPRNG (getrandom); aborts if the kernel cannot give randomness,
// since ids and keys must never repeat or be guessed.
void FillRandom(std::span<uint8_t> out);

std::string NewNanoid();
// True when `id` has the length and alphabet of a nanoid.
bool IsNanoid(std::string_view id);
// True when `id` is 1 to max_length characters of [A-Za-z0-9._-]: an id a client may choose
// (a request id, a policy id) that is safe in paths, headers and logs as it is.
bool IsSafeId(std::string_view id, size_t max_length);

}  // namespace claims
