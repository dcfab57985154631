// Test helper: the mailbox commands (mailbox_commands.h) as short text, for
// imap_test_util.h's describe().
#pragma once

#include <string>

#include "protocol/imap/command.h"

namespace loft::proto::imap::test {

inline std::string describe_mailbox(const CmdCreate& c) {
  std::string s = "CREATE [" + c.mailbox + "]";
  for (const std::string& u : c.use) s += " use=" + u;
  return s;
}
inline std::string describe_mailbox(const CmdDelete& c) { return "DELETE [" + c.mailbox + "]"; }
inline std::string describe_mailbox(const CmdRename& c) { return "RENAME [" + c.from + "] [" + c.to + "]"; }
inline std::string describe_mailbox(const CmdSubscribe& c) {
  return (c.subscribe ? "SUBSCRIBE [" : "UNSUBSCRIBE [") + c.mailbox + "]";
}
inline std::string describe_status_items(const std::vector<CmdStatus::Item>& items) {
  static const char* const kNames[] = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ",
                                       "SIZE", "DELETED", "DELETED-STORAGE", "APPENDLIMIT", "MAILBOXID"};
  std::string s;
  for (CmdStatus::Item i : items) s += std::string(" ") + kNames[static_cast<int>(i)];
  return s;
}
inline std::string describe_mailbox(const CmdList& c) {
  std::string s = c.kind == CmdList::Kind::lsub ? "LSUB" : c.kind == CmdList::Kind::xlist ? "XLIST" : "LIST";
  if (c.extended) s += " ext";
  if (c.select_subscribed) s += " sel=SUBSCRIBED";
  if (c.select_recursive) s += " sel=RECURSIVEMATCH";
  if (c.select_special_use) s += " sel=SPECIAL-USE";
  s += " [" + c.reference + "]";
  for (const std::string& p : c.patterns) s += " [" + p + "]";
  if (c.return_subscribed) s += " ret=SUBSCRIBED";
  if (c.return_children) s += " ret=CHILDREN";
  if (c.return_special_use) s += " ret=SPECIAL-USE";
  if (c.return_status) s += " ret=STATUS" + describe_status_items(c.status_items);
  return s;
}
inline std::string describe_mailbox(const CmdStatus& c) {
  return "STATUS [" + c.mailbox + "]" + describe_status_items(c.items);
}
inline std::string describe_mailbox(const CmdNamespace&) { return "NAMESPACE"; }
inline std::string describe_mailbox(const CmdId& c) {
  std::string s = "ID";
  for (const auto& [k, v] : c.fields) s += " [" + k + "]=" + (v ? "[" + *v + "]" : "NIL");
  return s;
}
inline std::string describe_mailbox(const CmdEnable& c) {
  std::string s = "ENABLE";
  for (const std::string& cap : c.capabilities) s += " " + cap;
  return s;
}

}  // namespace loft::proto::imap::test
