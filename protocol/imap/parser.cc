// Incremental framing of IMAP commands: lines, literals, limits and recovery
// (RFC 3501 §4.3 and §7.5, RFC 7888 LITERAL+). Argument parsing is in
// parse_command.cc once a whole command has been framed.
#include "protocol/imap/parser.h"

#include <algorithm>

#include "protocol/imap/catenate_parse.h"
#include "protocol/imap/message_parse.h"
#include "protocol/imap/reader.h"
#include "protocol/imap/utf8_accept.h"

namespace loft::proto::imap {
namespace {

ParseEvent error_event(std::string tag, std::string message, bool fatal) {
  ParseEvent ev;
  ev.kind = ParseEvent::Kind::error;
  ev.error = ParseError{std::move(tag), std::move(message), fatal};
  return ev;
}

// The tag of an over-long command whose text starts with head (then rest).
// Only the first max_line bytes are looked at, so the answer does not depend
// on how the bytes were split into pieces.
std::string tag_of(std::string_view head, std::string_view rest, size_t max_line) {
  if (head.size() >= max_line) return readable_tag(head.substr(0, max_line));
  std::string window(head);
  window.append(rest.substr(0, max_line - head.size()));
  return readable_tag(window);
}

}  // namespace

Parser::Parser(ParserLimits limits) : limits_(limits) {}

void Parser::clear_line() {
  // A buffer grown for one large command is released after it, so a
  // connection does not keep that capacity for life.
  if (line_.capacity() > kKeepCapacity) std::string().swap(line_);
  else line_.clear();
  seg_len_ = 0;
  line_bytes_ = 0;
  literals_total_ = 0;
  quote_.reset();
}

void Parser::clear_command() {
  clear_line();
  literal_left_ = 0;
  message_tail_ = false;
  message_utf8_ = false;
  end_catenate();
}

void Parser::reset() {
  clear_command();
  tail_.clear();
  skip_raw_ = false;
  mode_ = Mode::line;
  fatal_ = {};
}

size_t Parser::buffered() const { return line_.size() + cat_queued_; }

ParseEvent Parser::feed(std::string_view* input) {
  ParseEvent ev;
  while (true) {
    // RFC 4469: the parts of a line already read go out one by one, before
    // any further input is looked at.
    if (!cat_items_.empty()) {
      if (pop_cat_item(&ev)) return ev;
      continue;
    }
    switch (mode_) {
      case Mode::failed:
        input->remove_prefix(input->size());
        return error_event(fatal_.tag, fatal_.message, true);
      case Mode::literal: {
        if (input->empty()) return {};
        size_t take = static_cast<size_t>(std::min<uint64_t>(literal_left_, input->size()));
        line_.append(input->data(), take);
        input->remove_prefix(take);
        literal_left_ -= take;
        if (literal_left_ == 0) mode_ = Mode::line;
        break;
      }
      case Mode::message_wait:
        accept_message();
        break;
      case Mode::message: {
        if (input->empty()) return {};
        size_t take = static_cast<size_t>(std::min<uint64_t>(literal_left_, input->size()));
        ev.kind = ParseEvent::Kind::message_data;
        ev.data = input->substr(0, take);
        input->remove_prefix(take);
        literal_left_ -= take;
        if (literal_left_ == 0) mode_ = Mode::line;
        return ev;
      }
      case Mode::skip_line:
      case Mode::skip_literal:
        if (!skip(input)) return {};
        break;
      case Mode::line:
        if (input->empty()) return {};
        if (take_line_bytes(input, &ev)) return ev;
        break;
    }
  }
}

// Moves bytes of a line from input into line_; true when ev is to be reported.
bool Parser::take_line_bytes(std::string_view* input, ParseEvent* ev) {
  size_t lf = input->find('\n');
  std::string_view chunk = input->substr(0, lf);
  bool ends_cr = chunk.empty() ? (seg_len_ > 0 && line_.back() == '\r') : chunk.back() == '\r';
  // A trailing CR may be the first half of CRLF, so it does not count yet.
  size_t content = line_bytes_ + chunk.size() - (ends_cr ? 1 : 0);
  if (content > limits_.max_line) {
    std::string tag = message_tail_ ? message_tag_ : tag_of(line_, chunk, limits_.max_line);
    start_skip(chunk, false);
    input->remove_prefix(chunk.size());  // the LF, if any, is consumed by skip()
    *ev = error_event(std::move(tag), "Line too long", false);
    return true;
  }
  quote_.scan(chunk);
  line_.append(chunk);
  seg_len_ += chunk.size();
  line_bytes_ += chunk.size();
  input->remove_prefix(chunk.size());
  if (lf == std::string_view::npos) return false;
  input->remove_prefix(1);
  return end_segment(ev);
}

// A line of the command ended (LF consumed): either a literal follows or the
// command is complete.
bool Parser::end_segment(ParseEvent* ev) {
  if (seg_len_ > 0 && line_.back() == '\r') {  // CRLF or, like Dovecot, a bare LF
    line_.pop_back();
    --seg_len_;
    --line_bytes_;
  }
  LiteralSpec lit;
  if (!quote_.in_quote()) lit = literal_suffix(std::string_view(line_).substr(line_.size() - seg_len_));
  seg_len_ = 0;
  quote_.reset();
  if (cat_) return end_cat_segment(lit);
  if (message_tail_) return end_message(std::move(line_), lit, ev);
  if (lit.present && !lit.sync && lit.size > limits_.max_nonsync_literal) {
    // RFC 7888 §4 (LITERAL-): BAD, and the bytes cannot be trusted to follow.
    fatal_ = ParseError{readable_tag(line_), "[TOOBIG] Non-synchronizing literal too big", true};
    clear_command();
    mode_ = Mode::failed;
    *ev = error_event(fatal_.tag, fatal_.message, true);
    return true;
  }
  if (carries_message(line_)) {
    // RFC 4469: "APPEND mailbox [flags] [date] CATENATE (" starts a list of parts.
    CatenateHead cat = classify_catenate(line_, limits_);
    if (cat.kind == CatenateHead::Kind::catenate) {
      std::string line = std::move(line_);
      std::string tag = readable_tag(line);
      clear_command();
      return start_catenate(std::move(cat.cmd), std::move(tag), true, std::string_view(line).substr(cat.list_start),
                            lit, ev);
    }
    if (cat.kind == CatenateHead::Kind::error) {
      std::string tag = readable_tag(line_);
      clear_command();
      if (lit.present && !lit.sync) skip_literal_of_line(lit.size);
      *ev = error_event(std::move(tag), std::move(cat.error), false);
      if (mode_ == Mode::failed) ev->error = fatal_;
      return true;
    }
  }
  std::string_view append_head;
  bool utf8_item = false;
  if (lit.present && carries_message(line_)) {
    append_head = std::string_view(line_).substr(0, line_.rfind('{') - (lit.literal8 ? 1 : 0));
    // RFC 6855 §4: UTF8 (literal8) is a message with UTF-8 headers; RFC 3516
    // §4.4 (BINARY): a bare literal8 is a message that may carry binary data.
    utf8_item = lit.literal8 && strip_utf8_data_item(&append_head);
  }
  if (lit.present && carries_message(line_)) {
    AppendHead head = classify_append(append_head, lit.size, lit.sync, limits_);
    if (head.kind == AppendHead::Kind::message) {
      head.cmd.message_size = lit.size;
      head.cmd.utf8 = utf8_item;
      std::string tag = readable_tag(line_);
      ev->command = Command{tag, std::move(head.cmd)};
      bool started = start_message(lit, ev, true);
      message_utf8_ = utf8_item && ev->kind == ParseEvent::Kind::message_start;
      return started;
    }
    if (head.kind == AppendHead::Kind::error) {
      std::string tag = readable_tag(line_);
      clear_command();
      // A synchronising literal is not sent after a BAD (RFC 3501 §7.5); a
      // non-synchronising one is on its way and is discarded.
      if (!lit.sync) skip_literal_of_line(lit.size);
      *ev = error_event(std::move(tag), std::move(head.error), false);
      if (mode_ == Mode::failed) ev->error = fatal_;
      return true;
    }
  }
  if (!lit.present) {
    ParseResult res = parse_command(line_, limits_);
    clear_command();
    if (res.command) {
      ev->kind = ParseEvent::Kind::command;
      ev->command = std::move(res.command);
    } else {
      *ev = error_event(std::move(res.error.tag), std::move(res.error.message), false);
    }
    return true;
  }
  // Only a message (APPEND's argument) may be large; any other literal is a
  // name, a string or a search key and is bounded like a line, so a command
  // that needs no big buffer never gets one.
  uint64_t max_literal = carries_message(line_) ? limits_.max_literal : std::min<uint64_t>(limits_.max_literal, limits_.max_line);
  bool too_big = lit.size > max_literal || lit.size > limits_.max_literals_total - literals_total_;
  if (lit.sync && (too_big || lit.literal8)) {
    // RFC 3501 §7.5: without a "+" the client does not send the literal,
    // so the command can be dropped and the stream stays in sync.
    std::string tag = readable_tag(line_);
    clear_command();
    *ev = error_event(std::move(tag), too_big ? "[TOOBIG] Literal too big" : "Literal8 not supported", false);
    return true;
  }
  if (too_big) {
    // RFC 7888 §4: the bytes are coming anyway and cannot be buffered.
    fatal_ = ParseError{readable_tag(line_), "[TOOBIG] Literal too big", true};
    clear_command();
    mode_ = Mode::failed;
    *ev = error_event(fatal_.tag, fatal_.message, true);
    return true;
  }
  literals_total_ += lit.size;
  line_.append("\r\n");  // normalise a bare LF for parse_command
  literal_left_ = lit.size;
  mode_ = lit.size > 0 ? Mode::literal : Mode::line;
  if (!lit.sync) return false;
  ev->kind = ParseEvent::Kind::need_literal;
  ev->literal_size = lit.size;
  return true;
}

// APPEND's message literal was announced (ev->command holds the APPEND):
// its bytes are handed out as they come, never buffered. first: the
// command's first message (later ones are RFC 3502 MULTIAPPEND's).
bool Parser::start_message(const LiteralSpec& lit, ParseEvent* ev, bool first) {
  std::string tag = ev->command->tag;
  CmdAppend& cmd = std::get<CmdAppend>(ev->command->body);
  clear_command();
  if (first) begin_messages(cmd);
  cmd.index = message_count_;
  std::string refusal;
  if (lit.size > limits_.max_literal) refusal = "[TOOBIG] Message too big";
  else if (lit.size > limits_.max_append_total - std::min(message_bytes_, limits_.max_append_total))
    refusal = "[TOOBIG] The messages of this APPEND are too big together";
  else if (message_count_ >= limits_.max_append_messages)
    refusal = "[LIMIT] Too many messages in one APPEND";
  else if (!lit.sync && lit.size > limits_.max_nonsync_literal)
    refusal = "[TOOBIG] Non-synchronizing literal too big";
  if (!refusal.empty()) {
    if (lit.sync) {  // RFC 7889 §4: NO [TOOBIG]; the client sends nothing more
      *ev = error_event(std::move(tag), std::move(refusal), false);
      ev->error.refused = true;
      return true;
    }
    // RFC 7888 §4: the bytes come regardless. One within max_literal is
    // skipped (with the rest of its line); a larger one ends the stream.
    if (lit.size <= limits_.max_literal && lit.size <= limits_.max_nonsync_literal) {
      skip_literal_of_line(lit.size);
      *ev = error_event(std::move(tag), std::move(refusal), false);
      ev->error.refused = true;
      return true;
    }
    fatal_ = ParseError{tag, std::move(refusal), true};
    mode_ = Mode::failed;
    *ev = error_event(fatal_.tag, fatal_.message, true);
    return true;
  }
  ++message_count_;
  message_bytes_ += lit.size;
  message_tail_ = true;
  message_tag_ = std::move(tag);
  literal_left_ = lit.size;
  mode_ = lit.sync ? Mode::message_wait : (lit.size > 0 ? Mode::message : Mode::line);
  ev->kind = ParseEvent::Kind::message_start;
  ev->literal_size = lit.size;
  return true;
}

void Parser::begin_messages(const CmdAppend& first) {
  message_count_ = 0;
  message_bytes_ = 0;
  message_mailbox_ = first.mailbox;
  message_replace_ = first.replace.has_value();
}

void Parser::accept_message() {
  if (mode_ == Mode::message_wait) mode_ = literal_left_ > 0 ? Mode::message : Mode::line;
}

void Parser::reject_message() {
  if (mode_ != Mode::message_wait) return;
  clear_command();  // a CATENATE list ends with its refused TEXT part too
  mode_ = Mode::line;
}

// The line after a message literal ended: CRLF ends the APPEND; RFC 3502
// MULTIAPPEND allows another "SP [flag-list SP] [date-time SP] literal".
bool Parser::end_message(std::string tail, const LiteralSpec& lit, ParseEvent* ev) {
  std::string tag = std::move(message_tag_);
  bool utf8 = std::exchange(message_utf8_, false);
  clear_command();
  // RFC 6855 §4: UTF8 (literal8) closes its parenthesis after the message.
  bool unclosed = utf8 && (tail.empty() || tail.front() != ')');
  if (utf8 && !unclosed) tail.erase(0, 1);
  if (tail.empty() && !unclosed) {
    ev->kind = ParseEvent::Kind::message_end;
    return true;
  }
  std::string error = "Unexpected arguments after the message";
  CatenateHead cat;
  if (!unclosed && !message_replace_) cat = classify_next_catenate(tail, limits_);
  if (cat.kind == CatenateHead::Kind::catenate) {  // RFC 4469 §5 with RFC 3502
    cat.cmd.mailbox = message_mailbox_;
    return start_catenate(std::move(cat.cmd), std::move(tag), false, std::string_view(tail).substr(cat.list_start), lit,
                          ev);
  }
  if (cat.kind == CatenateHead::Kind::error) {
    error = std::move(cat.error);
  } else if (!unclosed && lit.present && !message_replace_) {
    // RFC 3502 with RFC 3516 §4.4: a further message may be a literal8 too.
    AppendHead head = classify_next_message(
        std::string_view(tail).substr(0, tail.rfind('{') - (lit.literal8 ? 1 : 0)), lit.size, lit.sync, limits_);
    if (head.kind == AppendHead::Kind::message) {
      head.cmd.mailbox = message_mailbox_;
      ev->command = Command{std::move(tag), std::move(head.cmd)};
      return start_message(lit, ev, false);
    }
    error = std::move(head.error);
  }
  if (lit.present && !lit.sync) skip_literal_of_line(lit.size);
  *ev = error_event(tag, unclosed ? std::string("UTF8 data item without its closing parenthesis") : std::move(error),
                    false);
  if (mode_ == Mode::failed) ev->error = fatal_;
  return true;
}

// Discards a non-synchronising literal the client is sending after a
// refused line, then the rest of its line; fatal above max_literal.
void Parser::skip_literal_of_line(uint64_t size) {
  tail_.clear();
  quote_.reset();
  skip_raw_ = false;
  if (size > limits_.max_literal) {
    fatal_ = ParseError{"*", "[TOOBIG] Literal too big", true};
    mode_ = Mode::failed;
    return;
  }
  literal_left_ = size;
  mode_ = Mode::skip_literal;
}

// Drops the buffered command and starts discarding up to the next LF; chunk
// is the part of the line not yet in line_.
void Parser::start_skip(std::string_view chunk, bool raw) {
  tail_.clear();
  if (!raw) {
    tail_.append(std::string_view(line_).substr(line_.size() - seg_len_));
    tail_.append(chunk);
    quote_.scan(chunk);
  }
  QuoteTracker quote = quote_;  // the skipped line's state outlives the command
  clear_command();
  quote_ = quote;
  skip_raw_ = raw;
  mode_ = Mode::skip_line;
}

// Discards the rest of an over-long line (and any non-synchronising literal
// it announces, whose bytes follow regardless). True once done.
bool Parser::skip(std::string_view* input) {
  if (mode_ == Mode::skip_literal) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(literal_left_, input->size()));
    input->remove_prefix(take);
    literal_left_ -= take;
    if (literal_left_ > 0) return false;
    mode_ = Mode::skip_line;
    tail_.clear();
    quote_.reset();
  }
  size_t lf = input->find('\n');
  std::string_view chunk = input->substr(0, lf);
  if (!skip_raw_) {
    quote_.scan(chunk);
    tail_.append(chunk);
  }
  input->remove_prefix(chunk.size());
  if (lf == std::string_view::npos) return false;
  input->remove_prefix(1);
  LiteralSpec lit;
  if (!skip_raw_ && !quote_.in_quote()) {
    std::string_view t = tail_.view();
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    lit = literal_suffix(t);
  }
  tail_.clear();
  quote_.reset();
  if (lit.present && !lit.sync) {
    if (lit.size > limits_.max_literal) {
      fatal_ = ParseError{"*", "[TOOBIG] Literal too big", true};
      mode_ = Mode::failed;
      return true;
    }
    literal_left_ = lit.size;
    mode_ = Mode::skip_literal;
    return true;
  }
  skip_raw_ = false;
  mode_ = Mode::line;
  return true;
}

Parser::LineStatus Parser::read_line(std::string_view* input, std::string* line) {
  while (mode_ == Mode::skip_line || mode_ == Mode::skip_literal) {
    if (!skip(input)) return LineStatus::need_more;
  }
  if (mode_ == Mode::failed) {
    input->remove_prefix(input->size());
    return LineStatus::too_long;
  }
  if (mode_ == Mode::literal || mode_ == Mode::message || mode_ == Mode::message_wait || cat_ || !cat_items_.empty())
    clear_command();  // misuse mid-command: start afresh
  mode_ = Mode::line;
  size_t lf = input->find('\n');
  std::string_view chunk = input->substr(0, lf);
  bool ends_cr = chunk.empty() ? (!line_.empty() && line_.back() == '\r') : chunk.back() == '\r';
  if (line_.size() + chunk.size() - (ends_cr ? 1 : 0) > limits_.max_line) {
    start_skip(chunk, true);
    input->remove_prefix(chunk.size());
    if (lf != std::string_view::npos) skip(input);  // consumes the LF at once
    return LineStatus::too_long;
  }
  line_.append(chunk);
  input->remove_prefix(chunk.size());
  if (lf == std::string_view::npos) return LineStatus::need_more;
  input->remove_prefix(1);
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  line->swap(line_);
  clear_command();
  return LineStatus::line;
}

}  // namespace loft::proto::imap
