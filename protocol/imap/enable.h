// The extensions a client may turn on with ENABLE (RFC 5161 §3.1), as bits
// a session keeps. Each extension that needs ENABLE adds its row to the
// table in enable.cc and advertises itself in CAPABILITY.
#pragma once

#include <cstdint>
#include <string_view>

namespace loft::proto::imap {

// One bit per enableable extension. RFC 7162 §3.2.3: enabling QRESYNC
// enables CONDSTORE too (the session sets both bits).
enum EnableBit : uint32_t {
  kEnableNone = 0,
  kEnableCondstore = 1u << 0,  // RFC 7162 §3.1
  kEnableQresync = 1u << 1,    // RFC 7162 §3.2
  kEnableUtf8Accept = 1u << 2, // RFC 6855 §3: UTF-8 names and quoted strings
  kEnableImap4rev2 = 1u << 3,  // RFC 9051 Appendix E: the rev2 differences
};

// The bit of an ENABLE argument (upper-cased capability name), or 0 when
// Loft does not know it or it cannot be enabled (RFC 5161 §3.1: ignored).
uint32_t enable_bit(std::string_view capability);

}  // namespace loft::proto::imap
