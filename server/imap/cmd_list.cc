// RFC 3501 §6.3.8 LIST and §6.3.9 LSUB, RFC 5258 extended LIST, RFC 6154
// SPECIAL-USE, and XLIST for old Outlook. The store gives every mailbox and
// subscription of the account; the answer is computed and written on the
// worker (protocol/imap/mailbox_list.h), so a large account does not hold
// the event loop.
#include <algorithm>

#include "protocol/imap/list_pattern.h"
#include "protocol/imap/mailbox_list.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"
#include "server/connection.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"
#include "server/imap/status_data.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

// Whether the answer needs the subscriptions at all.
bool needs_subscriptions(const pi::CmdList& c) { return c.select_subscribed || c.return_subscribed; }

// LSUB reads the subscriptions and only the mailboxes among them that match
// (for their special-use attributes), not every mailbox of the account.
Result<void> lsub_answer(storage::Store& store, storage::AccountId account, const pi::CmdList& cmd,
                         const std::vector<std::string>& patterns, pi::NameForm form, std::string* out) {
  auto subs = store.subscriptions(account);
  if (!subs) return subs.error();
  std::vector<pi::ListPattern> compiled;
  for (const std::string& p : patterns) compiled.emplace_back(p, pi::kDelimiter);
  std::vector<pi::MailboxEntry> entries;
  for (const std::string& name : *subs) {
    bool match = false;
    for (const pi::ListPattern& p : compiled) match = match || p.matches(name);
    if (!match) continue;
    auto info = store.find_mailbox(account, name);
    if (info) entries.push_back({info->name, info->special_use});
    else if (info.error().code != Errc::not_found) return info.error();
  }
  for (const pi::ListItem& item : pi::list_mailboxes(cmd, patterns, entries, *subs))
    pi::ListResponse{cmd.kind, &item, form}.serialize(out);
  return {};
}

}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdList& c) {
  if (!rev2_status_items_ok(c.status_items)) {
    tagged(tag, "BAD", "STATUS RECENT does not exist in IMAP4rev2");
    return;
  }
  std::vector<std::string> patterns;
  bool root_query = false;
  for (const std::string& p : c.patterns) {
    // RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root
    // of the reference (LIST and XLIST; for LSUB it matches nothing).
    if (p.empty()) {
      root_query |= c.kind != pi::CmdList::Kind::lsub;
      continue;
    }
    auto decoded = checked_name(*this, tag, pi::decode_list_pattern(c.reference, p, name_form()));
    if (!decoded) return;
    patterns.push_back(std::move(*decoded));
  }
  std::string root;
  if (root_query) {
    auto ref = checked_name(*this, tag, pi::decode_mailbox_name(c.reference, name_form()));
    if (!ref) return;
    root = pi::list_root(*ref);
  }
  busy_ = true;
  struct Outcome {
    Result<void> result;
    std::string out;
  };
  auto res = std::make_shared<Outcome>();
  storage::AccountId account_id = account().id;
  uint64_t appendlimit = conn().server().config().limits.max_message_size;
  conn().offload(
      [this, res, account_id, cmd = c, patterns = std::move(patterns), root_query, root = std::move(root), appendlimit,
       form = name_form()] {
        if (root_query) {
          pi::ListItem item;
          item.name = root;
          item.attrs = pi::kAttrNoselect;
          pi::ListResponse{cmd.kind, &item, form}.serialize(&res->out);
        }
        if (patterns.empty()) return;
        if (cmd.kind == pi::CmdList::Kind::lsub) {
          res->result = lsub_answer(store(), account_id, cmd, patterns, form, &res->out);
          return;
        }
        auto mailboxes = store().list_mailboxes(account_id);
        if (!mailboxes) {
          res->result = mailboxes.error();
          return;
        }
        std::vector<std::string> subs;
        if (needs_subscriptions(cmd)) {
          auto s = store().subscriptions(account_id);
          if (!s) {
            res->result = s.error();
            return;
          }
          subs = std::move(*s);
        }
        auto entries = list_entries(*mailboxes);
        for (const pi::ListItem& item : pi::list_mailboxes(cmd, patterns, entries, subs)) {
          pi::ListResponse{cmd.kind, &item, form}.serialize(&res->out);
          // RFC 5819 §2: a STATUS after each listed mailbox that can be
          // selected; none for \Noselect or \NonExistent names.
          if (!cmd.return_status || (item.attrs & (pi::kAttrNoselect | pi::kAttrNonExistent))) continue;
          auto it = std::find_if(mailboxes->begin(), mailboxes->end(),
                                 [&](const storage::MailboxInfo& m) { return m.name == item.name; });
          if (it == mailboxes->end()) continue;
          auto st = status_data(store(), *it, cmd.status_items, appendlimit);
          if (!st) {
            res->result = st.error();
            return;
          }
          pi::StatusDataResponse{it->name, cmd.status_items, *st, form}.serialize(&res->out);
        }
      },
      [this, res, tag, kind = c.kind] {
        if (!res->result) {
          tagged_error(tag, res->result.error());
        } else {
          send(res->out);
          const char* verb = kind == pi::CmdList::Kind::lsub ? "LSUB" : kind == pi::CmdList::Kind::xlist ? "XLIST" : "LIST";
          tagged(tag, "OK", std::string(verb) + " completed");
        }
        finish();
      });
}

}  // namespace loft::server::imap
