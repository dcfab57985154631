// RFC 4469 §5 CATENATE grammar for the framer (catenate_parse.h).
#include "protocol/imap/catenate_parse.h"

#include "base/bytes.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {
namespace {

constexpr std::string_view kCatenate = "CATENATE";

// After the append-opts: "CATENATE" SP "(" starts the list. base is the
// offset of the reader's text in the caller's.
CatenateHead after_opts(const Reader& r, CmdAppend cmd, size_t base, size_t text_size) {
  CatenateHead h;
  std::string_view rem = r.remaining();
  if (rem.size() < kCatenate.size() || !iequals(rem.substr(0, kCatenate.size()), kCatenate)) return h;
  if (rem.size() > kCatenate.size() && is_atom_char(static_cast<unsigned char>(rem[kCatenate.size()]))) return h;
  if (rem.substr(kCatenate.size(), 2) != " (") {
    h.kind = CatenateHead::Kind::error;
    h.error = "CATENATE needs a parenthesised list of parts";
    return h;
  }
  h.kind = CatenateHead::Kind::catenate;
  h.cmd = std::move(cmd);
  h.cmd.catenate = true;
  h.cmd.sync = false;  // the parts' literals are decided one by one
  h.list_start = base + (text_size - base - rem.size()) + kCatenate.size() + 2;
  return h;
}

CatSegment segment_error(std::string message) {
  CatSegment s;
  s.end = CatSegment::End::error;
  s.error = std::move(message);
  return s;
}

}  // namespace

CatenateHead classify_catenate(std::string_view text, const ParserLimits& limits) {
  AppendHead head;
  std::string_view rest;
  // A malformed start, or a line that ends inside the mailbox (its literal
  // follows), is left to the caller: the message-literal path reports it.
  if (!read_append_command(text, &head, &rest)) return {};
  Reader r(rest, limits);
  if (!parse_append_args(&r, &head.cmd)) return {};
  return after_opts(r, std::move(head.cmd), text.size() - rest.size(), text.size());
}

CatenateHead classify_next_catenate(std::string_view tail, const ParserLimits& limits) {
  Reader r(tail, limits);
  CmdAppend cmd;
  if (!r.expect_sp() || !parse_append_opts(&r, &cmd)) return {};
  return after_opts(r, std::move(cmd), 0, tail.size());
}

CatSegment parse_cat_segment(std::string_view seg, bool need_sp, const LiteralSpec& lit, const ParserLimits& limits) {
  CatSegment out;
  Reader r(seg, limits);
  bool any = need_sp;
  while (true) {
    if (r.peek() == ')') {
      // RFC 4469 §5: at least one cat-part.
      if (!any) return segment_error("CATENATE needs at least one part");
      r.skip_if(')');
      out.end = CatSegment::End::close;
      out.rest = seg.size() - r.remaining().size();
      return out;
    }
    if (r.at_end() || (any && r.remaining() == " ")) {
      return segment_error(lit.present ? "A literal must follow TEXT or URL in CATENATE"
                                       : "CATENATE list without its closing parenthesis");
    }
    if (any && !r.expect_sp()) return segment_error(r.error());
    std::string name;
    if (!r.read_atom(&name)) return segment_error(r.error());
    bool text = iequals(name, "TEXT");
    if (!text && !iequals(name, "URL")) return segment_error("Invalid CATENATE part " + name);
    if (!r.expect_sp()) return segment_error(r.error());
    if (r.at_end() && lit.present) {
      // RFC 4469 §5 url = "URL" SP astring: a literal, never a literal8.
      if (!text && lit.literal8) return segment_error("Literal8 not allowed for a URL");
      out.end = text ? CatSegment::End::text : CatSegment::End::url_literal;
      return out;
    }
    if (text) return segment_error("TEXT needs a literal");
    std::string url;
    if (!r.read_astring(&url)) return segment_error(r.error());
    out.urls.push_back(std::move(url));
    any = true;
  }
}

size_t literal_header_size(std::string_view line, const LiteralSpec& lit) {
  if (!lit.present) return 0;
  size_t open = line.rfind('{');
  if (open == std::string_view::npos) return 0;
  return line.size() - open + (lit.literal8 ? 1 : 0);
}

}  // namespace loft::proto::imap
