// RFC 4469 CATENATE in the incremental framer (parser.h): the parts of an
// APPEND message given as "CATENATE (" cat-part *(SP cat-part) ")". Each
// line of the list is read whole (a URL literal inline, as any small literal),
// its parts queued and reported one event at a time; a TEXT literal ends the
// line and is streamed like a message literal, never buffered.
#include "protocol/imap/catenate_parse.h"
#include "protocol/imap/parser.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

void Parser::end_catenate() {
  cat_ = false;
  cat_need_sp_ = false;
  cat_parts_ = 0;
  cat_text_bytes_ = 0;
  cat_items_.clear();
  cat_queued_ = 0;
}

// The first (first) or a further message is a CATENATE list; list is the
// line after "CATENATE (", with lit its trailing literal. The line must
// already be cleared.
bool Parser::start_catenate(CmdAppend cmd, std::string tag, bool first, std::string_view list, const LiteralSpec& lit,
                            ParseEvent* ev) {
  if (first) begin_messages(cmd);
  cmd.index = message_count_;
  message_tag_ = std::move(tag);
  cat_lit_ = lit;
  // RFC 3502: the same bound on messages as for literals; nothing of this
  // message has been reported, so the rest of the command is skipped.
  if (message_count_ >= limits_.max_append_messages)
    return refuse_catenate("[LIMIT] Too many messages in one APPEND", ev);
  ++message_count_;
  message_tail_ = true;
  cat_ = true;
  cat_parts_ = 0;
  cat_text_bytes_ = 0;
  cat_need_sp_ = false;
  queue_cat_segment(list, lit);
  ev->kind = ParseEvent::Kind::message_start;
  ev->command = Command{message_tag_, std::move(cmd)};
  return true;
}

// Reads the parts of one line of the list (segment, with its trailing
// literal header) into cat_items_: URLs, then what ends the line.
void Parser::queue_cat_segment(std::string_view segment, const LiteralSpec& lit) {
  size_t header = literal_header_size(segment, lit);
  cat_lit_ = lit;
  cat_lit_header_.assign(segment.substr(segment.size() - header));
  CatSegment parts = parse_cat_segment(segment.substr(0, segment.size() - header), cat_need_sp_, lit, limits_);
  auto push = [this](CatItem::Kind kind, std::string text) {
    cat_queued_ += text.size();
    cat_items_.push_back(CatItem{kind, std::move(text)});
  };
  if (parts.end == CatSegment::End::error) {  // BAD: none of the line's parts is reported
    push(CatItem::Kind::error, std::move(parts.error));
    return;
  }
  for (std::string& url : parts.urls) push(CatItem::Kind::url, std::move(url));
  switch (parts.end) {
    case CatSegment::End::text: push(CatItem::Kind::text, {}); break;
    case CatSegment::End::url_literal: push(CatItem::Kind::url_literal, {}); break;
    case CatSegment::End::close: push(CatItem::Kind::close, std::string(segment.substr(parts.rest))); break;
    case CatSegment::End::error: break;
  }
}

// A line of the list ended (end_segment): its parts are queued for feed.
bool Parser::end_cat_segment(const LiteralSpec& lit) {
  std::string segment = std::move(line_);
  clear_line();
  queue_cat_segment(segment, lit);
  return false;
}

bool Parser::pop_cat_item(ParseEvent* ev) {
  CatItem item = std::move(cat_items_.front());
  cat_items_.pop_front();
  cat_queued_ -= item.text.size();
  switch (item.kind) {
    case CatItem::Kind::url:
      if (++cat_parts_ > limits_.max_catenate_parts) return refuse_catenate("[LIMIT] Too many CATENATE parts", ev);
      cat_url_ = std::move(item.text);
      ev->kind = ParseEvent::Kind::catenate_url;
      ev->data = cat_url_;
      return true;
    case CatItem::Kind::text: return start_cat_text(ev);
    case CatItem::Kind::url_literal: return start_cat_url_literal(ev);
    case CatItem::Kind::close:
      // The list is complete: what follows is the end of the command or,
      // RFC 3502, the next message (a literal or another list).
      cat_ = false;
      return end_message(std::move(item.text), cat_lit_, ev);
    case CatItem::Kind::error: {
      std::string tag = message_tag_;
      LiteralSpec lit = cat_lit_;
      clear_command();
      // A synchronising literal is not sent after a BAD (RFC 3501 §7.5); a
      // non-synchronising one is on its way and is discarded.
      if (lit.present && !lit.sync) skip_literal_of_line(lit.size);
      ev->kind = ParseEvent::Kind::error;
      ev->error = mode_ == Mode::failed ? fatal_ : ParseError{std::move(tag), std::move(item.text), false};
      return true;
    }
  }
  return false;
}

// A TEXT part: its literal is bounded like a message's (the TEXT bytes of
// one message, and of the whole APPEND), then streamed as message_data.
bool Parser::start_cat_text(ParseEvent* ev) {
  const LiteralSpec lit = cat_lit_;
  if (++cat_parts_ > limits_.max_catenate_parts) return refuse_catenate("[LIMIT] Too many CATENATE parts", ev);
  if (lit.size > limits_.max_literal - std::min(cat_text_bytes_, limits_.max_literal))
    return refuse_catenate("[TOOBIG] Message too big", ev);  // RFC 4469 §4.2
  if (lit.size > limits_.max_append_total - std::min(message_bytes_, limits_.max_append_total))
    return refuse_catenate("[TOOBIG] The messages of this APPEND are too big together", ev);
  if (!lit.sync && lit.size > limits_.max_nonsync_literal)
    return refuse_catenate("[TOOBIG] Non-synchronizing literal too big", ev);  // RFC 7888 §4
  cat_text_bytes_ += lit.size;
  message_bytes_ += lit.size;
  literal_left_ = lit.size;
  cat_need_sp_ = true;
  mode_ = lit.sync ? Mode::message_wait : (lit.size > 0 ? Mode::message : Mode::line);
  ev->kind = ParseEvent::Kind::catenate_text;
  ev->literal_size = lit.size;
  ev->literal_sync = lit.sync;
  return true;
}

// A URL given as a literal: read into the line like any small literal
// ("URL {N}\r\n<bytes>"), then the line goes on and is parsed when it ends.
bool Parser::start_cat_url_literal(ParseEvent* ev) {
  const LiteralSpec lit = cat_lit_;
  if (lit.size > std::min<uint64_t>(limits_.max_literal, limits_.max_line) ||
      (!lit.sync && lit.size > limits_.max_nonsync_literal)) {
    std::string tag = message_tag_;
    clear_command();
    ev->kind = ParseEvent::Kind::error;
    if (lit.sync) {  // RFC 3501 §7.5: not sent without a "+"
      ev->error = ParseError{std::move(tag), "[TOOBIG] Literal too big", false};
      return true;
    }
    fatal_ = ParseError{std::move(tag), "[TOOBIG] Literal too big", true};  // RFC 7888 §4
    mode_ = Mode::failed;
    ev->error = fatal_;
    return true;
  }
  line_ = "URL " + cat_lit_header_ + "\r\n";
  literals_total_ = lit.size;
  literal_left_ = lit.size;
  cat_need_sp_ = false;
  mode_ = lit.size > 0 ? Mode::literal : Mode::line;
  if (!lit.sync) return false;
  ev->kind = ParseEvent::Kind::need_literal;
  ev->literal_size = lit.size;
  return true;
}

// A well-formed CATENATE refused by a limit (NO): the rest of the command is
// skipped, a LITERAL+ literal that ends the current line included.
bool Parser::refuse_catenate(std::string message, ParseEvent* ev) {
  std::string tag = message_tag_;
  LiteralSpec lit = cat_lit_;
  clear_command();
  mode_ = Mode::line;
  if (lit.present && !lit.sync) skip_literal_of_line(lit.size);
  ev->kind = ParseEvent::Kind::error;
  if (mode_ == Mode::failed) {
    ev->error = fatal_;
    ev->error.tag = tag;
    ev->error.message = message;
    fatal_ = ev->error;
    return true;
  }
  ev->error = ParseError{std::move(tag), std::move(message), false};
  ev->error.refused = true;
  return true;
}

}  // namespace loft::proto::imap
