// ENVELOPE / BODY / BODYSTRUCTURE writers (see body_structure.h).
#include "protocol/imap/body_structure.h"

#include "base/bytes.h"
#include "protocol/imap/writer.h"
#include "protocol/mime/address.h"

namespace loft::proto::imap {

using mime::Part;

void append_dovecot_nstring(std::string* out, const std::optional<std::string>& src) {
  if (!src) {
    *out += "NIL";
    return;
  }
  std::string_view s(*src);
  s = s.substr(0, s.find('\0'));  // a C string in Dovecot: a NUL ends it
  // A quoted-special costs one byte more each; after 4 a literal is shorter.
  int escapes = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool literal = c == '\r' || c == '\n' || c >= 0x80 || ((c == '"' || c == '\\') && escapes++ >= 4);
    if (literal) {
      append_literal_header(out, s.size());
      out->append(s);
      return;
    }
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

void append_dovecot_nstring_nolf(std::string* out, const std::optional<std::string>& s) {
  if (!s || s->find_first_of("\r\n") == std::string::npos) return append_dovecot_nstring(out, s);
  std::string clean;
  for (char c : *s)
    if (c != '\r' && c != '\n') clean.push_back(c);
  append_dovecot_nstring(out, clean);
}

void append_for_humans(std::string* out, std::string_view src) {
  // RFC 3501 §7.4.2 shows these to people: folding and white space runs become
  // one space, leading and trailing white space goes.
  std::string s;
  bool last_lwsp = true;
  for (char ch : src) {
    switch (ch) {
      case '\0': s.push_back('\x80'); last_lwsp = false; break;
      case '\t':
      case ' ':
        if (!last_lwsp) s.push_back(' ');
        last_lwsp = true;
        break;
      case '\r':
      case '\n': break;
      default: s.push_back(ch); last_lwsp = false; break;
    }
  }
  if (!s.empty() && s.back() == ' ' && last_lwsp) s.pop_back();
  bool plain = s.size() == src.size();
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || u >= 0x80) plain = false;
  }
  if (plain && s == src) {
    *out += '"' + s + '"';
  } else if (s.empty()) {
    *out += "\"\"";
  } else {
    append_literal_header(out, s.size());
    out->append(s);
  }
}

namespace {

void append_addresses(std::string* out, const std::optional<std::string>& value) {
  std::vector<mime::Address> list;
  if (value) list = mime::parse_address_list(*value);
  if (list.empty()) {
    *out += "NIL";
    return;
  }
  out->push_back('(');
  for (const auto& a : list) {
    out->push_back('(');
    if (a.name) append_for_humans(out, *a.name);
    else *out += "NIL";
    out->push_back(' ');
    append_dovecot_nstring(out, a.route);
    out->push_back(' ');
    append_dovecot_nstring(out, a.mailbox);
    out->push_back(' ');
    append_dovecot_nstring(out, a.domain);
    out->push_back(')');
  }
  out->push_back(')');
}

void append_params(std::string* out, const std::vector<mime::Param>& ps, bool default_charset) {
  if (!default_charset && ps.empty()) {
    *out += "NIL";
    return;
  }
  out->push_back('(');
  bool seen_charset = false;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (i) out->push_back(' ');
    if (default_charset && iequals(ps[i].first, "charset")) seen_charset = true;
    append_dovecot_nstring(out, ps[i].first);
    out->push_back(' ');
    append_dovecot_nstring(out, ps[i].second);
  }
  if (default_charset && !seen_charset) {  // RFC 2045 §5.2: text defaults to us-ascii
    if (!ps.empty()) out->push_back(' ');
    *out += "\"charset\" \"us-ascii\"";
  }
  out->push_back(')');
}

// body-fld-dsp, body-fld-lang, body-fld-loc (RFC 3501 §9 body-ext-*).
void append_ext_common(std::string* out, const Part& p) {
  out->push_back(' ');
  if (!p.disposition) {
    *out += "NIL";
  } else {
    out->push_back('(');
    append_dovecot_nstring(out, p.disposition);
    out->push_back(' ');
    append_params(out, p.disposition_params, false);
    out->push_back(')');
  }
  out->push_back(' ');
  if (p.language.empty()) {
    *out += "NIL";
  } else {
    out->push_back('(');
    for (size_t i = 0; i < p.language.size(); ++i) {
      if (i) out->push_back(' ');
      append_dovecot_nstring(out, p.language[i]);
    }
    out->push_back(')');
  }
  out->push_back(' ');
  append_dovecot_nstring_nolf(out, p.location);
}

void append_part(std::string* out, const mime::Structure& s, uint32_t i, bool extended, int depth);

void append_multipart(std::string* out, const mime::Structure& s, uint32_t i, bool extended, int depth) {
  const Part& p = s.parts[i];
  auto kids = mime::children_of(s, i);
  if (kids.empty()) {
    // A multipart needs a part (RFC 3501 §9 body-type-mpart): an empty text/plain one.
    *out += extended ? "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)"
                     : "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
  }
  for (uint32_t k : kids) {
    out->push_back('(');
    append_part(out, s, k, extended, depth + 1);
    out->push_back(')');
  }
  out->push_back(' ');
  append_dovecot_nstring(out, p.subtype ? p.subtype : std::optional<std::string>("x-unknown"));
  if (!extended) return;
  out->push_back(' ');
  append_params(out, p.params, false);
  append_ext_common(out, p);
}

void append_single(std::string* out, const mime::Structure& s, uint32_t i, bool extended, int depth) {
  const Part& p = s.parts[i];
  bool text = false;
  if (p.has(Part::kMessage)) {
    *out += "\"message\" \"rfc822\"";
  } else if (!p.type) {
    text = true;
    *out += "\"text\" \"plain\"";
  } else {
    text = iequals(*p.type, "text");
    append_dovecot_nstring(out, p.type);
    out->push_back(' ');
    append_dovecot_nstring(out, p.subtype ? p.subtype : std::optional<std::string>(text ? "plain" : "unknown"));
  }
  out->push_back(' ');
  append_params(out, p.params, text);
  out->push_back(' ');
  append_dovecot_nstring_nolf(out, p.id);
  out->push_back(' ');
  append_dovecot_nstring_nolf(out, p.description);
  out->push_back(' ');
  append_dovecot_nstring(out, p.encoding ? p.encoding : std::optional<std::string>("7bit"));
  *out += ' ' + std::to_string(p.body_size());
  if (text) {
    *out += ' ' + std::to_string(p.body_lines);
  } else if (p.has(Part::kMessage)) {
    // RFC 3501 §7.4.2: message/rfc822 adds the envelope, the body and the lines.
    auto kids = mime::children_of(s, i);
    *out += " (";
    if (kids.empty()) {
      *out += "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ";
      *out += extended ? "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)"
                       : "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
    } else {
      std::string env;
      append_envelope(&env, s.parts[kids[0]].envelope);
      out->append(env, 1, env.size() - 2);  // without its parentheses
      *out += ") (";
      append_part(out, s, kids[0], extended, depth + 1);
      out->push_back(')');
    }
    *out += ' ' + std::to_string(p.body_lines);
  }
  if (!extended) return;
  out->push_back(' ');
  append_dovecot_nstring_nolf(out, p.md5);
  append_ext_common(out, p);
}

void append_part(std::string* out, const mime::Structure& s, uint32_t i, bool extended, int depth) {
  if (depth > static_cast<int>(mime::kMaxDepth) + 2) {  // a decoded tree is bounded; this is a guard
    *out += "\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0";
    return;
  }
  if (s.parts[i].has(Part::kMultipart)) append_multipart(out, s, i, extended, depth);
  else append_single(out, s, i, extended, depth);
}

}  // namespace

void append_envelope(std::string* out, const mime::Envelope& e) {
  out->push_back('(');
  append_dovecot_nstring_nolf(out, e.date);
  out->push_back(' ');
  if (e.subject) append_for_humans(out, *e.subject);
  else *out += "NIL";
  out->push_back(' ');
  std::string from;
  append_addresses(&from, e.from);
  *out += from;
  out->push_back(' ');
  if (e.sender) {
    std::string sender;
    append_addresses(&sender, e.sender);
    *out += sender == "NIL" ? from : sender;
  } else {
    *out += from;
  }
  out->push_back(' ');
  if (e.reply_to) {
    std::string rt;
    append_addresses(&rt, e.reply_to);
    *out += rt == "NIL" ? from : rt;
  } else {
    *out += from;
  }
  out->push_back(' ');
  append_addresses(out, e.to);
  out->push_back(' ');
  append_addresses(out, e.cc);
  out->push_back(' ');
  append_addresses(out, e.bcc);
  out->push_back(' ');
  append_dovecot_nstring_nolf(out, e.in_reply_to);
  out->push_back(' ');
  append_dovecot_nstring_nolf(out, e.message_id);
  out->push_back(')');
}

void append_body_structure(std::string* out, const mime::Structure& s, bool extended) {
  if (s.parts.empty()) {
    *out += "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
    return;
  }
  out->push_back('(');
  append_part(out, s, 0, extended, 0);
  out->push_back(')');
}

}  // namespace loft::proto::imap
