#include "protocol/imap/preview.h"

#include <algorithm>
#include <string_view>

#include "base/bytes.h"
#include "base/utf8.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/decode.h"

namespace loft::proto::imap {
namespace {

using mime::Part;

bool attachment(const Part& p) { return p.disposition && iequals(*p.disposition, "attachment"); }

// "plain", "html", or empty for a part that is no candidate.
std::string_view text_kind(const Part& p) {
  if (!p.has(Part::kText) || p.has(Part::kMultipart) || p.has(Part::kMessage) || attachment(p)) return {};
  if (!p.subtype) return p.type ? std::string_view() : "plain";  // no Content-Type: text/plain (RFC 2045 §5.2)
  if (iequals(*p.subtype, "plain")) return "plain";
  if (iequals(*p.subtype, "html")) return "html";
  return {};
}

std::string charset_of(const Part& p) {
  for (const auto& [name, value] : p.params)
    if (iequals(name, "charset")) return value;
  return "us-ascii";
}

// Skips "<name ...>...</name>" content; pos is just after the opening tag.
size_t skip_element(std::string_view html, size_t pos, std::string_view name) {
  std::string closing = "</" + std::string(name);
  for (size_t i = pos; i + closing.size() <= html.size(); ++i)
    if (html[i] == '<' && iequals(html.substr(i, closing.size()), closing)) {
      size_t end = html.find('>', i);
      return end == std::string_view::npos ? html.size() : end + 1;
    }
  return html.size();
}

// A reference to no scalar value reads as U+FFFD.
void append_scalar(std::string* out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  loft::append_utf8(out, cp);
}

// Decodes the entity at html[pos] == '&'; returns the bytes consumed (0: none).
size_t entity(std::string_view html, size_t pos, std::string* out) {
  size_t semi = html.find(';', pos);
  if (semi == std::string_view::npos || semi - pos > 10) return 0;
  std::string_view name = html.substr(pos + 1, semi - pos - 1);
  static constexpr struct { std::string_view name; uint32_t cp; } kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
  };
  for (const auto& e : kNamed)
    if (iequals(name, e.name)) {
      append_scalar(out, e.cp);
      return semi - pos + 1;
    }
  if (name.size() >= 2 && name[0] == '#') {
    bool hex = name[1] == 'x' || name[1] == 'X';
    uint32_t cp = 0;
    size_t digits = 0;
    for (char c : name.substr(hex ? 2 : 1)) {
      int d = c >= '0' && c <= '9' ? c - '0' : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0 || ++digits > 7) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (digits == 0) return 0;
    append_scalar(out, cp);
    return semi - pos + 1;
  }
  return 0;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;  // a tag cut by the bounded read
      std::string_view tag = html.substr(i + 1, end - i - 1);
      i = end + 1;
      for (std::string_view skipped : {"head", "style", "script", "title"}) {
        if (tag.size() >= skipped.size() && iequals(tag.substr(0, skipped.size()), skipped) &&
            (tag.size() == skipped.size() || tag[skipped.size()] == ' ' || tag[skipped.size()] == '\t' ||
             tag[skipped.size()] == '\n' || tag[skipped.size()] == '\r')) {
          i = skip_element(html, i, skipped);
          break;
        }
      }
      out.push_back(' ');  // a tag separates words (<br>, <p>, <td>...)
      continue;
    }
    if (c == '&') {
      if (size_t n = entity(html, i, &out)) {
        i += n;
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

std::string collapse_preview(std::string_view utf8, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool space = false;
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      space = !out.empty();
      ++i;
      continue;
    }
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > utf8.size()) break;  // a sequence cut at the end
    if (space) {
      if (chars + 1 >= max_chars) break;
      out.push_back(' ');
      ++chars;
      space = false;
    }
    if (chars >= max_chars) break;
    if (c < 0x20 || c == 0x7F) {  // other controls are not text
      ++i;
      continue;
    }
    out.append(utf8.substr(i, len));
    ++chars;
    i += len;
  }
  return out;
}

Result<std::string> make_preview(const mime::Structure& s, const PreviewRead& read) {
  const Part* chosen = nullptr;
  const Part* html = nullptr;
  for (uint32_t i = 0; i < s.parts.size();) {
    const Part& p = s.parts[i];
    std::string_view kind = text_kind(p);
    if (kind == "plain") {
      chosen = &p;
      break;
    }
    if (kind == "html" && !html) html = &p;
    // RFC 8970 §3: the preview is of this message, not of one it encapsulates.
    i = p.has(Part::kMessage) ? std::max(p.end, i + 1) : i + 1;
  }
  bool is_html = false;
  if (!chosen && html) {
    chosen = html;
    is_html = true;
  }
  if (!chosen) return std::string();
  uint64_t length = std::min<uint64_t>(chosen->body_size(), kPreviewReadBytes);
  auto raw = read(chosen->body_offset, length);
  if (!raw) return raw.error();
  std::string decoded;
  std::string_view enc = chosen->encoding ? std::string_view(*chosen->encoding) : std::string_view();
  if (iequals(enc, "base64")) {
    mime::Base64Decoder d;
    d.feed(*raw, &decoded);
    d.finish(&decoded);
  } else if (iequals(enc, "quoted-printable")) {
    mime::QpDecoder d;
    d.feed(*raw, &decoded);
    d.finish(&decoded);
  } else {
    decoded = std::move(*raw);
  }
  std::string text;
  mime::CharsetDecoder cs(charset_of(*chosen));
  cs.feed(decoded, &text);
  cs.finish(&text);
  if (is_html) text = html_to_text(text);
  return collapse_preview(text, kPreviewChars);
}

}  // namespace loft::proto::imap
