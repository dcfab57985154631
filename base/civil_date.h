// Calendar arithmetic shared by every date the protocols read or write
// (IMAP date-time and search dates, RFC 5322 Date: for SORT): proleptic
// Gregorian days since 1970-01-01 and the English month abbreviations.
#pragma once

#include <cstdint>
#include <string_view>

namespace loft {

// Days from 1970-01-01 to y-m-d (m 1..12, d 1..31; proleptic Gregorian,
// Howard Hinnant's algorithm). Negative before 1970.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

// The inverse of days_from_civil: the date `days` after 1970-01-01.
void civil_from_days(int64_t days, int64_t* y, unsigned* m, unsigned* d);

// 1..12 when s starts with an English month abbreviation ("Jan".."Dec",
// any case), 0 otherwise.
int month_from_abbrev(std::string_view s);

// "Jan".."Dec" for month 1..12.
std::string_view month_abbrev(unsigned month);

}  // namespace loft
