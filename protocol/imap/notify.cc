// RFC 5465 NOTIFY: grammar (§8), rules (§5, §6) and event responses.
#include "protocol/imap/notify.h"

#include <array>

#include "base/bytes.h"
#include "protocol/imap/fetch_parse.h"
#include "protocol/imap/response.h"
#include "protocol/imap/writer.h"

namespace loft::proto::imap {
namespace {

using Filter = NotifyGroup::Filter;

struct EventName {
  std::string_view name;
  uint32_t bit;
};
// §8: message-event, mailbox-event, user-event.
constexpr std::array<EventName, 8> kEvents{{
    {"MessageNew", kNotifyMessageNew},
    {"MessageExpunge", kNotifyMessageExpunge},
    {"FlagChange", kNotifyFlagChange},
    {"AnnotationChange", kNotifyAnnotationChange},
    {"MailboxName", kNotifyMailboxName},
    {"SubscriptionChange", kNotifySubscriptionChange},
    {"MailboxMetadataChange", kNotifyMailboxMetadataChange},
    {"ServerMetadataChange", kNotifyServerMetadataChange},
}};

struct FilterName {
  std::string_view name;
  Filter filter;
};
constexpr std::array<FilterName, 7> kFilters{{
    {"SELECTED", Filter::selected},
    {"SELECTED-DELAYED", Filter::selected_delayed},
    {"INBOXES", Filter::inboxes},
    {"PERSONAL", Filter::personal},
    {"SUBSCRIBED", Filter::subscribed},
    {"SUBTREE", Filter::subtree},
    {"MAILBOXES", Filter::mailboxes},
}};

bool is_selected(Filter f) { return f == Filter::selected || f == Filter::selected_delayed; }

// one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"
bool parse_mailboxes(Reader* r, std::vector<std::string>* out) {
  if (r->peek() != '(') {
    std::string name;
    if (!r->read_astring(&name)) return false;
    out->push_back(std::move(name));
    return true;
  }
  if (!r->open_list()) return false;
  do {
    std::string name;
    if (!r->read_astring(&name)) return false;
    out->push_back(std::move(name));
  } while (r->skip_if(' '));
  return r->close_list();
}

// events = ( "(" event *(SP event) ")" ) / "NONE"
bool parse_events(Reader* r, NotifyGroup* g) {
  if (r->peek() != '(') {
    std::string atom;
    if (!r->read_atom(&atom)) return false;
    if (!iequals(atom, "NONE")) return r->fail("NOTIFY events are a list or NONE");
    return true;
  }
  if (!r->open_list()) return false;
  do {
    std::string atom;
    if (!r->read_atom(&atom)) return false;
    uint32_t bit = 0;
    for (const EventName& e : kEvents)
      if (iequals(atom, e.name)) bit = e.bit;
    if (bit == 0) {
      g->unknown.push_back(std::move(atom));
      continue;
    }
    g->events |= bit;
    // §8: "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]
    if (bit == kNotifyMessageNew && r->remaining().substr(0, 2) == " (") {
      r->skip_if(' ');
      if (!parse_fetch_items(r, &g->fetch)) return false;
      if (g->fetch.empty()) return r->fail("MessageNew needs fetch attributes in its list");
    }
  } while (r->skip_if(' '));
  return r->close_list();
}

// event-group = "(" filter-mailboxes SP events ")"
bool parse_group(Reader* r, NotifyGroup* g) {
  if (!r->open_list()) return false;
  std::string atom;
  if (!r->read_atom(&atom)) return false;
  bool known = false;
  for (const FilterName& f : kFilters)
    if (iequals(atom, f.name)) {
      g->filter = f.filter;
      known = true;
    }
  if (!known) return r->fail("Unknown NOTIFY mailbox filter");
  if (g->filter == Filter::subtree || g->filter == Filter::mailboxes) {
    if (!r->expect_sp() || !parse_mailboxes(r, &g->mailboxes)) return false;
  }
  if (!r->expect_sp() || !parse_events(r, g)) return false;
  return r->close_list();
}

}  // namespace

bool parse_notify_args(Reader* r, CmdNotify* cmd) {
  std::string atom;
  if (!r->expect_sp() || !r->read_atom(&atom)) return false;
  if (iequals(atom, "NONE")) return true;
  if (!iequals(atom, "SET")) return r->fail("NOTIFY takes SET or NONE");
  cmd->set = true;
  if (!r->expect_sp()) return false;
  if (r->peek() != '(') {
    if (!r->read_atom(&atom)) return false;
    if (!iequals(atom, "STATUS")) return r->fail("NOTIFY SET takes STATUS or event groups");
    cmd->status = true;
    if (!r->expect_sp()) return false;
  }
  do {
    NotifyGroup g;
    if (!parse_group(r, &g)) return false;
    cmd->groups.push_back(std::move(g));
  } while (r->skip_if(' '));
  return true;
}

std::optional<std::string> notify_rule_error(const CmdNotify& cmd) {
  bool selected_seen = false;
  for (const NotifyGroup& g : cmd.groups) {
    if (!is_selected(g.filter)) {
      // §5.2: fetch attributes are for the selected mailbox's new messages.
      if (!g.fetch.empty()) return "MessageNew fetch attributes apply to SELECTED only";
      continue;
    }
    if (selected_seen) return "Only one SELECTED or SELECTED-DELAYED group";
    selected_seen = true;
    const uint32_t both = kNotifyMessageNew | kNotifyMessageExpunge;
    // §5.2, §5.3: a client that hears of new messages must hear of expunges
    // (or its sequence numbers go wrong), and the other way round.
    if ((g.events & both) != 0 && (g.events & both) != both)
      return "MessageNew and MessageExpunge must be together";
    // §5.1: FlagChange and AnnotationChange need both.
    if ((g.events & (kNotifyFlagChange | kNotifyAnnotationChange)) && (g.events & both) != both)
      return "FlagChange requires MessageNew and MessageExpunge";
  }
  return std::nullopt;
}

bool notify_has_unsupported(const CmdNotify& cmd) {
  for (const NotifyGroup& g : cmd.groups)
    if (!g.unknown.empty() || (g.events & kNotifyAnnotationChange)) return true;
  return false;
}

ResponseCode notify_badevent() {
  std::string list = "(";
  for (const EventName& e : kEvents) {
    if (e.bit == kNotifyAnnotationChange) continue;
    if (list.size() > 1) list += ' ';
    list += e.name;
  }
  list += ')';
  return {"BADEVENT", list};
}

void NotifyListResponse::serialize(std::string* out) const {
  *out += "* LIST (";
  if (nonexistent) *out += "\\NonExistent";
  else if (subscribed) *out += "\\Subscribed";
  *out += ") \"/\" ";
  append_mailbox_name(out, name, form);
  if (!old_name.empty()) {
    *out += " (\"OLDNAME\" (";
    append_mailbox_name(out, old_name, form);
    *out += "))";
  }
  *out += "\r\n";
}

void NotifyMetadataResponse::serialize(std::string* out) const {
  *out += "* METADATA ";
  append_mailbox_name(out, mailbox, form);
  for (const std::string& e : entries) {
    *out += ' ';
    append_astring(out, e);
  }
  *out += "\r\n";
}

}  // namespace loft::proto::imap
