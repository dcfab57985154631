// RFC 5322 §3.2 / RFC 2045 §5.1 lexical tokens over one unfolded header value:
// comments, atoms, MIME tokens, quoted strings, content-type and parameters
// (RFC 2231 continuations merged). The rules follow Dovecot's lib-mail so that
// BODYSTRUCTURE answers match it byte for byte, malformed input included.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/mime/structure.h"

namespace loft::proto::mime {

// True for RFC 5322 atext (8-bit bytes count as atext, as Dovecot does).
bool is_atext(unsigned char c);
// True for atext that is no MIME tspecial ('/', '=', '?'), RFC 2045 §5.1 token.
bool is_token_char(unsigned char c);

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  // Skips white space, CR, LF and (nested) comments. 1: more data, 0: at
  // the end, -1: an unterminated comment.
  int skip_lwsp();
  // Appends 1*atext; -1 if none, else skip_lwsp's result.
  int atom(std::string* out);
  // Appends atext and '.' runs joined around white space (obs-domain).
  int dot_atom(std::string* out);
  // Appends a MIME token (may be empty); skip_lwsp's result after it.
  int mime_token(std::string* out);
  // At '"': appends the unquoted content; -1 if unterminated.
  int quoted_string(std::string* out);
  // phrase = 1*word / obs-phrase, words joined by one space.
  int phrase(std::string* out);
  // "type/subtype" (RFC 2045 §5.1); -1 when malformed, with what was read in out.
  int content_type(std::string* out);
  // *(";" parameter) with RFC 2231 §3-4 continuations merged ("name*" keeps
  // its charset'lang' prefix, as Dovecot). Returns false if something broke.
  bool params(std::vector<Param>* out);

  // When set, each comment skipped replaces *c with its text (for addr-spec names).
  void record_comments(std::string* c) { last_comment_ = c; }

  bool at_end() const { return p_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[p_]; }
  void advance() { ++p_; }
  size_t pos() const { return p_; }
  void set_pos(size_t p) { p_ = p; }

 private:
  int skip_comment();
  int atom_or_dot(std::string* out);
  int domain_literal(std::string* out);
  // One ";" attribute "=" value: 0 at the end, -1 broken, 1 read.
  int param(std::string* key, std::string* value);

  std::string_view s_;
  size_t p_ = 0;
  std::string* last_comment_ = nullptr;

 public:
  // RFC 5322 §3.4.1 domain after '@'.
  int domain(std::string* out);
};

}  // namespace loft::proto::mime
