// Mailbox name checks at the IMAP edge (RFC 3501 §5.1).
#include "protocol/imap/mailbox_name.h"

#include <unicode/normalizer2.h>

#include <cstdlib>

#include "base/bytes.h"
#include "protocol/imap/mutf7.h"
#include "protocol/imap/writer.h"

namespace loft::proto::imap {
namespace {

Error bad_name(std::string message) { return make_error(Errc::bad_input, std::move(message)); }

bool starts_inbox(std::string_view s) {
  return s.size() >= 5 && iequals(s.substr(0, 5), "INBOX") && (s.size() == 5 || s[5] == kDelimiter);
}

// RFC 6855 §3: a UTF-8 name is Net-Unicode (RFC 5198 §2) without the
// controls U+0000..U+001F, U+007F, U+0080..U+009F and the separators
// U+2028, U+2029. Precondition: utf8_valid(name).
bool has_forbidden_code_point(std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) return true;
    auto next = [&](size_t k) { return i + k < name.size() ? static_cast<unsigned char>(name[i + k]) : 0; };
    if (c == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) return true;
    if (c == 0xe2 && next(1) == 0x80 && (next(2) == 0xa8 || next(2) == 0xa9)) return true;
  }
  return false;
}

Result<std::string> decode_wire(std::string_view wire, NameForm form) {
  if (form == NameForm::mutf7) return mutf7_decode(wire);
  if (!utf8_valid(wire)) return bad_name("Mailbox name is not valid UTF-8");
  return std::string(wire);
}

}  // namespace

std::string encode_mailbox_name(std::string_view utf8, NameForm form) {
  return form == NameForm::utf8 ? std::string(utf8) : mutf7_encode(utf8);
}

void append_mailbox_name(std::string* out, std::string_view utf8, NameForm form) {
  if (form == NameForm::mutf7) {
    append_astring(out, mutf7_encode(utf8));
    return;
  }
  // Stored names are valid UTF-8 without controls, so a quoted string
  // carries them (RFC 6855 §3 utf8-quoted); anything else goes as astring.
  bool ascii = true;
  for (char c : utf8) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii || utf8.size() > kMaxQuoted || !utf8_valid(utf8) || has_forbidden_code_point(utf8)) {
    append_astring(out, utf8);
    return;
  }
  append_quoted(out, utf8);
}

std::string canonical_inbox(std::string name) {
  if (starts_inbox(name)) name.replace(0, 5, "INBOX");
  return name;
}

Result<std::string> decode_mailbox_name(std::string_view wire, NameForm form) {
  auto name = decode_wire(wire, form);
  if (!name) return name.error();
  if (name->size() > kMaxMailboxName)
    return bad_name("Mailbox name too long (at most " + std::to_string(kMaxMailboxName) + " bytes)");
  for (unsigned char c : *name) {
    // RFC 3501 §5.1: names are in a 7-bit clean form; control characters
    // (NUL, CR, LF, ...) have no place in them even when encoded.
    if (c < 0x20 || c == 0x7f) return bad_name("Control character in mailbox name");
  }
  if (form == NameForm::utf8 && has_forbidden_code_point(*name))
    return bad_name("Control or separator character in mailbox name");
  return canonical_inbox(std::move(*name));
}

Result<std::string> decode_new_mailbox_name(std::string_view wire, NameForm form) {
  auto name = decode_mailbox_name(wire, form);
  if (!name) return name;
  std::string& n = *name;
  // RFC 3501 §6.3.3: a trailing delimiter declares that names will be created
  // under this one; Loft needs no such declaration and creates the name.
  if (!n.empty() && n.back() == kDelimiter) n.pop_back();
  if (n.empty()) return bad_name("Empty mailbox name");
  if (n.front() == kDelimiter) return bad_name("Mailbox name begins with the hierarchy delimiter");
  if (n.find("//") != std::string::npos || n.back() == kDelimiter)
    return bad_name("Mailbox name has an empty hierarchy level");
  // RFC 3501 §6.3.8: '*' and '%' are LIST wildcards; a name holding them
  // could not be listed on its own.
  if (n.find_first_of("*%") != std::string::npos) return bad_name("Wildcards * and % are not allowed in mailbox names");
  size_t depth = 1;
  for (char c : n) depth += c == kDelimiter;
  if (depth > kMaxMailboxDepth)
    return bad_name("Mailbox hierarchy too deep (at most " + std::to_string(kMaxMailboxDepth) + " levels)");
  return name;
}

Result<std::string> decode_list_pattern(std::string_view reference, std::string_view pattern, NameForm form) {
  auto ref = decode_wire(reference, form);
  if (!ref) return ref.error();
  auto pat = decode_wire(pattern, form);
  if (!pat) return pat.error();
  // RFC 3501 §6.3.8: the reference and the pattern are joined; the reference
  // names a level of hierarchy, so its delimiter and a leading one of the
  // pattern count once.
  std::string joined = std::move(*ref);
  if (!joined.empty() && joined.back() == kDelimiter && !pat->empty() && pat->front() == kDelimiter) joined.pop_back();
  joined += *pat;
  if (joined.size() > kMaxListPattern)
    return bad_name("LIST pattern too long (at most " + std::to_string(kMaxListPattern) + " bytes)");
  // INBOX's case-insensitivity is the matcher's (list_pattern.h): "inbox*"
  // must still find a mailbox named "inboxes".
  return joined;
}

bool is_nfc(std::string_view utf8) {
  bool ascii = true;
  for (char c : utf8) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return true;  // ASCII is NFC
  static const icu::Normalizer2* nfc = [] {
    UErrorCode e = U_ZERO_ERROR;
    const icu::Normalizer2* got = icu::Normalizer2::getNFCInstance(e);
    if (U_FAILURE(e) || got == nullptr) std::abort();  // ICU's data is part of libicu
    return got;
  }();
  UErrorCode e = U_ZERO_ERROR;
  bool yes = nfc->isNormalizedUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())), e);
  return U_SUCCESS(e) && yes;
}

std::vector<std::string> superior_names(std::string_view name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == kDelimiter && i > 0) out.emplace_back(name.substr(0, i));
  }
  return out;
}

}  // namespace loft::proto::imap
