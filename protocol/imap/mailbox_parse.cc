// Parsers of the mailbox commands. Names and patterns stay as sent; only the
// grammar is checked here (RFC 3501 §9, RFC 5258 §6, RFC 6154 §6).
#include "protocol/imap/mailbox_parse.h"

#include <string_view>

#include "base/bytes.h"

namespace loft::proto::imap {
namespace {

// RFC 3501 §9 list-char = ATOM-CHAR / list-wildcards / resp-specials.
bool is_list_char(unsigned char c) { return is_atom_char(c) || c == '%' || c == '*' || c == ']'; }

// RFC 3501 §9 list-mailbox = 1*list-char / string.
bool read_list_mailbox(Reader* r, std::string* out) {
  int c = r->peek();
  if (c == '"' || c == '{' || c == '~') return r->read_string(out);
  std::string_view v;
  if (!r->read_run(is_list_char, &v, "mailbox pattern")) return false;
  out->assign(v);
  return true;
}

// An atom, upper-cased.
bool read_upper_atom(Reader* r, std::string* out) {
  if (!r->read_atom(out)) return false;
  ascii_upper_in_place(out);
  return true;
}

// A flag "\Name" (RFC 3501 §9 flag-extension) as sent.
bool read_flag(Reader* r, std::string* out) {
  if (!r->expect('\\')) return false;
  std::string atom;
  if (!r->read_atom(&atom)) return false;
  *out = "\\" + atom;
  return true;
}

// Reads "(" item *(SP item) ")" (or "()" when allow_empty), calling item for each.
template <class F>
bool read_paren_list(Reader* r, bool allow_empty, F item) {
  if (!r->open_list()) return false;
  if (r->peek() == ')') {
    if (!allow_empty) return r->fail("Empty list");
    return r->close_list();
  }
  while (true) {
    if (!item()) return false;
    if (r->peek() == ')') return r->close_list();
    if (!r->expect_sp()) return false;
  }
}

bool parse_one_mailbox(Reader* r, std::string* out) { return r->expect_sp() && r->read_astring(out); }

// RFC 5258 §6: list-select-opts; RFC 6154 §6 adds SPECIAL-USE.
bool read_select_opts(Reader* r, CmdList* cmd) {
  return read_paren_list(r, true, [&] {
    std::string opt;
    if (!read_upper_atom(r, &opt)) return false;
    if (opt == "SUBSCRIBED") cmd->select_subscribed = true;
    else if (opt == "RECURSIVEMATCH") cmd->select_recursive = true;
    else if (opt == "SPECIAL-USE") cmd->select_special_use = true;
    else if (opt == "REMOTE") {
    } else return r->fail("Unknown LIST selection option " + opt);
    return true;
  });
}

// RFC 3501 §9 "(" status-att *(SP status-att) ")" with the extensions' items
// (mailbox_commands.h CmdStatus).
bool read_status_items(Reader* r, std::vector<CmdStatus::Item>* items) {
  using I = CmdStatus::Item;
  return read_paren_list(r, false, [&] {
    std::string att;
    if (!read_upper_atom(r, &att)) return false;
    if (att == "MESSAGES") items->push_back(I::messages);
    else if (att == "RECENT") items->push_back(I::recent);
    else if (att == "UIDNEXT") items->push_back(I::uidnext);
    else if (att == "UIDVALIDITY") items->push_back(I::uidvalidity);
    else if (att == "UNSEEN") items->push_back(I::unseen);
    else if (att == "HIGHESTMODSEQ") items->push_back(I::highestmodseq);
    else if (att == "SIZE") items->push_back(I::size);
    else if (att == "DELETED") items->push_back(I::deleted);
    else if (att == "DELETED-STORAGE") items->push_back(I::deleted_storage);
    else if (att == "APPENDLIMIT") items->push_back(I::appendlimit);
    else if (att == "MAILBOXID") items->push_back(I::mailboxid);  // RFC 8474 §4.2
    else return r->fail("Unknown STATUS item " + att);
    return true;
  });
}

// RFC 5258 §6: list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")".
bool read_return_opts(Reader* r, CmdList* cmd) {
  std::string word;
  if (!read_upper_atom(r, &word)) return false;
  if (word != "RETURN") return r->fail("Expected RETURN");
  if (!r->expect_sp()) return false;
  return read_paren_list(r, true, [&] {
    std::string opt;
    if (!read_upper_atom(r, &opt)) return false;
    if (opt == "SUBSCRIBED") cmd->return_subscribed = true;
    else if (opt == "CHILDREN") cmd->return_children = true;
    else if (opt == "SPECIAL-USE") cmd->return_special_use = true;
    else if (opt == "STATUS") {
      // RFC 5819 §2: STATUS SP "(" status-att *(SP status-att) ")"; once only.
      if (cmd->return_status) return r->fail("STATUS given twice");
      cmd->return_status = true;
      return r->expect_sp() && read_status_items(r, &cmd->status_items);
    } else return r->fail("Unknown LIST return option " + opt);
    return true;
  });
}

bool parse_list_kind(Reader* r, CommandBody* body, CmdList::Kind kind) {
  CmdList cmd;
  cmd.kind = kind;
  if (!r->expect_sp()) return false;
  if (kind == CmdList::Kind::list && r->peek() == '(') {
    cmd.extended = true;
    if (!read_select_opts(r, &cmd) || !r->expect_sp()) return false;
    // RFC 5258 §3.1: RECURSIVEMATCH alone is a syntax error.
    if (cmd.select_recursive && !cmd.select_subscribed && !cmd.select_special_use)
      return r->fail("RECURSIVEMATCH needs another selection option");
  }
  if (!r->read_astring(&cmd.reference) || !r->expect_sp()) return false;
  if (kind == CmdList::Kind::list && r->peek() == '(') {
    cmd.extended = true;
    bool ok = read_paren_list(r, false, [&] {
      if (cmd.patterns.size() == kMaxListPatterns) return r->fail("Too many LIST patterns");
      cmd.patterns.emplace_back();
      return read_list_mailbox(r, &cmd.patterns.back());
    });
    if (!ok) return false;
  } else {
    cmd.patterns.emplace_back();
    if (!read_list_mailbox(r, &cmd.patterns.back())) return false;
  }
  if (kind == CmdList::Kind::list && r->skip_if(' ')) {
    cmd.extended = true;
    if (!read_return_opts(r, &cmd)) return false;
  }
  *body = std::move(cmd);
  return true;
}

}  // namespace

bool parse_create(Reader* r, CommandBody* body) {
  CmdCreate cmd;
  if (!parse_one_mailbox(r, &cmd.mailbox)) return false;
  if (r->skip_if(' ')) {
    // RFC 4466 §2.2 create-params; RFC 6154 §3 defines the only one, USE.
    bool ok = read_paren_list(r, false, [&] {
      std::string name;
      if (!read_upper_atom(r, &name)) return false;
      if (name != "USE") return r->fail("Unknown CREATE parameter " + name);
      if (!r->expect_sp()) return false;
      return read_paren_list(r, true, [&] {
        cmd.use.emplace_back();
        return read_flag(r, &cmd.use.back());
      });
    });
    if (!ok) return false;
  }
  *body = std::move(cmd);
  return true;
}

bool parse_delete(Reader* r, CommandBody* body) {
  CmdDelete cmd;
  if (!parse_one_mailbox(r, &cmd.mailbox)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_rename(Reader* r, CommandBody* body) {
  CmdRename cmd;
  if (!parse_one_mailbox(r, &cmd.from) || !parse_one_mailbox(r, &cmd.to)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_subscribe(Reader* r, CommandBody* body) {
  CmdSubscribe cmd;
  if (!parse_one_mailbox(r, &cmd.mailbox)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_unsubscribe(Reader* r, CommandBody* body) {
  CmdSubscribe cmd;
  cmd.subscribe = false;
  if (!parse_one_mailbox(r, &cmd.mailbox)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_list(Reader* r, CommandBody* body) { return parse_list_kind(r, body, CmdList::Kind::list); }
bool parse_lsub(Reader* r, CommandBody* body) { return parse_list_kind(r, body, CmdList::Kind::lsub); }
bool parse_xlist(Reader* r, CommandBody* body) { return parse_list_kind(r, body, CmdList::Kind::xlist); }

bool parse_status(Reader* r, CommandBody* body) {
  CmdStatus cmd;
  if (!parse_one_mailbox(r, &cmd.mailbox) || !r->expect_sp()) return false;
  if (!read_status_items(r, &cmd.items)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_id(Reader* r, CommandBody* body) {
  CmdId cmd;
  if (!r->expect_sp()) return false;
  if (r->peek() != '(') {
    std::string nil;
    if (!r->read_atom(&nil) || !iequals(nil, "NIL")) return r->fail("Expected NIL or a list");
  } else {
    bool ok = read_paren_list(r, false, [&] {
      if (cmd.fields.size() == kMaxIdFields) return r->fail("Too many ID fields");
      std::string field;
      std::optional<std::string> value;
      if (!r->read_string(&field) || !r->expect_sp() || !r->read_nstring(&value)) return false;
      if (field.size() > kMaxIdFieldName) return r->fail("ID field name too long");
      if (value && value->size() > kMaxIdValue) return r->fail("ID value too long");
      cmd.fields.emplace_back(std::move(field), std::move(value));
      return true;
    });
    if (!ok) return false;
  }
  *body = std::move(cmd);
  return true;
}

bool parse_enable(Reader* r, CommandBody* body) {
  CmdEnable cmd;
  if (!r->expect_sp()) return false;
  do {
    if (cmd.capabilities.size() == kMaxEnable) return r->fail("Too many ENABLE arguments");
    cmd.capabilities.emplace_back();
    if (!read_upper_atom(r, &cmd.capabilities.back())) return false;
  } while (r->skip_if(' '));
  *body = std::move(cmd);
  return true;
}

}  // namespace loft::proto::imap
