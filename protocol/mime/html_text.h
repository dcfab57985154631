// HTML reduced to the text a reader sees, for SEARCH (RFC 3501 §6.4.4) over
// text/html parts: tags removed, <script> and <style> contents and comments
// dropped, character references decoded, block elements and white space
// collapsed to one space between words. Follows the choices of Dovecot's
// FTS html-to-text (lib-mail/mail-html2text.c): title and CDATA text kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loft::proto::mime {

// Streaming HTML-to-text of one part's decoded UTF-8: fed pieces split
// anywhere (one byte at a time gives the same text), it keeps at most
// kMaxBuffer bytes of an unfinished tag name, reference or declaration, and
// never fails: malformed markup is read as browsers roughly read it.
class HtmlText {
 public:
  // Appends the text of `html` to *out (white space runs become one ' ').
  void feed(std::string_view html, std::string* out);
  // Ends the part: an unfinished "<" or reference is text; a trailing space
  // is dropped. The reducer is then ready for another part.
  void finish(std::string* out);

  // Bytes held for an unfinished tag name, reference or declaration (<= kMaxBuffer).
  size_t held_bytes() const { return buf_.size(); }

  static constexpr size_t kMaxBuffer = 32;  // longer references stay literal text

 private:
  enum class State {
    text, reference, tag_open, end_tag_open, tag_name, attributes, quoted,
    declaration, comment, bogus_comment, cdata, raw_text,
  };
  void step(char c, std::string* out);
  void text_bytes(std::string_view bytes, std::string* out);  // no white space in bytes
  void code_point(char32_t cp, std::string* out);
  void space() { space_ = started_; }
  void end_reference(std::string* out);
  void end_tag();

  State state_ = State::text;
  std::string buf_;           // tag name, reference or "<!" prefix so far (<= kMaxBuffer)
  bool long_name_ = false;    // the tag name passed kMaxBuffer: no element we know
  bool end_tag_ = false;      // the tag being read is "</name"
  bool after_eq_ = false;     // in attributes, after '=': a quote opens a value
  char quote_ = 0;            // the quote closing the current attribute value
  size_t dashes_ = 0;         // '-' before a comment's '>' or ']' before CDATA's '>'
  size_t comment_len_ = 0;    // characters of the comment so far (capped)
  std::string_view raw_end_;  // "</script" or "</style" while skipping their contents
  size_t raw_match_ = 0;      // bytes of raw_end_ matched so far
  bool started_ = false;      // some text was written: a space may follow
  bool space_ = false;        // a space is due before the next text
};

// HtmlText over a whole string.
std::string html_to_text(std::string_view html);

}  // namespace loft::proto::mime
