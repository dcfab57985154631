// FETCH data items: names, macros, BODY[section]<partial> (RFC 3501 §6.4.5, §9).
#include "protocol/imap/fetch_parse.h"

#include <string_view>

#include "base/bytes.h"
#include "protocol/imap/binary_fetch.h"

namespace loft::proto::imap {
namespace {

using Kind = FetchAtt::Kind;
using Text = FetchAtt::Text;

bool is_item_name_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
}

FetchAtt simple(Kind kind) {
  FetchAtt a;
  a.kind = kind;
  return a;
}

// section-part = nz-number *("." nz-number), then "." section-text or the
// end. spec is the run of name characters inside the brackets.
bool parse_section_spec(Reader* r, std::string_view spec, FetchAtt* att) {
  while (!spec.empty() && spec[0] >= '0' && spec[0] <= '9') {
    size_t dot = spec.find('.');
    std::string_view num = spec.substr(0, dot);
    // RFC 3501 §9 nz-number: no leading zero, 32-bit.
    if (num[0] == '0' || num.size() > 10) return r->fail("Invalid section part");
    uint64_t v = 0;
    for (char c : num) {
      if (c < '0' || c > '9') return r->fail("Invalid section part");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return r->fail("Invalid section part");
    att->part.push_back(static_cast<uint32_t>(v));
    if (dot == std::string_view::npos) return true;
    spec.remove_prefix(dot + 1);
    if (spec.empty()) return r->fail("Invalid section");
  }
  if (spec.empty()) {
    att->text = Text::all;
  } else if (iequals(spec, "HEADER")) {
    att->text = Text::header;
  } else if (iequals(spec, "HEADER.FIELDS")) {
    att->text = Text::header_fields;
  } else if (iequals(spec, "HEADER.FIELDS.NOT")) {
    att->text = Text::header_fields_not;
  } else if (iequals(spec, "TEXT")) {
    att->text = Text::text;
  } else if (iequals(spec, "MIME") && !att->part.empty()) {
    // RFC 3501 §9 section-text: MIME only follows a part number.
    att->text = Text::mime;
  } else {
    return r->fail("Invalid section");
  }
  return true;
}

// header-list = "(" header-fld-name *(SP header-fld-name) ")"
bool parse_header_list(Reader* r, std::vector<std::string>* fields) {
  if (!r->expect_sp() || !r->open_list()) return false;
  do {
    std::string name;
    if (!r->read_astring(&name)) return false;
    fields->push_back(std::move(name));
  } while (r->skip_if(' '));
  return r->close_list();
}

}  // namespace

bool parse_section_text(Reader* r, FetchAtt* att) {
  std::string_view spec;
  if (!r->at_end() && r->peek() != ']' && !r->read_run(is_item_name_char, &spec, "section")) return false;
  if (!parse_section_spec(r, spec, att)) return false;
  if (att->text == Text::header_fields || att->text == Text::header_fields_not) {
    if (!parse_header_list(r, &att->header_fields)) return false;
  }
  return true;
}

namespace {

// section = "[" [section-spec] "]", then optional "<" number "." nz-number ">".
bool parse_section(Reader* r, bool peek, FetchAtt* att) {
  att->kind = Kind::section;
  att->peek = peek;
  if (!r->expect('[')) return false;
  if (!parse_section_text(r, att)) return false;
  if (!r->expect(']')) return false;
  if (r->skip_if('<')) {
    uint64_t offset = 0;
    uint64_t length = 0;
    // RFC 3501 §9: partial offsets and lengths are 32-bit numbers.
    if (!r->read_number(UINT32_MAX, &offset) || !r->expect('.') ||
        !r->read_nz_number(UINT32_MAX, &length) || !r->expect('>')) {
      return r->fail("Invalid partial");
    }
    att->partial_offset = offset;
    att->partial_length = length;
  }
  return true;
}

// RFC 8970 PREVIEW with its optional modifier list.
bool parse_preview(Reader* r, FetchAtt* att) {
  *att = simple(Kind::preview);
  // " (LAZY" starts the modifiers; any other " (" is what follows the item
  // (e.g. "FETCH 1 PREVIEW (CHANGEDSINCE 5)", RFC 7162 §3.1.4 modifiers).
  std::string_view rest = r->remaining();
  if (rest.size() < 6 || !iequals(rest.substr(0, 6), " (LAZY")) return true;
  r->skip_if(' ');
  if (!r->open_list()) return false;
  do {
    std::string mod;
    if (!r->read_atom(&mod)) return false;
    if (!iequals(mod, "LAZY")) return r->fail("Unknown PREVIEW modifier");
    att->lazy = true;
  } while (r->skip_if(' '));
  return r->close_list();
}

// One fetch-att (RFC 3501 §9); macros are refused here because they may
// not appear inside a list.
// name is the item name already read.
bool parse_named_att(Reader* r, std::string_view name, FetchAtt* att) {
  if (r->peek() == '[') {
    if (iequals(name, "BODY")) return parse_section(r, false, att);
    if (iequals(name, "BODY.PEEK")) return parse_section(r, true, att);
    if (parse_binary_att(r, name, att)) return true;  // RFC 3516 §4.2
    return r->failed() ? false : r->fail("Invalid FETCH item");
  }
  static constexpr struct {
    std::string_view name;
    Kind kind;
  } kSimple[] = {
      {"FLAGS", Kind::flags},
      {"UID", Kind::uid},
      {"INTERNALDATE", Kind::internaldate},
      {"RFC822.SIZE", Kind::rfc822_size},
      {"ENVELOPE", Kind::envelope},
      {"BODYSTRUCTURE", Kind::body_structure},
      {"BODY", Kind::body},
      {"RFC822", Kind::rfc822},
      {"RFC822.HEADER", Kind::rfc822_header},
      {"RFC822.TEXT", Kind::rfc822_text},
      {"MODSEQ", Kind::modseq},  // RFC 7162 §3.1.4
      {"EMAILID", Kind::emailid},    // RFC 8474 §5.1
      {"THREADID", Kind::threadid},  // RFC 8474 §5.2
      {"SAVEDATE", Kind::savedate},  // RFC 8514 §4
  };
  // RFC 8970 §7: "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"], preview-mod = "LAZY".
  if (iequals(name, "PREVIEW")) return parse_preview(r, att);
  for (const auto& s : kSimple) {
    if (iequals(name, s.name)) {
      *att = simple(s.kind);
      return true;
    }
  }
  return r->fail("Invalid FETCH item");
}

bool parse_fetch_att(Reader* r, FetchAtt* att) {
  std::string_view name;
  if (!r->read_run(is_item_name_char, &name, "FETCH item")) return false;
  return parse_named_att(r, name, att);
}

// Expands ALL / FAST / FULL (RFC 3501 §6.4.5); false if name is no macro.
bool expand_macro(std::string_view name, std::vector<FetchAtt>* items) {
  bool all = iequals(name, "ALL");
  bool fast = iequals(name, "FAST");
  bool full = iequals(name, "FULL");
  if (!all && !fast && !full) return false;
  items->push_back(simple(Kind::flags));
  items->push_back(simple(Kind::internaldate));
  items->push_back(simple(Kind::rfc822_size));
  if (all || full) items->push_back(simple(Kind::envelope));
  if (full) items->push_back(simple(Kind::body));
  return true;
}

}  // namespace

bool parse_fetch_items(Reader* r, std::vector<FetchAtt>* items) {
  items->clear();
  if (r->peek() == '(') {
    if (!r->open_list()) return false;
    do {
      FetchAtt att;
      if (!parse_fetch_att(r, &att)) return false;
      items->push_back(std::move(att));
    } while (r->skip_if(' '));
    return r->close_list();
  }
  std::string_view name;
  if (!r->read_run(is_item_name_char, &name, "FETCH item")) return false;
  // A macro is a bare name not followed by "[" (so "ALL[" stays an error).
  if (r->peek() != '[' && expand_macro(name, items)) return true;
  FetchAtt att;
  if (!parse_named_att(r, name, &att)) return false;
  items->push_back(std::move(att));
  return true;
}

}  // namespace loft::proto::imap
