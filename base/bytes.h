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
// ASCII case-insensitive prefix and suffix tests.
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);
// One byte lower-cased if it is an ASCII capital; any other byte unchanged.
constexpr char ascii_lower_char(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
// ASCII letters of *s upper-cased in place (protocol keywords, atoms).
void ascii_upper_in_place(std::string* s);
constexpr bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
// s without leading SP/HTAB and trailing SP/HTAB/CR (header values, command arguments).
std::string_view trim_blanks(std::string_view s);

// Appends v as 4 or 8 big-endian bytes, so that keys sort numerically.
void put_be32(std::string* out, uint32_t v);
void put_be64(std::string* out, uint64_t v);
// Reads 4 or 8 big-endian bytes from p (caller guarantees the length).
uint32_t get_be32(const char* p);
uint64_t get_be64(const char* p);

}  // namespace loft
