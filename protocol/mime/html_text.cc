// HTML to text for SEARCH (see html_text.h). The states follow the HTML
// Living Standard's tokenizer (§13.2.5) closely enough for text: tag open,
// end tag open, tag name, attributes (a quoted value may hold '>'), markup
// declarations (comments, CDATA, DOCTYPE as a bogus comment), and the raw
// text of <script> and <style>, which ends only at their end tag.
#include "protocol/mime/html_text.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "base/bytes.h"
#include "base/utf8.h"
#include "protocol/mime/html_entities.h"

namespace loft::proto::mime {

namespace {

// Elements that start a new line or box when rendered: text on either side
// of their tags is two words (`a<br>b`, `<td>a</td><td>b</td>`). Inline
// elements (b, i, span, a, font...) join text: `<b>W</b>ord` is one word.
constexpr std::string_view kBlocks[] = {
    "address", "article", "aside", "blockquote", "body", "br", "button", "caption", "center",
    "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "frame", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr",
    "html", "iframe", "legend", "li", "main", "menu", "nav", "ol", "option", "p", "pre",
    "section", "select", "summary", "table", "tbody", "td", "textarea", "tfoot", "th", "thead",
    "title", "tr", "ul",
};

bool is_block(std::string_view name) {
  return std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

void HtmlText::feed(std::string_view html, std::string* out) {
  size_t i = 0;
  while (i < html.size()) {
    if (state_ == State::text) {
      // The bulk of a part: copy runs of plain text at once.
      size_t end = i;
      while (end < html.size() && html[end] != '<' && html[end] != '&' && !is_space(html[end])) ++end;
      if (end > i) {
        text_bytes(html.substr(i, end - i), out);
        i = end;
        continue;
      }
    } else if (state_ == State::quoted || state_ == State::bogus_comment ||
               (state_ == State::raw_text && raw_match_ == 0)) {
      // Skipped bytes: jump to the one byte that can change the state.
      char stop = state_ == State::quoted ? quote_ : state_ == State::bogus_comment ? '>' : '<';
      size_t at = html.find(stop, i);
      if (at == std::string_view::npos) return;
      i = at;
    }
    step(html[i++], out);
  }
}

void HtmlText::finish(std::string* out) {
  switch (state_) {
    case State::reference:
      text_bytes("&", out);
      text_bytes(buf_, out);
      break;
    case State::tag_open:
      text_bytes("<", out);
      break;
    case State::end_tag_open:
      text_bytes("</", out);
      break;
    case State::cdata:
      text_bytes(std::string(dashes_, ']'), out);
      break;
    default:
      break;
  }
  *this = HtmlText();
}

void HtmlText::text_bytes(std::string_view bytes, std::string* out) {
  if (bytes.empty()) return;
  if (space_) out->push_back(' ');
  space_ = false;
  started_ = true;
  out->append(bytes);
}

void HtmlText::code_point(char32_t cp, std::string* out) {
  // A reference to white space or to U+00A0 (&nbsp;) separates words like a
  // space: "a&nbsp;b" is found by "a b".
  if (cp == 0x20 || cp == 0x09 || cp == 0x0A || cp == 0x0D || cp == 0x0C || cp == 0xA0) {
    space();
    return;
  }
  std::string bytes;
  loft::append_utf8(&bytes, cp);
  text_bytes(bytes, out);
}

void HtmlText::end_reference(std::string* out) {
  char32_t cp = html_reference(buf_);
  if (cp != 0) {
    code_point(cp, out);
  } else {  // not a reference we know: the text as written
    text_bytes("&", out);
    text_bytes(buf_, out);
    text_bytes(";", out);
  }
  buf_.clear();
  state_ = State::text;
}

void HtmlText::end_tag() {
  std::string_view name = long_name_ ? std::string_view() : std::string_view(buf_);
  state_ = State::text;
  if (!end_tag_ && (name == "script" || name == "style")) {
    // Their contents are program text, not shown: skip to "</script" or "</style".
    raw_end_ = name == "script" ? "</script" : "</style";
    raw_match_ = 0;
    state_ = State::raw_text;
  }
  if (is_block(name)) space();
  buf_.clear();
  long_name_ = false;
}

void HtmlText::step(char c, std::string* out) {
  switch (state_) {
    case State::text:
      if (c == '<') {
        state_ = State::tag_open;
      } else if (c == '&') {
        state_ = State::reference;
        buf_.clear();
      } else if (is_space(c)) {
        space();
      } else {
        text_bytes(std::string_view(&c, 1), out);
      }
      return;
    case State::reference:
      if (c == ';' && !buf_.empty()) {
        end_reference(out);
      } else if ((is_alpha(c) || is_ascii_digit(c) || (c == '#' && buf_.empty())) && buf_.size() < kMaxBuffer) {
        buf_.push_back(c);
      } else {  // no reference ("AT&T", "a & b", or too long): the text as written
        text_bytes("&", out);
        text_bytes(buf_, out);
        buf_.clear();
        state_ = State::text;
        step(c, out);
      }
      return;
    case State::tag_open:
      if (c == '!') {
        state_ = State::declaration;
        buf_.clear();
      } else if (c == '/') {
        state_ = State::end_tag_open;
      } else if (is_alpha(c)) {
        state_ = State::tag_name;
        end_tag_ = false;
        buf_.assign(1, ascii_lower_char(c));
      } else if (c == '?') {
        state_ = State::bogus_comment;  // <?xml ...?>: a processing instruction, hidden
      } else {  // "a < b": the '<' is text
        state_ = State::text;
        text_bytes("<", out);
        step(c, out);
      }
      return;
    case State::end_tag_open:
      if (is_alpha(c)) {
        state_ = State::tag_name;
        end_tag_ = true;
        buf_.assign(1, ascii_lower_char(c));
      } else {
        state_ = c == '>' ? State::text : State::bogus_comment;  // "</>" is nothing
      }
      return;
    case State::tag_name:
      if (c == '>') {
        end_tag();
      } else if (is_space(c) || c == '/') {
        state_ = State::attributes;
        after_eq_ = false;
      } else if (buf_.size() < kMaxBuffer) {
        buf_.push_back(ascii_lower_char(c));
      } else {
        long_name_ = true;
      }
      return;
    case State::attributes:
      if (c == '>') {
        end_tag();
      } else if (c == '=') {
        after_eq_ = true;
      } else if (after_eq_ && (c == '"' || c == '\'')) {
        quote_ = c;
        state_ = State::quoted;
      } else if (!is_space(c)) {
        after_eq_ = false;
      }
      return;
    case State::quoted:
      if (c == quote_) {
        state_ = State::attributes;
        after_eq_ = false;
      }
      return;
    case State::declaration: {
      // After "<!": "--" opens a comment, "[CDATA[" a CDATA section, anything
      // else (DOCTYPE) is a bogus comment up to '>'.
      buf_.push_back(c);
      constexpr std::string_view kComment = "--", kCdata = "[CDATA[";
      if (buf_ == kComment) {
        state_ = State::comment;
        dashes_ = 0;
        comment_len_ = 0;
        buf_.clear();
      } else if (buf_ == kCdata) {
        state_ = State::cdata;
        dashes_ = 0;
        buf_.clear();
      } else if (!kComment.starts_with(buf_) && !kCdata.starts_with(buf_)) {
        state_ = c == '>' ? State::text : State::bogus_comment;
        buf_.clear();
      }
      return;
    }
    case State::comment:
      // Ends at "-->"; "<!-->" and "<!--->" are empty comments (§13.2.5.43).
      if (c == '>' && (dashes_ >= 2 || (comment_len_ <= 1 && comment_len_ == dashes_))) {
        state_ = State::text;
        return;
      }
      dashes_ = c == '-' ? dashes_ + 1 : 0;
      comment_len_ = std::min<size_t>(comment_len_ + 1, 2);
      return;
    case State::bogus_comment:
      if (c == '>') state_ = State::text;
      return;
    case State::cdata:
      // Text up to "]]>", as written (no references, no tags).
      if (c == ']') {
        ++dashes_;
      } else if (c == '>' && dashes_ >= 2) {
        text_bytes(std::string(dashes_ - 2, ']'), out);
        state_ = State::text;
      } else {
        text_bytes(std::string(dashes_, ']'), out);
        dashes_ = 0;
        if (is_space(c)) {
          space();
        } else {
          text_bytes(std::string_view(&c, 1), out);
        }
      }
      return;
    case State::raw_text:
      if (raw_match_ == raw_end_.size()) {  // "</script" seen: is it the end tag?
        if (c == '>' || c == '/' || is_space(c)) {
          state_ = State::attributes;  // the end tag's rest, up to '>'
          end_tag_ = true;
          after_eq_ = false;
          buf_.clear();
          if (c == '>') end_tag();
          return;
        }
        raw_match_ = 0;
      }
      if (ascii_lower_char(c) == raw_end_[raw_match_]) {
        ++raw_match_;
      } else {
        raw_match_ = c == '<' ? 1 : 0;
      }
      return;
  }
}

std::string html_to_text(std::string_view html) {
  std::string out;
  HtmlText reducer;
  reducer.feed(html, &out);
  reducer.finish(&out);
  return out;
}

}  // namespace loft::proto::mime
