// The LIST engine: one map from name to what is known of it (exists, has
// existing inferiors, subscribed, has subscribed inferiors), built in time
// proportional to the total depth of the names, then each candidate is
// matched against the patterns (list_pattern.h, linear time).
#include "protocol/imap/mailbox_list.h"

#include <algorithm>
#include <unordered_map>

#include "protocol/imap/list_pattern.h"
#include "protocol/imap/mailbox_name.h"

namespace loft::proto::imap {
namespace {

struct Node {
  bool exists = false;
  bool has_children = false;  // an existing mailbox lies under it
  bool subscribed = false;
  bool has_subscribed_child = false;
  uint32_t special_use = 0;
};

using Tree = std::unordered_map<std::string, Node>;

// Calls f(superior) for each proper superior of name, innermost first.
template <class F>
void for_each_superior(const std::string& name, F f) {
  for (size_t i = name.size(); i-- > 1;) {
    if (name[i] == kDelimiter) f(name.substr(0, i));
  }
}

Tree build_tree(std::span<const MailboxEntry> mailboxes, std::span<const std::string> subscriptions) {
  Tree tree;
  tree.reserve(mailboxes.size() * 2 + subscriptions.size());
  for (const MailboxEntry& m : mailboxes) {
    Node& n = tree[m.name];
    n.exists = true;
    n.special_use = m.special_use;
    for_each_superior(m.name, [&](std::string s) { tree[std::move(s)].has_children = true; });
  }
  for (const std::string& s : subscriptions) {
    tree[s].subscribed = true;
    for_each_superior(s, [&](std::string sup) { tree[std::move(sup)].has_subscribed_child = true; });
  }
  return tree;
}

bool any_match(const std::vector<ListPattern>& patterns, const std::string& name) {
  for (const ListPattern& p : patterns) {
    if (p.matches(name)) return true;
  }
  return false;
}

uint32_t children_attr(const Node& n) { return n.has_children ? kAttrHasChildren : kAttrHasNoChildren; }

// RFC 3501 §6.3.8 (and XLIST): every mailbox and every superior of one; a
// superior that is no mailbox is \Noselect. CHILDREN and SPECIAL-USE
// attributes always (RFC 3348 §3, RFC 6154 §2).
bool basic_list_item(const Node& n, ListItem* item) {
  if (!n.exists && !n.has_children) return false;  // only known through a subscription
  item->attrs = children_attr(n) | (n.exists ? 0u : uint32_t{kAttrNoselect});
  item->special_use = n.special_use;
  return true;
}

// RFC 5258 §3: the selection options pick names, the return options say
// which attributes are shown.
bool extended_list_item(const CmdList& cmd, const Node& n, ListItem* item) {
  bool recursive_hit = false;
  if (cmd.select_subscribed && !n.subscribed) {
    // §3.5: RECURSIVEMATCH also returns a parent of a matching subscribed name.
    if (!(cmd.select_recursive && n.has_subscribed_child)) return false;
    recursive_hit = true;
  }
  if (cmd.select_special_use && (!n.exists || n.special_use == 0)) return false;
  if (!cmd.select_subscribed && !n.exists && !n.has_children) return false;
  if (!n.exists) item->attrs |= kAttrNonExistent;
  if ((cmd.select_subscribed || cmd.return_subscribed) && n.subscribed) item->attrs |= kAttrSubscribed;
  if (cmd.return_children) item->attrs |= children_attr(n);
  if (cmd.return_special_use || cmd.select_special_use) item->special_use = n.special_use;
  item->childinfo_subscribed = recursive_hit;
  return true;
}

}  // namespace

std::vector<ListItem> list_mailboxes(const CmdList& cmd, std::span<const std::string> patterns,
                                     std::span<const MailboxEntry> mailboxes,
                                     std::span<const std::string> subscriptions) {
  std::vector<ListPattern> compiled;
  compiled.reserve(patterns.size());
  for (const std::string& p : patterns) compiled.emplace_back(p, kDelimiter);
  Tree tree = build_tree(mailboxes, subscriptions);

  std::vector<ListItem> out;
  for (const auto& [name, n] : tree) {
    if (!any_match(compiled, name)) continue;
    ListItem item;
    item.name = name;
    item.is_inbox = name == "INBOX";
    bool keep = false;
    if (cmd.kind == CmdList::Kind::lsub) {
      // RFC 3501 §6.3.9: subscribed names, existing or not; with a trailing
      // '%', an unsubscribed superior of a subscribed name as \Noselect.
      // Special-use attributes too: Outlook needs them on LSUB.
      if (n.subscribed) {
        item.special_use = n.exists ? n.special_use : 0;
        keep = true;
      } else if (n.has_subscribed_child && compiled.size() == 1 && compiled[0].ends_with_percent()) {
        item.attrs = kAttrNoselect;
        keep = true;
      }
    } else if (cmd.extended) {
      keep = extended_list_item(cmd, n, &item);
    } else {
      keep = basic_list_item(n, &item);
    }
    if (keep) out.push_back(std::move(item));
  }
  std::sort(out.begin(), out.end(), [](const ListItem& a, const ListItem& b) {
    if (a.is_inbox != b.is_inbox) return a.is_inbox;
    return a.name < b.name;
  });
  return out;
}

uint32_t mailbox_children_attr(std::string_view name, std::span<const MailboxEntry> mailboxes) {
  for (const MailboxEntry& m : mailboxes) {
    // An inferior: name, the delimiter, at least one more character.
    if (m.name.size() > name.size() + 1 && m.name[name.size()] == kDelimiter && m.name.starts_with(name))
      return kAttrHasChildren;
  }
  return kAttrHasNoChildren;
}

std::string list_root(std::string_view reference) {
  size_t at = reference.find(kDelimiter);
  return at == std::string_view::npos ? std::string() : std::string(reference.substr(0, at + 1));
}

}  // namespace loft::proto::imap
