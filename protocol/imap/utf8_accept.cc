// RFC 6855 §3 charset rules after ENABLE UTF8=ACCEPT.
#include "protocol/imap/utf8_accept.h"

#include "base/bytes.h"

namespace loft::proto::imap {

bool utf8_accept_charset_conflict(std::optional<std::string_view> charset, bool mandatory) {
  if (!charset) return false;
  // SEARCH: any label conflicts with the UTF-8 the session already speaks.
  if (!mandatory) return true;
  return !iequals(*charset, "UTF-8");
}

bool strip_utf8_data_item(std::string_view* head) {
  constexpr std::string_view kItem = " UTF8 (";
  if (head->size() < kItem.size()) return false;
  std::string_view tail = head->substr(head->size() - kItem.size());
  if (!iequals(tail, kItem)) return false;
  head->remove_suffix(kItem.size() - 1);  // the SP before UTF8 stays, as before a plain literal
  return true;
}

}  // namespace loft::proto::imap
