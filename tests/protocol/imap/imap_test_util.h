// Test helpers: render parser events and commands as short strings so that
// whole event streams can be compared with one CHECK.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "protocol/imap/parser.h"
#include "mailbox_describe.h"

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
    case K::modseq: return "MODSEQ";
    case K::binary:
    case K::binary_size: {  // RFC 3516 §4.2
      std::string b = a.kind == K::binary_size ? "BINARY.SIZE[" : a.peek ? "BINARY.PEEK[" : "BINARY[";
      for (size_t i = 0; i < a.part.size(); ++i) b += (i ? "." : "") + std::to_string(a.part[i]);
      b += "]";
      if (a.partial_offset) b += "<" + std::to_string(*a.partial_offset) + "." + std::to_string(a.partial_length) + ">";
      return b;
    }
    case K::emailid: return "EMAILID";
    case K::threadid: return "THREADID";
    case K::savedate: return "SAVEDATE";
    case K::preview: return a.lazy ? "PREVIEW (LAZY)" : "PREVIEW";
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

// A search key as text: names upper-case, arguments in [], children in ().
inline std::string describe(const SearchKey& k) {
  using K = SearchKey::Kind;
  static const char* const kNames[] = {
      "ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "RECENT", "SEEN", "NEW", "OLD", "UNANSWERED",
      "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN", "KEYWORD", "UNKEYWORD", "BEFORE", "ON", "SINCE",
      "SENTBEFORE", "SENTON", "SENTSINCE", "LARGER", "SMALLER", "UID", "SET", "BCC", "CC", "FROM", "TO",
      "SUBJECT", "HEADER", "BODY", "TEXT", "NOT", "OR", "AND", "MODSEQ", "OLDER", "YOUNGER",
      "EMAILID", "THREADID", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE", "SAVEDATESUPPORTED"};
  std::string s = kNames[static_cast<int>(k.kind)];
  if (k.fuzzy) s = "FUZZY " + s;  // RFC 6203
  switch (k.kind) {
    case K::keyword: case K::unkeyword: case K::bcc: case K::cc: case K::from: case K::to:
    case K::subject: case K::body: case K::text: case K::emailid: case K::threadid: s += " [" + k.text + "]"; break;
    case K::header: s += " [" + k.field + "] [" + k.text + "]"; break;
    case K::before: case K::on: case K::since: case K::sent_before: case K::sent_on: case K::sent_since:
    case K::saved_before: case K::saved_on: case K::saved_since:
      s += " " + std::to_string(k.date); break;
    case K::larger: case K::smaller: case K::modseq: s += " " + std::to_string(k.number); break;
    case K::uid: case K::seqset: s += " " + k.set.to_string(); break;
    default: break;
  }
  if (!k.children.empty()) {
    s += " (";
    for (size_t i = 0; i < k.children.size(); ++i) s += (i ? " " : "") + describe(k.children[i]);
    s += ")";
  }
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
      std::string out = (s.read_only ? "EXAMINE [" : "SELECT [") + s.mailbox + "]";
      if (s.condstore) out += " CONDSTORE";
      if (const auto& q = s.qresync) {
        out += " QRESYNC " + std::to_string(q->uidvalidity) + " " + std::to_string(q->modseq);
        if (q->known_uids) out += " known=" + q->known_uids->to_string();
        if (q->match_seqs) out += " match=" + q->match_seqs->to_string() + "/" + q->match_uids->to_string();
      }
      return out;
    }
    std::string operator()(const CmdFetch& f) const {
      std::string s = (f.uid ? "UID FETCH " : "FETCH ") + f.set.to_string() + " (";
      for (size_t i = 0; i < f.items.size(); ++i) s += (i ? " " : "") + describe(f.items[i]);
      s += ")";
      if (f.changed_since) s += " CHANGEDSINCE " + std::to_string(*f.changed_since);
      if (f.vanished) s += " VANISHED";
      return s;
    }
    std::string operator()(const CmdCompress& c) const { return "COMPRESS " + c.mechanism; }
    std::string operator()(const CmdSearch& c) const {
      return std::string(c.uid ? "UID SEARCH" : "SEARCH") + (c.charset ? " CHARSET [" + *c.charset + "]" : "") +
             " " + describe(c.program);
    }
    static std::string flags(const FlagList& f) {
      std::string s = "(";
      static const char* const kNames[] = {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"};
      for (int i = 0; i < 5; ++i)
        if (f.system & (1u << i)) s += (s.size() > 1 ? " " : "") + std::string(kNames[i]);
      for (const auto& k : f.keywords) s += (s.size() > 1 ? " " : "") + k;
      return s + ")";
    }
    std::string operator()(const CmdAppend& a) const {
      std::string s = "APPEND [" + a.mailbox + "] " + flags(a.flags);
      if (a.internal_date) s += " date=" + std::to_string(*a.internal_date) + "/" + std::to_string(a.tz_offset_minutes);
      if (a.index > 0) s += " #" + std::to_string(a.index);
      if (a.replace) s += std::string(a.replace_uid ? " uid-replace=" : " replace=") + std::to_string(*a.replace);
      if (a.catenate) return s + " CATENATE";  // RFC 4469: parts follow
      return s + " {" + std::to_string(a.message_size) + (a.sync ? "}" : "+}");
    }
    std::string operator()(const CmdStore& c) const {
      static const char* const kOps[] = {"", "+", "-"};
      return std::string(c.uid ? "UID STORE " : "STORE ") + c.set.to_string() + " " +
             (c.unchanged_since ? "UNCHANGEDSINCE " + std::to_string(*c.unchanged_since) + " " : std::string()) +
             kOps[static_cast<int>(c.op)] + "FLAGS" + (c.silent ? ".SILENT " : " ") + flags(c.flags);
    }
    std::string operator()(const CmdCopy& c) const {
      return std::string(c.uid ? "UID " : "") + (c.move ? "MOVE " : "COPY ") + c.set.to_string() + " [" + c.mailbox + "]";
    }
    std::string operator()(const CmdExpunge& c) const { return c.uid ? "UID EXPUNGE " + c.set.to_string() : "EXPUNGE"; }
    std::string operator()(const CmdClose&) const { return "CLOSE"; }
    std::string operator()(const CmdUnselect&) const { return "UNSELECT"; }
    std::string operator()(const CmdCheck&) const { return "CHECK"; }
    std::string operator()(const CmdCancelUpdate& c) const {
      std::string out = "CANCELUPDATE";
      for (const std::string& t : c.tags) out += " " + t;
      return out;
    }
    // The mailbox commands: mailbox_describe.h.
    std::string operator()(const CmdCreate& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdDelete& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdRename& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdSubscribe& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdList& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdStatus& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdNamespace& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdId& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdEnable& m) const { return describe_mailbox(m); }
    std::string operator()(const CmdIdle&) const { return "IDLE"; }
    std::string operator()(const CmdSort& c) const { return std::string(c.uid ? "UID " : "") + "SORT"; }
    std::string operator()(const CmdThread& c) const { return std::string(c.uid ? "UID " : "") + "THREAD"; }
    std::string operator()(const CmdGetQuota& q) const { return "GETQUOTA [" + q.root + "]"; }
    std::string operator()(const CmdGetMetadata& m) const {
      static const char* const kDepth[] = {"0", "1", "infinity"};
      std::string s = "GETMETADATA [" + m.mailbox + "] DEPTH " + kDepth[static_cast<int>(m.depth)];
      if (m.max_size) s += " MAXSIZE " + std::to_string(*m.max_size);
      for (const auto& e : m.entries) s += " " + e;
      return s;
    }
    std::string operator()(const CmdSetMetadata& m) const {
      std::string s = "SETMETADATA [" + m.mailbox + "]";
      for (const auto& [e, v] : m.entries) s += " " + e + "=" + (v ? "[" + *v + "]" : "NIL");
      return s;
    }
    std::string operator()(const CmdGetQuotaRoot& q) const { return "GETQUOTAROOT [" + q.mailbox + "]"; }
    std::string operator()(const CmdSetQuota& q) const {
      std::string s = "SETQUOTA [" + q.root + "]";
      for (const auto& [name, limit] : q.limits) s += " " + name + "=" + std::to_string(limit);
      return s;
    }
    std::string operator()(const CmdUnauthenticate&) const { return "UNAUTHENTICATE"; }
    std::string operator()(const CmdNotify& n) const {  // RFC 5465: filter and events as numbers
      if (!n.set) return "NOTIFY NONE";
      std::string s = n.status ? "NOTIFY SET STATUS" : "NOTIFY SET";
      for (const NotifyGroup& g : n.groups) {
        s += " (" + std::to_string(static_cast<int>(g.filter));
        for (const std::string& m : g.mailboxes) s += " [" + m + "]";
        s += " " + std::to_string(g.events);
        for (const FetchAtt& f : g.fetch) s += " " + describe(f);
        for (const std::string& u : g.unknown) s += " ?" + u;
        s += ")";
      }
      return s;
    }
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
      return std::string(ev.error.fatal ? "FATAL " : ev.error.refused ? "NO " : "BAD ") + ev.error.tag + " " +
             ev.error.message;
    case ParseEvent::Kind::message_start: return "START " + describe(*ev.command);
    case ParseEvent::Kind::message_data: return "DATA " + std::string(ev.data);
    case ParseEvent::Kind::message_end: return "END";
    case ParseEvent::Kind::catenate_text:
      return "TEXT {" + std::to_string(ev.literal_size) + (ev.literal_sync ? "}" : "+}");
    case ParseEvent::Kind::catenate_url: return "URL " + std::string(ev.data);
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
      // Message bytes come in pieces that follow the input's split: one
      // "DATA ..." entry holds a run of them.
      if (ev.kind == ParseEvent::Kind::message_data && !out.empty() && out.back().rfind("DATA ", 0) == 0)
        out.back().append(ev.data);
      else if (ev.kind != ParseEvent::Kind::need_more)
        out.push_back(describe(ev));
      if (ev.kind == ParseEvent::Kind::error && ev.error.fatal) return out;  // the stream is over
      // RFC 4469: parts read from one line come out without further input.
      if (ev.kind == ParseEvent::Kind::need_more || (chunk.empty() && !p.has_pending())) break;
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
// Feeds in whole, one byte at a time, and split in two at every offset; all
// must give the same events.
inline std::vector<std::string> feed_every_way(const std::string& in, ParserLimits limits = {}) {
  std::vector<std::string> whole = feed_all(in, limits);
  Parser bytewise(limits);
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); ++i) bytes.push_back(std::string_view(in).substr(i, 1));
  CHECK(feed_chunks(bytewise, bytes) == whole);
  for (size_t cut = 1; cut < in.size(); ++cut) {
    Parser p(limits);
    std::string_view v(in);
    CHECK(feed_chunks(p, {v.substr(0, cut), v.substr(cut)}) == whole);
  }
  return whole;
}

inline std::string parse(std::string_view text, ParserLimits limits = {}) {
  ParseResult r = parse_command(text, limits);
  if (r.command) return describe(*r.command);
  return "BAD " + r.error.tag + " " + r.error.message;
}

// The RETURN options of a SEARCH or SORT line; nullopt when it does not parse.
inline std::optional<SearchReturn> ret_of(const std::string& line) {
  ParseResult r = parse_command(line, ParserLimits{});
  if (!r.command) return std::nullopt;
  if (auto* s = std::get_if<CmdSearch>(&r.command->body)) return s->ret;
  return std::get<CmdSort>(r.command->body).ret;
}

// The items of "t FETCH 1 <items>" as text, or the error message.
inline std::string fetch_items(std::string_view text) {
  std::string r = parse("t FETCH 1 " + std::string(text));
  if (r.rfind("t FETCH 1 (", 0) == 0) return r.substr(11, r.size() - 12);
  return r;
}

}  // namespace loft::proto::imap::test
