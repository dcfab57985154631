// Small byte helpers shared by every layer: ASCII case folding and
// big-endian integer encoding (store keys sort by their bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loft {

// ASCII-only lower-casing; other bytes pass through unchanged.
std::string ascii_lower(std::string_view s);
// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

// Appends v as 4 or 8 big-endian bytes, so that keys sort numerically.
void put_be32(std::string* out, uint32_t v);
void put_be64(std::string* out, uint64_t v);
// Reads 4 or 8 big-endian bytes from p (caller guarantees the length).
uint32_t get_be32(const char* p);
uint64_t get_be64(const char* p);

}  // namespace loft
