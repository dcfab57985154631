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
};

// The bit of an ENABLE argument (upper-cased capability name), or 0 when
// Loft does not know it or it cannot be enabled (RFC 5161 §3.1: ignored).
uint32_t enable_bit(std::string_view capability);

}  // namespace loft::proto::imap
