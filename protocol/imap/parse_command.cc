// parse_command: tag, command name and the arguments of each supported
// command (RFC 3501 §6 and §9, RFC 4959 SASL-IR, RFC 4978 COMPRESS).
#include <string_view>

#include "base/bytes.h"
#include "protocol/imap/condstore_parse.h"
#include "protocol/imap/fetch_parse.h"
#include "protocol/imap/message_parse.h"
#include "protocol/imap/notify.h"
#include "protocol/imap/mailbox_parse.h"
#include "protocol/imap/parser.h"
#include "protocol/imap/reader.h"
#include "protocol/imap/search_parse.h"
#include "protocol/imap/sort_parse.h"

namespace loft::proto::imap {
namespace {

// Arguments of one command; the reader stands just after the command name.
using ArgParser = bool (*)(Reader* r, CommandBody* body);

// A command without arguments; parse_command rejects anything after it.
template <class T>
bool plain(Reader*, CommandBody* body) {
  *body = T{};
  return true;
}

bool is_sasl_ir_char(unsigned char c) {
  // RFC 4959: initial-response = base64 / "=".
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

// RFC 3501 §6.2.2 and RFC 4959: AUTHENTICATE SP auth-type [SP (base64 / "=")]
bool parse_authenticate(Reader* r, CommandBody* body) {
  CmdAuthenticate cmd;
  std::string mech;
  if (!r->expect_sp() || !r->read_atom(&mech)) return false;
  for (char& c : mech) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  cmd.mechanism = std::move(mech);
  if (r->skip_if(' ')) {
    std::string_view ir;
    if (!r->read_run(is_sasl_ir_char, &ir, "initial response")) return false;
    cmd.initial_response = std::string(ir);
  }
  *body = std::move(cmd);
  return true;
}

// RFC 3501 §6.2.3: LOGIN SP userid SP password (both astring).
bool parse_login(Reader* r, CommandBody* body) {
  CmdLogin cmd;
  if (!r->expect_sp() || !r->read_astring(&cmd.user) || !r->expect_sp() ||
      !r->read_astring(&cmd.password)) {
    return false;
  }
  *body = std::move(cmd);
  return true;
}

// RFC 3501 §6.3.1/§6.3.2: SELECT / EXAMINE SP mailbox.
template <bool kReadOnly>
bool parse_select(Reader* r, CommandBody* body) {
  CmdSelect cmd;
  cmd.read_only = kReadOnly;
  if (!r->expect_sp() || !r->read_astring(&cmd.mailbox) || !parse_select_params(r, &cmd)) return false;
  *body = std::move(cmd);
  return true;
}

// RFC 4978 §5: "COMPRESS" SP algorithm, algorithm = "DEFLATE" (an atom).
bool parse_compress(Reader* r, CommandBody* body) {
  CmdCompress cmd;
  if (!r->expect_sp() || !r->read_atom(&cmd.mechanism)) return false;
  for (char& c : cmd.mechanism) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  *body = std::move(cmd);
  return true;
}

// RFC 3501 §6.4.5/§6.4.8: [UID] FETCH SP sequence-set SP items.
bool parse_fetch_args(Reader* r, CommandBody* body, bool uid) {
  CmdFetch cmd;
  cmd.uid = uid;
  std::string_view set_text;
  if (!r->expect_sp()) return false;
  if (r->peek() == '$') {  // RFC 5182 §3: FETCH $
    if (!parse_seq_last_command(r, &cmd.set)) return false;
    if (!r->expect_sp() || !parse_fetch_items(r, &cmd.items) || !parse_fetch_modifiers(r, &cmd)) return false;
    *body = std::move(cmd);
    return true;
  }
  if (!r->read_run(is_seqset_char, &set_text, "sequence set")) return false;
  std::optional<SeqSet> set = SeqSet::parse(set_text);
  // A clear answer for a set over the bound, rather than "invalid".
  if (!set && SeqSet::too_many_ranges(set_text)) return r->fail("[LIMIT] Too many ranges in the sequence set");
  if (!set) return r->fail("Invalid sequence set");
  cmd.set = std::move(*set);
  if (!r->expect_sp() || !parse_fetch_items(r, &cmd.items) || !parse_fetch_modifiers(r, &cmd)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_fetch(Reader* r, CommandBody* body) { return parse_fetch_args(r, body, false); }

// RFC 3501 §6.4.4/§6.4.8: [UID] SEARCH [SP CHARSET SP astring] 1*(SP search-key).
bool parse_search_args(Reader* r, CommandBody* body, bool uid) {
  CmdSearch cmd;
  cmd.uid = uid;
  if (!parse_search_return(r, &cmd.ret)) return false;  // RFC 4731 ESEARCH
  if (!parse_search_program(r, &cmd)) return false;
  *body = std::move(cmd);
  return true;
}

bool parse_search(Reader* r, CommandBody* body) { return parse_search_args(r, body, false); }

// RFC 5256 §4: [UID] SORT / THREAD.
template <class Cmd, bool (*kParse)(Reader*, Cmd*)>
bool parse_sort_like(Reader* r, CommandBody* body, bool uid) {
  Cmd cmd;
  cmd.uid = uid;
  cmd.search.uid = uid;
  if (!kParse(r, &cmd)) return false;
  *body = std::move(cmd);
  return true;
}
bool parse_sort(Reader* r, CommandBody* body) { return parse_sort_like<CmdSort, parse_sort_args>(r, body, false); }
bool parse_thread(Reader* r, CommandBody* body) {
  return parse_sort_like<CmdThread, parse_thread_args>(r, body, false);
}

// RFC 5267 §5: "CANCELUPDATE" 1*(SP quoted).
bool parse_cancelupdate(Reader* r, CommandBody* body) {
  CmdCancelUpdate cmd;
  do {
    std::string tag;
    if (!r->expect_sp()) return false;
    if (r->peek() != '"') return r->fail("CANCELUPDATE takes quoted tags");
    if (!r->read_string(&tag)) return false;
    cmd.tags.push_back(std::move(tag));
  } while (r->peek() == ' ');
  *body = std::move(cmd);
  return true;
}

bool parse_store_cmd(Reader* r, CommandBody* body) { return parse_store(r, body, false); }
bool parse_copy_cmd(Reader* r, CommandBody* body) { return parse_copy(r, body, false, false); }
bool parse_move_cmd(Reader* r, CommandBody* body) { return parse_copy(r, body, false, true); }

// RFC 3501 §6.4.8: UID SP (COPY / FETCH / SEARCH / STORE) ...; RFC 6851 MOVE,
// RFC 4315 §2.1 EXPUNGE.
bool parse_uid(Reader* r, CommandBody* body) {
  std::string sub;
  if (!r->expect_sp() || !r->read_atom(&sub)) return false;
  if (iequals(sub, "FETCH")) return parse_fetch_args(r, body, true);
  if (iequals(sub, "SEARCH")) return parse_search_args(r, body, true);
  if (iequals(sub, "STORE")) return parse_store(r, body, true);
  if (iequals(sub, "COPY")) return parse_copy(r, body, true, false);
  if (iequals(sub, "MOVE")) return parse_copy(r, body, true, true);
  if (iequals(sub, "EXPUNGE")) return parse_uid_expunge(r, body);
  if (iequals(sub, "SORT")) return parse_sort_like<CmdSort, parse_sort_args>(r, body, true);
  if (iequals(sub, "THREAD")) return parse_sort_like<CmdThread, parse_thread_args>(r, body, true);
  return r->fail("Unknown command");
}

// RFC 9208 §4.1 (protocol/imap/quota.h).
template <class T, bool (*kParse)(Reader*, T*)>
bool quota_cmd(Reader* r, CommandBody* body) {
  T cmd;
  if (!kParse(r, &cmd)) return false;
  *body = std::move(cmd);
  return true;
}

struct Entry {
  std::string_view name;
  ArgParser parse;
};

constexpr Entry kCommands[] = {
    {"CAPABILITY", plain<CmdCapability>},
    {"NOOP", plain<CmdNoop>},
    {"LOGOUT", plain<CmdLogout>},
    {"STARTTLS", plain<CmdStartTls>},
    {"AUTHENTICATE", parse_authenticate},
    {"LOGIN", parse_login},
    {"SELECT", parse_select<false>},
    {"EXAMINE", parse_select<true>},
    {"FETCH", parse_fetch},
    {"UID", parse_uid},
    {"COMPRESS", parse_compress},
    {"SEARCH", parse_search},
    {"APPEND", parse_append},
    {"STORE", parse_store_cmd},
    {"COPY", parse_copy_cmd},
    {"MOVE", parse_move_cmd},
    {"EXPUNGE", plain<CmdExpunge>},
    {"CLOSE", plain<CmdClose>},
    {"UNSELECT", plain<CmdUnselect>},
    {"CANCELUPDATE", parse_cancelupdate},  // RFC 5267 §4.3.5
    {"CHECK", plain<CmdCheck>},
    {"CREATE", parse_create},
    {"DELETE", parse_delete},
    {"RENAME", parse_rename},
    {"SUBSCRIBE", parse_subscribe},
    {"UNSUBSCRIBE", parse_unsubscribe},
    {"LIST", parse_list},
    {"LSUB", parse_lsub},
    {"XLIST", parse_xlist},
    {"STATUS", parse_status},
    {"NAMESPACE", plain<CmdNamespace>},
    {"ID", parse_id},
    {"ENABLE", parse_enable},
    {"IDLE", plain<CmdIdle>},
    {"SORT", parse_sort},
    {"THREAD", parse_thread},
    {"GETQUOTA", quota_cmd<CmdGetQuota, parse_getquota>},
    {"GETQUOTAROOT", quota_cmd<CmdGetQuotaRoot, parse_getquotaroot>},
    {"SETQUOTA", quota_cmd<CmdSetQuota, parse_setquota>},
    {"GETMETADATA", quota_cmd<CmdGetMetadata, parse_getmetadata>},  // RFC 5464 (metadata.h)
    {"SETMETADATA", quota_cmd<CmdSetMetadata, parse_setmetadata>},
    {"UNAUTHENTICATE", plain<CmdUnauthenticate>},  // RFC 8437
    {"NOTIFY", quota_cmd<CmdNotify, parse_notify_args>},  // RFC 5465 (notify.h)
};

}  // namespace

ParseResult parse_command(std::string_view text, const ParserLimits& limits) {
  ParseResult res;
  size_t tag_len = 0;
  if (!read_tag(text, &res.error.tag, &tag_len)) {
    res.error.tag = "*";
    res.error.message = text.empty() ? "Empty command line" : "Invalid tag";
    return res;
  }
  Reader r(text.substr(tag_len), limits);
  std::string name;
  CommandBody body;
  bool ok = false;
  if (r.at_end()) {
    r.fail("Missing command");
  } else if (r.expect_sp() && r.read_atom(&name)) {
    const Entry* entry = nullptr;
    for (const Entry& e : kCommands) {
      if (iequals(name, e.name)) entry = &e;
    }
    if (entry == nullptr) {
      r.fail("Unknown command");
    } else {
      ok = entry->parse(&r, &body) && r.expect_end();
    }
  }
  if (!ok) {
    // res.error.tag already holds the tag.
    res.error.message = r.failed() ? r.error() : "Syntax error";
    return res;
  }
  res.command = Command{res.error.tag, std::move(body)};
  res.error.tag.clear();
  return res;
}

}  // namespace loft::proto::imap
