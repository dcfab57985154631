#include "base/result.h"

#include <array>
#include <utility>

namespace loft {

namespace {
constexpr std::array<std::pair<Errc, const char*>, 11> kNames{{
    {Errc::temp, "temp"},
    {Errc::not_found, "not-found"},
    {Errc::exists, "exists"},
    {Errc::perm, "perm"},
    {Errc::no_quota, "no-quota"},
    {Errc::expunged, "expunged"},
    {Errc::in_use, "in-use"},
    {Errc::limit, "limit"},
    {Errc::too_big, "too-big"},
    {Errc::bad_input, "bad-input"},
    {Errc::internal, "internal"},
}};
}  // namespace

const char* errc_name(Errc code) {
  for (const auto& [c, name] : kNames)
    if (c == code) return name;
  return "internal";
}

Errc errc_from_name(const std::string& name) {
  for (const auto& [c, n] : kNames)
    if (name == n) return c;
  return Errc::internal;
}

}  // namespace loft
