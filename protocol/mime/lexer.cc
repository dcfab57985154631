// RFC 5322 / RFC 2045 / RFC 2231 lexical rules (see lexer.h).
#include "protocol/mime/lexer.h"

#include <algorithm>

#include "base/bytes.h"

namespace loft::proto::mime {
namespace {

// 1: atext; 2: letters, digits and 8-bit; 4: atext that is a MIME tspecial.
unsigned char char_class(unsigned char c) {
  if (c >= 0x80) return 2;
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return 2;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return 1;
    case '/': case '=': case '?':
      return 4;
    default:
      return 0;
  }
}

}  // namespace

bool is_atext(unsigned char c) { return char_class(c) != 0; }
bool is_token_char(unsigned char c) { return (char_class(c) & 3) != 0; }

int Lexer::skip_comment() {
  int level = 1;
  if (last_comment_) last_comment_->clear();
  size_t start = ++p_;
  for (; p_ < s_.size(); ++p_) {
    char c = s_[p_];
    if (c == '(') {
      ++level;
    } else if (c == ')') {
      if (--level == 0) {
        if (last_comment_) last_comment_->append(s_.substr(start, p_ - start));
        ++p_;
        return at_end() ? 0 : 1;
      }
    } else if (c == '\\') {
      if (last_comment_) last_comment_->append(s_.substr(start, p_ - start));
      start = p_ + 1;
      if (++p_ >= s_.size()) return -1;
    }
  }
  return -1;  // RFC 5322 §3.2.2: a comment needs its ')'
}

int Lexer::skip_lwsp() {
  while (p_ < s_.size()) {
    char c = s_[p_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++p_;
      continue;
    }
    if (c != '(') break;
    if (skip_comment() < 0) return -1;
  }
  return at_end() ? 0 : 1;
}

int Lexer::atom(std::string* out) {
  if (at_end() || !is_atext(s_[p_])) return -1;
  size_t start = p_++;
  while (p_ < s_.size() && is_atext(s_[p_])) ++p_;
  out->append(s_.substr(start, p_ - start));
  return at_end() ? 0 : skip_lwsp();
}

int Lexer::dot_atom(std::string* out) {
  if (at_end() || !is_atext(s_[p_])) return -1;
  size_t start = p_++;
  while (p_ < s_.size()) {
    if (is_atext(s_[p_])) {
      ++p_;
      continue;
    }
    out->append(s_.substr(start, p_ - start));
    int r = skip_lwsp();
    if (r <= 0) return r;
    if (s_[p_] != '.') return 1;
    ++p_;
    out->push_back('.');
    r = skip_lwsp();
    if (r <= 0) return r;
    start = p_;
  }
  out->append(s_.substr(start, p_ - start));
  return 0;
}

int Lexer::mime_token(std::string* out) {
  size_t start = p_;
  while (p_ < s_.size() && (is_token_char(s_[p_]) || s_[p_] == '.')) ++p_;
  out->append(s_.substr(start, p_ - start));
  return at_end() ? 0 : skip_lwsp();
}

int Lexer::quoted_string(std::string* out) {
  size_t start = ++p_;
  for (; p_ < s_.size(); ++p_) {
    char c = s_[p_];
    if (c == '"') {
      out->append(s_.substr(start, p_ - start));
      ++p_;
      return skip_lwsp();
    }
    if (c == '\n') {  // RFC 5322 §3.2.2 folding inside quotes: drop the (CR)LF
      size_t len = p_ - start;
      if (len > 0 && s_[start + len - 1] == '\r') --len;
      out->append(s_.substr(start, len));
      start = p_ + 1;
    } else if (c == '\\') {  // quoted-pair
      if (++p_ >= s_.size()) return -1;
      out->append(s_.substr(start, p_ - start - 1));
      start = p_;
    }
  }
  return -1;
}

int Lexer::atom_or_dot(std::string* out) {
  size_t start = p_;
  while (p_ < s_.size() && (is_atext(s_[p_]) || s_[p_] == '.')) ++p_;
  out->append(s_.substr(start, p_ - start));
  return at_end() ? 0 : skip_lwsp();
}

int Lexer::phrase(std::string* out) {
  if (at_end()) return 0;
  if (s_[p_] == '.') return -1;
  for (;;) {
    int r = s_[p_] == '"' ? quoted_string(out) : atom_or_dot(out);
    if (r <= 0) return r;
    char c = s_[p_];
    if (!is_atext(c) && c != '"' && c != '.') break;
    out->push_back(' ');
  }
  return skip_lwsp();
}

int Lexer::domain_literal(std::string* out) {
  size_t start = p_;
  for (; p_ < s_.size(); ++p_) {
    if (s_[p_] == '\\') {
      if (++p_ >= s_.size()) break;
    } else if (s_[p_] == ']') {
      ++p_;
      out->append(s_.substr(start, p_ - start));
      return skip_lwsp();
    }
  }
  return -1;
}

int Lexer::domain(std::string* out) {
  ++p_;  // '@'
  if (skip_lwsp() <= 0) return -1;
  return s_[p_] == '[' ? domain_literal(out) : dot_atom(out);
}

int Lexer::content_type(std::string* out) {
  if (skip_lwsp() <= 0) return -1;
  if (mime_token(out) <= 0) return -1;
  if (s_[p_] != '/') return -1;
  ++p_;
  if (skip_lwsp() <= 0) return -1;
  out->push_back('/');
  return mime_token(out);
}

int Lexer::param(std::string* key, std::string* value) {
  key->clear();
  value->clear();
  if (at_end()) return 0;
  if (s_[p_] != ';') return -1;
  ++p_;
  if (skip_lwsp() <= 0) return -1;
  if (mime_token(key) <= 0) return -1;
  if (s_[p_] != '=') return -1;
  ++p_;
  int r = skip_lwsp();
  if (r <= 0) {
    // no value
  } else if (s_[p_] == '"') {
    r = quoted_string(value);
  } else if (s_[p_] == '=') {
    // Broken senders write name==?utf-8?b?...?=: keep the word as it is.
    while (p_ < s_.size() && s_[p_] != ';' && s_[p_] != ' ' && s_[p_] != '\t' && s_[p_] != '\r' &&
           s_[p_] != '\n')
      value->push_back(s_[p_++]);
  } else {
    r = mime_token(value);
  }
  return r < 0 ? -1 : 1;
}

bool Lexer::params(std::vector<Param>* out) {
  struct Piece {
    std::string key, value;
    unsigned idx;
    bool extended;
  };
  std::vector<Piece> pieces;
  bool broken = false;
  unsigned idx = 0;  // kept from one parameter to the next, as Dovecot does
  std::string key, value;
  for (size_t guard = 0; guard < s_.size() + 1; ++guard) {
    int r = param(&key, &value);
    if (r == 0) break;
    if (r < 0) {
      broken = true;
      if (at_end()) break;
      ++p_;
      continue;
    }
    size_t star = key.find('*');
    if (star == std::string::npos) {
      out->emplace_back(key, value);
      continue;
    }
    // RFC 2231 §3: name*<n>[*]=value and §4: name*=charset'lang'value
    size_t q = star;
    if (q + 1 < key.size()) {
      ++q;
      idx = 0;
      while (q < key.size() && key[q] >= '0' && key[q] <= '9') idx = idx * 10 + static_cast<unsigned>(key[q++] - '0');
    }
    bool extended = q < key.size() && key[q] == '*';
    if (extended) ++q;
    if (q != key.size()) {
      out->emplace_back(key, value);
      continue;
    }
    pieces.push_back({key.substr(0, star), value, idx, extended});
  }
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    if (a.key != b.key) return a.key < b.key;
    return a.idx < b.idx;
  });
  for (size_t i = 0, next = 0; i < pieces.size(); i = next) {
    bool ok = true, have_ext = false;
    unsigned want = 0;
    size_t j = i;
    for (; j < pieces.size() && iequals(pieces[i].key, pieces[j].key); ++j, ++want) {
      if (pieces[j].idx != want) ok = false;
      if (pieces[j].extended) have_ext = true;
    }
    next = j;
    if (!ok) {  // a missing index: not RFC 2231 after all, keep the pieces
      for (j = i; j < next; ++j)
        out->emplace_back(pieces[j].key + "*" + std::to_string(pieces[j].idx) + (pieces[j].extended ? "*" : ""),
                          pieces[j].value);
      continue;
    }
    std::string joined;
    if (!pieces[i].extended && have_ext) joined = "''";
    for (j = i; j < next; ++j) {
      if (!pieces[j].extended && have_ext) {
        for (char c : pieces[j].value) joined += c == '%' ? std::string("%25") : std::string(1, c);
      } else {
        joined += pieces[j].value;
      }
    }
    out->emplace_back(have_ext ? pieces[i].key + "*" : pieces[i].key, std::move(joined));
  }
  return !broken;
}

}  // namespace loft::proto::mime
