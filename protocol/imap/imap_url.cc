// RFC 5092 message URLs (imap_url.h): the ABNF of §11, dot-segments removed
// as RFC 3986 §5.2.4 does for an absolute-path reference.
#include "protocol/imap/imap_url.h"

#include <cstring>

#include "base/bytes.h"
#include "protocol/imap/fetch_parse.h"
#include "protocol/imap/reader.h"
#include "protocol/imap/response.h"

namespace loft::proto::imap {
namespace {

Error url_error(std::string message) { return Error{Errc::bad_input, std::move(message)}; }

bool url_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
// RFC 5092 §11: achar = uchar / "&" / "="; uchar = unreserved / sub-delims-sh / pct-encoded.
bool url_achar(unsigned char c) {
  return url_unreserved(c) || (c != 0 && std::strchr("!$'()*+,&=%", c) != nullptr);
}
// bchar = achar / ":" / "@" / "/"
bool url_bchar(unsigned char c) { return url_achar(c) || c == ':' || c == '@' || c == '/'; }

int url_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes raw, whose every byte must satisfy allowed (RFC 3986 §2.1).
bool url_decode(std::string_view raw, bool (*allowed)(unsigned char), std::string* out) {
  out->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (!allowed(c)) return false;
    if (c != '%') {
      out->push_back(static_cast<char>(c));
      continue;
    }
    if (i + 2 >= raw.size()) return false;
    int hi = url_hex(raw[i + 1]);
    int lo = url_hex(raw[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// RFC 3501 §9 number (nz: nz-number), 32-bit, the whole of text.
bool url_number(std::string_view text, bool nz, uint32_t* out) {
  if (text.empty() || text.size() > 10 || (nz && text[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX || (nz && v == 0)) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// Consumes the case-insensitive prefix p of *s.
bool url_take(std::string_view* s, std::string_view p) {
  if (s->size() < p.size() || !iequals(s->substr(0, p.size()), p)) return false;
  s->remove_prefix(p.size());
  return true;
}

// RFC 3986 §5.2.4 remove_dot_segments on an absolute path.
std::string url_remove_dots(std::string_view in) {
  std::string out;
  auto drop_last = [&out] {
    size_t slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.substr(0, 3) == "/./" || in == "/.") {
      in = in.size() == 2 ? std::string_view("/") : in.substr(2);
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      drop_last();
    } else {
      size_t next = in.find('/', 1);
      out.append(in.substr(0, next));
      in = next == std::string_view::npos ? std::string_view() : in.substr(next);
    }
  }
  return out;
}

// iserver = [iuserinfo "@"] host [":" port]; iuserinfo = enc-user [iauth] / [enc-user] iauth.
Result<void> url_server(std::string_view authority, MessageUrl* out) {
  size_t at = authority.find('@');
  std::string_view hostport = authority;
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
    size_t semi = userinfo.find(';');
    std::string_view user = userinfo.substr(0, semi);
    if (semi != std::string_view::npos) {
      // iauth = ";AUTH=" ( "*" / enc-auth-type ): which mechanism a client
      // would log in with; this session is logged in already.
      std::string_view auth = userinfo.substr(semi);
      std::string ignored;
      if (!url_take(&auth, ";AUTH=") || auth.empty() || (auth != "*" && !url_decode(auth, url_achar, &ignored)))
        return url_error("Invalid user information in the URL");
    }
    if (!user.empty() && !url_decode(user, url_achar, &out->user)) return url_error("Invalid user name in the URL");
    if (user.empty() && semi == std::string_view::npos) return url_error("Invalid user information in the URL");
  }
  std::string_view host = hostport, port;
  if (!hostport.empty() && hostport[0] == '[') {  // IP-literal
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return url_error("Invalid host in the URL");
    host = hostport.substr(0, close + 1);
    port = hostport.substr(close + 1);
    if (!port.empty() && port[0] != ':') return url_error("Invalid host in the URL");
  } else {
    size_t colon = hostport.find(':');
    host = hostport.substr(0, colon);
    if (colon != std::string_view::npos) port = hostport.substr(colon);
    std::string decoded;
    auto host_char = [](unsigned char c) { return url_achar(c) || c == ';'; };  // reg-name
    if (host.empty() || !url_decode(host, host_char, &decoded)) return url_error("Invalid host in the URL");
  }
  out->host.assign(host);
  if (port.size() > 1) {  // RFC 3986 §3.2.3: port = *DIGIT; empty means none
    uint32_t p = 0;
    if (!url_number(port.substr(1), false, &p) || p > 65535) return url_error("Invalid port in the URL");
    out->port = p;
  }
  out->has_server = true;
  return {};
}

// The rest after the UID, section or partial: the end, or an URLAUTH component.
Result<void> url_end(std::string_view rest) {
  if (rest.empty()) return {};
  if (url_take(&rest, ";EXPIRE=") || url_take(&rest, ";URLAUTH="))
    return url_error("URLAUTH is not supported (RFC 4467)");
  return url_error("Invalid message URL");
}

// ;SECTION= value (enc-section, a section-spec) as a BODY[section] item.
Result<void> url_section(std::string_view raw, FetchAtt* att) {
  std::string section;
  if (raw.empty() || !url_decode(raw, url_bchar, &section)) return url_error("Invalid section in the URL");
  ParserLimits limits;
  Reader r(section, limits);
  if (!parse_section_text(&r, att) || !r.expect_end()) return url_error("Invalid section in the URL: " + r.error());
  return {};
}

// icommand = imessagepart (RFC 5092 §11), after the path's leading "/".
Result<void> url_message_part(std::string_view p, MessageUrl* out) {
  size_t semi = p.find(';');
  if (semi == std::string_view::npos) return url_error("The URL names no message");
  std::string_view mailbox = p.substr(0, semi), rest = p.substr(semi);
  bool slash = !mailbox.empty() && mailbox.back() == '/';
  if (slash) mailbox.remove_suffix(1);
  if (mailbox.empty() || mailbox.front() == '/' || !url_decode(mailbox, url_bchar, &out->mailbox))
    return url_error("Invalid mailbox name in the URL");
  if (!slash) {  // imailbox-ref = enc-mailbox [uidvalidity], then iuid = "/" iuid-only
    uint32_t v = 0;
    if (!url_take(&rest, ";UIDVALIDITY=")) return url_error("The URL names no message");
    size_t end = rest.find('/');
    if (end == std::string_view::npos || !url_number(rest.substr(0, end), true, &v))
      return url_error("Invalid UIDVALIDITY in the URL");
    out->uidvalidity = v;
    rest.remove_prefix(end + 1);
  }
  if (!url_take(&rest, ";UID=")) return url_error("The URL names no message");
  size_t end = rest.find_first_of("/;");
  if (!url_number(rest.substr(0, end), true, &out->uid)) return url_error("Invalid UID in the URL");
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  out->section.kind = FetchAtt::Kind::section;
  out->section.peek = true;  // RFC 4469 §3: catenating sets no \Seen
  bool partial = false;
  if (url_take(&rest, "/;SECTION=")) {
    // enc-section has no ";": one ends it, then "/;PARTIAL=" or an URLAUTH part.
    std::string_view raw = rest.substr(0, rest.find(';'));
    rest.remove_prefix(raw.size());
    if (!rest.empty() && !raw.empty() && raw.back() == '/') {
      raw.remove_suffix(1);
      if (!url_take(&rest, ";PARTIAL=")) return url_error("Invalid message URL");
      partial = true;
    }
    if (auto s = url_section(raw, &out->section); !s) return s.error();
  } else {
    partial = url_take(&rest, "/;PARTIAL=");
  }
  if (partial) {  // partial-range = number ["." nz-number]
    std::string_view range = rest.substr(0, rest.find(';'));
    rest.remove_prefix(range.size());
    size_t dot = range.find('.');
    uint32_t offset = 0, length = 0;
    if (!url_number(range.substr(0, dot), false, &offset) ||
        (dot != std::string_view::npos && !url_number(range.substr(dot + 1), true, &length)))
      return url_error("Invalid PARTIAL in the URL");
    out->partial_offset = offset;
    if (dot != std::string_view::npos) out->partial_length = length;
  }
  return url_end(rest);
}

}  // namespace

Result<MessageUrl> parse_message_url(std::string_view url) {
  MessageUrl out;
  std::string_view rest = url;
  if (url_take(&rest, "imap:")) {
    if (rest.substr(0, 2) != "//") return url_error("Invalid IMAP URL");
  } else if (rest.empty() || rest[0] != '/') {
    size_t colon = rest.find(':');
    if (colon != std::string_view::npos && colon < rest.find('/') && colon > 0)
      return url_error("Only IMAP URLs name messages");
    // RFC 5092 §7.2: implementations MUST NOT accept relative-path references.
    return url_error("Relative-path URLs are not accepted");
  }
  if (rest.substr(0, 2) == "//") {  // imapurl or inetwork-path: the server named
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    if (auto s = url_server(rest.substr(0, slash), &out); !s) return s.error();
    if (slash == std::string_view::npos) return url_error("The URL names no message");
    rest.remove_prefix(slash);
  }
  // A query ("?" enc-search, RFC 5092 §5) names a list; IMAP URLs have no fragment.
  if (rest.find_first_of("?#") != std::string_view::npos) return url_error("The URL names no message");
  std::string path = url_remove_dots(rest);
  if (path.empty() || path[0] != '/') return url_error("The URL names no message");
  if (auto m = url_message_part(std::string_view(path).substr(1), &out); !m) return m.error();
  return out;
}

std::string badurl_text(std::string_view url) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : url) {
    unsigned char c = static_cast<unsigned char>(ch);
    // RFC 4469 §5 url-resp-text (erratum 2002): %x01-09 / %x0B-0C / %x0E-5C / %x5E-FE.
    bool ok = c != 0 && c != '\n' && c != '\r' && c != ']' && c != 0xFF;
    if (ok) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

void append_badurl_response(std::string* out, std::string_view tag, std::string_view url, std::string_view reason) {
  std::optional<ResponseCode> code;
  if (!url.empty()) code = ResponseCode{"BADURL", badurl_text(url)};
  StatusResponse{tag, Status::no, std::move(code), reason}.serialize(out);
}

}  // namespace loft::proto::imap
