// Test helpers: render parser events and commands as short strings so that
// whole event streams can be compared with one CHECK.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "protocol/imap/parser.h"

// Lets failed CHECKs print event lists.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string>& v) {
    std::string s = "{";
    for (const std::string& e : v) s += (s.size() > 1 ? ", \"" : "\"") + e + "\"";
    return (s + "}").c_str();
  }
};

namespace loft::proto::imap::test {

// One FETCH item as text, e.g. "BODY.PEEK[1.2.HEADER.FIELDS (A B)]<0.10>".
inline std::string describe(const FetchAtt& a) {
  using K = FetchAtt::Kind;
  switch (a.kind) {
    case K::flags: return "FLAGS";
    case K::uid: return "UID";
    case K::internaldate: return "INTERNALDATE";
    case K::rfc822_size: return "RFC822.SIZE";
    case K::envelope: return "ENVELOPE";
    case K::body_structure: return "BODYSTRUCTURE";
    case K::body: return "BODY";
    case K::rfc822: return "RFC822";
    case K::rfc822_header: return "RFC822.HEADER";
    case K::rfc822_text: return "RFC822.TEXT";
    case K::section: break;
  }
  std::string s = a.peek ? "BODY.PEEK[" : "BODY[";
  for (size_t i = 0; i < a.part.size(); ++i) s += (i ? "." : "") + std::to_string(a.part[i]);
  static const char* const kText[] = {"", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"};
  const char* text = kText[static_cast<int>(a.text)];
  if (*text && !a.part.empty()) s += ".";
  s += text;
  if (!a.header_fields.empty()) {
    s += " (";
    for (size_t i = 0; i < a.header_fields.size(); ++i) s += (i ? " " : "") + a.header_fields[i];
    s += ")";
  }
  s += "]";
  if (a.partial_offset) s += "<" + std::to_string(*a.partial_offset) + "." + std::to_string(a.partial_length) + ">";
  return s;
}

// A command as text: "tag NAME args".
inline std::string describe(const Command& c) {
  struct V {
    std::string operator()(const CmdCapability&) const { return "CAPABILITY"; }
    std::string operator()(const CmdNoop&) const { return "NOOP"; }
    std::string operator()(const CmdLogout&) const { return "LOGOUT"; }
    std::string operator()(const CmdStartTls&) const { return "STARTTLS"; }
    std::string operator()(const CmdAuthenticate& a) const {
      return "AUTHENTICATE " + a.mechanism + (a.initial_response ? " ir=" + *a.initial_response : "");
    }
    std::string operator()(const CmdLogin& l) const { return "LOGIN [" + l.user + "] [" + l.password + "]"; }
    std::string operator()(const CmdSelect& s) const {
      return (s.read_only ? "EXAMINE [" : "SELECT [") + s.mailbox + "]";
    }
    std::string operator()(const CmdFetch& f) const {
      std::string s = (f.uid ? "UID FETCH " : "FETCH ") + f.set.to_string() + " (";
      for (size_t i = 0; i < f.items.size(); ++i) s += (i ? " " : "") + describe(f.items[i]);
      return s + ")";
    }
    std::string operator()(const CmdCompress& c) const { return "COMPRESS " + c.mechanism; }
    std::string operator()(const CmdIdle&) const { return "IDLE"; }
  };
  return c.tag + " " + std::visit(V{}, c.body);
}

// A parser event as text; need_more is "".
inline std::string describe(const ParseEvent& ev) {
  switch (ev.kind) {
    case ParseEvent::Kind::need_more: return "";
    case ParseEvent::Kind::need_literal: return "+" + std::to_string(ev.literal_size);
    case ParseEvent::Kind::command: return describe(*ev.command);
    case ParseEvent::Kind::error:
      return std::string(ev.error.fatal ? "FATAL " : "BAD ") + ev.error.tag + " " + ev.error.message;
  }
  return "?";
}

// Feeds each chunk in turn, collecting every event except need_more, up to
// the first fatal error.
inline std::vector<std::string> feed_chunks(Parser& p, const std::vector<std::string_view>& chunks) {
  std::vector<std::string> out;
  for (std::string_view chunk : chunks) {
    while (true) {
      ParseEvent ev = p.feed(&chunk);
      if (ev.kind != ParseEvent::Kind::need_more) out.push_back(describe(ev));
      if (ev.kind == ParseEvent::Kind::error && ev.error.fatal) return out;  // the stream is over
      if (ev.kind == ParseEvent::Kind::need_more || chunk.empty()) break;
    }
  }
  return out;
}

// Feeds all of input at once.
inline std::vector<std::string> feed_all(std::string_view input, ParserLimits limits = {}) {
  Parser p(limits);
  return feed_chunks(p, {input});
}

// Parses one command text (no final CRLF) with default limits: the command
// as text, or "BAD tag message".
inline std::string parse(std::string_view text, ParserLimits limits = {}) {
  ParseResult r = parse_command(text, limits);
  if (r.command) return describe(*r.command);
  return "BAD " + r.error.tag + " " + r.error.message;
}

}  // namespace loft::proto::imap::test
