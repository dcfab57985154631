// The ENABLE table (RFC 5161).
#include "protocol/imap/enable.h"

namespace loft::proto::imap {
namespace {

struct Enableable {
  std::string_view name;  // the capability as in CAPABILITY
  uint32_t bit;
};

// Rows are added by the extensions that need ENABLE, e.g. {"CONDSTORE", kEnableCondstore}.
constexpr Enableable kEnableable[] = {
    {"CONDSTORE", kEnableCondstore},
    {"QRESYNC", kEnableQresync},
    {"UTF8=ACCEPT", kEnableUtf8Accept},
    {"IMAP4REV2", kEnableImap4rev2},
    {"", kEnableNone},  // end marker, so the table is never empty
};

}  // namespace

uint32_t enable_bit(std::string_view capability) {
  for (const Enableable& e : kEnableable) {
    if (!e.name.empty() && e.name == capability) return e.bit;
  }
  return 0;
}

}  // namespace loft::proto::imap
