// Argument parsers of APPEND, STORE, COPY/MOVE and UID EXPUNGE (RFC 3501 §9
// grammar, RFC 4315, RFC 6851).
#include "protocol/imap/message_parse.h"
#include "protocol/imap/condstore_parse.h"

#include <array>

#include "base/bytes.h"
#include "base/civil_date.h"

namespace loft::proto::imap {
namespace {

struct NamedFlag {
  std::string_view name;
  uint32_t bit;
};
constexpr std::array<NamedFlag, 5> kSystemFlags{{{"\\Seen", FlagList::kSeen},
                                                  {"\\Answered", FlagList::kAnswered},
                                                  {"\\Flagged", FlagList::kFlagged},
                                                  {"\\Deleted", FlagList::kDeleted},
                                                  {"\\Draft", FlagList::kDraft}}};

// One flag (RFC 3501 §9 "flag"): a system flag or a keyword atom.
bool parse_flag(Reader* r, FlagList* out) {
  bool system = r->skip_if('\\');
  std::string atom;
  if (!r->read_atom(&atom)) return false;
  if (system) {
    std::string name = "\\" + atom;
    for (const auto& f : kSystemFlags) {
      if (iequals(name, f.name)) {
        out->system |= f.bit;
        return true;
      }
    }
    if (iequals(name, "\\Recent")) return r->fail("\\Recent cannot be stored");
    return r->fail("Invalid system flag " + name);
  }
  for (const auto& k : out->keywords)
    if (iequals(k, atom)) return true;
  out->keywords.push_back(std::move(atom));
  return true;
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool parse_flag_list(Reader* r, FlagList* out) {
  if (!r->open_list()) return false;
  if (r->peek() == ')') return r->close_list();
  do {
    if (!parse_flag(r, out)) return false;
  } while (r->skip_if(' '));
  return r->close_list();
}

bool parse_date_time(Reader* r, int64_t* unix_seconds, int32_t* tz_offset_minutes) {
  // RFC 3501 §9: date-time = DQUOTE date-day-fixed "-" date-month "-"
  // date-year SP time SP zone DQUOTE; a one-digit day is accepted too.
  std::string s;
  if (r->peek() != '"') return r->fail("Expected a date-time");
  if (!r->read_string(&s)) return false;
  if (!s.empty() && s[0] == ' ') s.erase(0, 1);
  size_t dash = s.find('-');
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
  if (dash == std::string::npos || dash == 0 || dash > 2 || !digits(s, 0, dash, &day)) return r->fail("Invalid date-time");
  std::string_view rest = std::string_view(s).substr(dash + 1);
  // "Mon-YYYY HH:MM:SS +ZZZZ" is exactly 23 bytes.
  if (rest.size() != 23 || rest[3] != '-' || rest[8] != ' ' || rest[11] != ':' || rest[14] != ':' || rest[17] != ' ' ||
      (rest[18] != '+' && rest[18] != '-'))
    return r->fail("Invalid date-time");
  unsigned month = static_cast<unsigned>(month_from_abbrev(rest));
  if (month == 0 || !digits(rest, 4, 4, &year) || !digits(rest, 9, 2, &hh) || !digits(rest, 12, 2, &mm) ||
      !digits(rest, 15, 2, &ss) || !digits(rest, 19, 2, &zh) || !digits(rest, 21, 2, &zm))
    return r->fail("Invalid date-time");
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day < 1 || day > kDays[month - 1] || hh > 23 || mm > 59 || ss > 60 || zm > 59) return r->fail("Invalid date-time");
  int32_t zone = (zh * 60 + zm) * (rest[18] == '-' ? -1 : 1);
  int64_t local = days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss;
  *unix_seconds = local - int64_t{zone} * 60;
  *tz_offset_minutes = zone;
  return true;
}

bool parse_seq_last_command(Reader* r, SeqSet* out) {
  if (!r->expect('$')) return false;
  int next = r->peek();
  if (next >= 0 && (is_seqset_char(static_cast<unsigned char>(next)) || next == '$'))
    return r->fail("Invalid sequence set");
  *out = SeqSet{};
  out->last_result = true;
  return true;
}

bool parse_seq_set(Reader* r, SeqSet* out, bool allow_last) {
  if (allow_last && r->peek() == '$') return parse_seq_last_command(r, out);
  std::string_view text;
  if (!r->read_run(is_seqset_char, &text, "sequence set")) return false;
  std::optional<SeqSet> set = SeqSet::parse(text);
  if (!set) return r->fail("Invalid sequence set");
  *out = std::move(*set);
  return true;
}

bool parse_append_opts(Reader* r, CmdAppend* cmd) {
  if (r->peek() == '(') {
    if (!parse_flag_list(r, &cmd->flags) || !r->expect_sp()) return false;
  }
  if (r->peek() == '"') {
    int64_t when = 0;
    if (!parse_date_time(r, &when, &cmd->tz_offset_minutes) || !r->expect_sp()) return false;
    cmd->internal_date = when;
  }
  return true;
}

bool parse_append_args(Reader* r, CmdAppend* cmd) {
  if (!r->expect_sp() || !r->read_astring(&cmd->mailbox) || !r->expect_sp()) return false;
  return parse_append_opts(r, cmd);
}

AppendHead classify_next_message(std::string_view text, uint64_t size, bool sync, const ParserLimits& limits) {
  AppendHead head;
  Reader r(text, limits);
  if (!r.expect_sp() || !parse_append_opts(&r, &head.cmd) || !r.at_end()) {
    head.error = r.failed() ? r.error() : "Invalid APPEND arguments";
    return head;
  }
  head.cmd.message_size = size;
  head.cmd.sync = sync;
  head.kind = AppendHead::Kind::message;
  return head;
}

namespace {

// The next space-separated word of *rest (which starts with SP), removed.
bool next_word(std::string_view* rest, std::string_view* word) {
  if (rest->empty() || rest->front() != ' ') return false;
  rest->remove_prefix(1);
  size_t sp = rest->find(' ');
  *word = rest->substr(0, sp);
  rest->remove_prefix(word->size());
  return !word->empty();
}

// RFC 8508 §6: seq-number for REPLACE ("*" allowed), nz-number for UID REPLACE.
bool replace_target(std::string_view word, bool uid, uint32_t* out) {
  if (word == "*" && !uid) {
    *out = CmdAppend::kLastMessage;
    return true;
  }
  if (word.empty() || word.size() > 10 || word[0] == '0') return false;
  uint64_t n = 0;
  for (char c : word) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT32_MAX - 1) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

}  // namespace

bool read_append_command(std::string_view text, AppendHead* head, std::string_view* rest) {
  std::string tag;
  size_t tag_len = 0;
  if (!read_tag(text, &tag, &tag_len)) {
    head->error = "Invalid tag";
    return false;
  }
  // "APPEND", "REPLACE n" or "UID REPLACE uid" (RFC 8508), then the mailbox.
  *rest = text.substr(tag_len);
  std::string_view name;
  if (!next_word(rest, &name)) {
    head->error = "Invalid command";
    return false;
  }
  bool uid = iequals(name, "UID");
  if (uid && !next_word(rest, &name)) {
    head->error = "Invalid command";
    return false;
  }
  if (iequals(name, "REPLACE")) {
    std::string_view number;
    uint32_t target = 0;
    if (!next_word(rest, &number) || !replace_target(number, uid, &target)) {
      head->error = uid ? "Invalid UID" : "Invalid sequence number";
      return false;
    }
    head->cmd.replace = target;
    head->cmd.replace_uid = uid;
  } else if (uid || !iequals(name, "APPEND")) {
    head->error = "Invalid command";
    return false;
  }
  return true;
}

AppendHead classify_append(std::string_view text, uint64_t size, bool sync, const ParserLimits& limits) {
  AppendHead head;
  std::string_view rest;
  if (!read_append_command(text, &head, &rest)) return head;
  // "... {N}": the literal is the mailbox name.
  if (rest.empty() || rest == " ") {
    head.kind = AppendHead::Kind::argument;
    return head;
  }
  Reader args(rest, limits);
  if (!parse_append_args(&args, &head.cmd) || !args.at_end()) {
    head.error = args.failed() ? args.error() : "Invalid APPEND arguments";
    return head;
  }
  head.cmd.message_size = size;
  head.cmd.sync = sync;
  head.kind = AppendHead::Kind::message;
  return head;
}

bool parse_append(Reader* r, CommandBody*) {
  // A well-formed APPEND ends with its message literal, which the framer
  // streams (AppendHead::Kind::message); reaching here means it did not.
  CmdAppend cmd;
  if (!parse_append_args(r, &cmd)) return false;
  return r->fail("APPEND needs the message as a literal");
}

bool parse_store(Reader* r, CommandBody* body, bool uid) {
  // RFC 3501 §9: store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
  // (flag-list / (flag *(SP flag)))
  CmdStore cmd;
  cmd.uid = uid;
  if (!r->expect_sp() || !parse_seq_set(r, &cmd.set, true) || !r->expect_sp()) return false;
  if (r->peek() == '(' && !parse_store_modifiers(r, &cmd.unchanged_since)) return false;
  if (r->skip_if('+')) cmd.op = CmdStore::Op::add;
  else if (r->skip_if('-')) cmd.op = CmdStore::Op::remove;
  std::string item;
  if (!r->read_atom(&item)) return false;
  if (iequals(item, "FLAGS.SILENT")) cmd.silent = true;
  else if (!iequals(item, "FLAGS")) return r->fail("Invalid STORE data item " + item);
  if (!r->expect_sp()) return false;
  if (r->peek() == '(') {
    if (!parse_flag_list(r, &cmd.flags)) return false;
  } else {
    do {
      if (!parse_flag(r, &cmd.flags)) return false;
    } while (r->skip_if(' '));
  }
  *body = std::move(cmd);
  return true;
}

bool parse_copy(Reader* r, CommandBody* body, bool uid, bool move) {
  CmdCopy cmd;
  cmd.uid = uid;
  cmd.move = move;
  if (!r->expect_sp() || !parse_seq_set(r, &cmd.set, true) || !r->expect_sp() || !r->read_astring(&cmd.mailbox))
    return false;
  *body = std::move(cmd);
  return true;
}

bool parse_uid_expunge(Reader* r, CommandBody* body) {
  CmdExpunge cmd;
  cmd.uid = true;
  if (!r->expect_sp() || !parse_seq_set(r, &cmd.set, true)) return false;
  *body = std::move(cmd);
  return true;
}

}  // namespace loft::proto::imap
