// Token reader for complete IMAP command texts (RFC 3501 §9 grammar).
#include "protocol/imap/reader.h"

#include "base/bytes.h"

namespace loft::proto::imap {

bool is_atom_char(unsigned char c) {
  // RFC 3501 §9: CHAR is %x01-7F; CTL is %x00-1F / %x7F.
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return false;
    default:
      return true;
  }
}

bool is_astring_char(unsigned char c) { return c == ']' || is_atom_char(c); }

bool is_tag_char(unsigned char c) { return c != '+' && is_astring_char(c); }

// RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">, then SP.
bool read_tag(std::string_view text, std::string* tag, size_t* len) {
  size_t n = 0;
  while (n < text.size() && is_tag_char(static_cast<unsigned char>(text[n]))) ++n;
  if (n == 0 || (n < text.size() && text[n] != ' ')) return false;
  tag->assign(text.substr(0, n));
  *len = n;
  return true;
}

std::string readable_tag(std::string_view text) {
  std::string tag;
  size_t len = 0;
  // Only a tag followed by SP is known to be complete.
  if (!read_tag(text, &tag, &len) || len == text.size()) return "*";
  return tag;
}

Reader::Reader(std::string_view text, const ParserLimits& limits) : text_(text), limits_(limits) {}

bool Reader::fail(std::string_view message) {
  if (error_.empty()) error_.assign(message);
  return false;
}

bool Reader::count_token() {
  if (failed()) return false;
  if (++tokens_ > limits_.max_tokens) return fail("Too many tokens");
  return true;
}

bool Reader::skip_if(char c) {
  if (failed() || peek() != static_cast<unsigned char>(c)) return false;
  ++pos_;
  return true;
}

bool Reader::expect(char c) {
  if (skip_if(c)) return true;
  if (at_end()) return fail("Missing argument");
  return fail(std::string("Expected '") + c + "'");
}

bool Reader::expect_sp() {
  if (skip_if(' ')) return true;
  if (at_end()) return fail("Missing argument");
  return fail("Expected a single space");
}

bool Reader::expect_end() {
  if (failed()) return false;
  if (!at_end()) return fail("Unexpected extra arguments");
  return true;
}

bool Reader::read_run(bool (*pred)(unsigned char), std::string_view* out, std::string_view what) {
  if (!count_token()) return false;
  size_t start = pos_;
  while (!at_end() && pred(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  if (pos_ == start) {
    if (at_end()) return fail("Missing argument");
    return fail(std::string("Invalid ") + std::string(what));
  }
  *out = text_.substr(start, pos_ - start);
  return true;
}

bool Reader::read_atom(std::string* out) {
  std::string_view v;
  if (!read_run(is_atom_char, &v, "atom")) return false;
  out->assign(v);
  return true;
}

bool Reader::read_astring(std::string* out) {
  int c = peek();
  if (c == '"' || c == '{' || c == '~') return read_string(out);
  std::string_view v;
  if (!read_run(is_astring_char, &v, "string")) return false;
  out->assign(v);
  return true;
}

bool Reader::read_string(std::string* out) {
  int c = peek();
  if (c == '"') return read_quoted(out);
  if (c == '{') return read_literal(out);
  // RFC 3516 literal8 is only valid in APPEND/BINARY contexts.
  if (c == '~') return fail("Literal8 not allowed here");
  if (at_end()) return fail("Missing argument");
  return fail("Expected a string");
}

bool Reader::read_nstring(std::optional<std::string>* out) {
  int c = peek();
  if (c == '"' || c == '{' || c == '~') {
    std::string s;
    if (!read_string(&s)) return false;
    *out = std::move(s);
    return true;
  }
  std::string atom;
  if (!read_atom(&atom)) return false;
  if (!iequals(atom, "NIL")) return fail("Expected a string or NIL");
  out->reset();
  return true;
}

bool Reader::read_quoted(std::string* out) {
  if (!count_token()) return false;
  ++pos_;  // the opening quote
  out->clear();
  while (!at_end()) {
    char c = text_[pos_++];
    if (c == '"') return true;
    // RFC 3501 §9 QUOTED-CHAR: TEXT-CHAR (no CR/LF) except quoted-specials,
    // or "\" quoted-specials. 8-bit bytes are accepted (RFC 6855 UTF-8).
    if (c == '\r' || c == '\n' || c == '\0') return fail("Invalid character in quoted string");
    if (c == '\\') {
      if (at_end()) break;
      c = text_[pos_++];
      if (c != '\\' && c != '"') return fail("Invalid escape in quoted string");
    }
    out->push_back(c);
  }
  return fail("Unterminated quoted string");
}

bool Reader::read_literal(std::string* out) {
  if (!count_token()) return false;
  ++pos_;  // "{"
  uint64_t n = 0;
  size_t digits = 0;
  while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    uint64_t d = static_cast<uint64_t>(text_[pos_] - '0');
    n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;  // saturate
    ++pos_;
    ++digits;
  }
  if (digits == 0) return fail("Invalid literal");
  skip_if('+');  // RFC 7888 LITERAL+ non-synchronising form
  if (!skip_if('}') || !skip_if('\r') || !skip_if('\n')) return fail("Invalid literal");
  if (n > limits_.max_literal) return fail("[TOOBIG] Literal too big");
  literal_bytes_ += n;
  if (literal_bytes_ > limits_.max_literals_total) return fail("[TOOBIG] Literals too big");
  if (n > text_.size() - pos_) return fail("Truncated literal");
  std::string_view bytes = text_.substr(pos_, static_cast<size_t>(n));
  // RFC 3501 §9: literal = "{" number "}" CRLF *CHAR8; CHAR8 excludes NUL.
  if (bytes.find('\0') != std::string_view::npos) return fail("NUL in literal");
  out->assign(bytes);
  pos_ += static_cast<size_t>(n);
  return true;
}

bool Reader::read_number(uint64_t max, uint64_t* out) {
  if (!count_token()) return false;
  size_t start = pos_;
  uint64_t n = 0;
  while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    uint64_t d = static_cast<uint64_t>(text_[pos_] - '0');
    if (n > max / 10 || d > max - n * 10) return fail("Number too large");
    n = n * 10 + d;
    ++pos_;
  }
  if (pos_ == start) return at_end() ? fail("Missing argument") : fail("Expected a number");
  *out = n;
  return true;
}

bool Reader::read_nz_number(uint64_t max, uint64_t* out) {
  if (peek() == '0') return fail("Expected a non-zero number");
  return read_number(max, out);
}

bool Reader::open_list() {
  if (!expect('(')) return false;
  if (!count_token()) return false;
  if (++depth_ > limits_.max_depth) return fail("Too deeply nested");
  return true;
}

bool Reader::close_list() {
  if (!expect(')')) return false;
  if (depth_ > 0) --depth_;
  return true;
}

}  // namespace loft::proto::imap
