// Serialization of the mailbox commands' responses (RFC 3501 §7.2, §9).
#include "protocol/imap/mailbox_response.h"

#include "base/bytes.h"
#include "protocol/imap/mutf7.h"
#include "protocol/imap/writer.h"

namespace loft::proto::imap {
namespace {

struct UseName {
  uint32_t bit;
  const char* name;   // RFC 6154 §2
  const char* xlist;  // Gmail's XLIST name
};
constexpr UseName kUses[] = {
    {kSpecialAll, "\\All", "\\AllMail"},        {kSpecialArchive, "\\Archive", "\\Archive"},
    {kSpecialDrafts, "\\Drafts", "\\Drafts"},   {kSpecialFlagged, "\\Flagged", "\\Starred"},
    {kSpecialJunk, "\\Junk", "\\Spam"},         {kSpecialSent, "\\Sent", "\\Sent"},
    {kSpecialTrash, "\\Trash", "\\Trash"},
};

}  // namespace

const char* special_use_name(uint32_t bit) {
  for (const UseName& u : kUses) {
    if (u.bit == bit) return u.name;
  }
  return "";
}

uint32_t special_use_from_name(std::string_view attr) {
  for (const UseName& u : kUses) {
    if (iequals(attr, u.name)) return u.bit;
  }
  return 0;
}

void ListResponse::serialize(std::string* out) const {
  const char* keyword = kind == CmdList::Kind::lsub ? "LSUB" : kind == CmdList::Kind::xlist ? "XLIST" : "LIST";
  *out += "* ";
  *out += keyword;
  *out += " (";
  size_t start = out->size();
  auto add = [&](const char* attr) {
    if (out->size() != start) *out += ' ';
    *out += attr;
  };
  if (item->attrs & kAttrNonExistent) add("\\NonExistent");
  else if (item->attrs & kAttrNoselect) add("\\Noselect");
  if (item->attrs & kAttrHasChildren) add("\\HasChildren");
  if (item->attrs & kAttrHasNoChildren) add("\\HasNoChildren");
  if (item->attrs & kAttrSubscribed) add("\\Subscribed");
  if (kind == CmdList::Kind::xlist && item->is_inbox) add("\\Inbox");
  for (const UseName& u : kUses) {
    if (item->special_use & u.bit) add(kind == CmdList::Kind::xlist ? u.xlist : u.name);
  }
  *out += ") \"/\" ";
  append_mailbox_name(out, item->name, form);
  if (item->childinfo_subscribed) *out += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
  *out += "\r\n";
}

void StatusDataResponse::serialize(std::string* out) const {
  *out += "* STATUS ";
  append_mailbox_name(out, name, form);
  *out += " (";
  using I = CmdStatus::Item;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) *out += ' ';
    switch (items[i]) {
      case I::messages: *out += "MESSAGES " + std::to_string(status.messages); break;
      case I::recent: *out += "RECENT " + std::to_string(status.recent); break;
      case I::uidnext: *out += "UIDNEXT " + std::to_string(status.uidnext); break;
      case I::uidvalidity: *out += "UIDVALIDITY " + std::to_string(status.uidvalidity); break;
      case I::unseen: *out += "UNSEEN " + std::to_string(status.unseen); break;
      case I::highestmodseq: *out += "HIGHESTMODSEQ " + std::to_string(status.highestmodseq); break;
      case I::size: *out += "SIZE " + std::to_string(status.size); break;
      case I::deleted: *out += "DELETED " + std::to_string(status.deleted); break;
      case I::deleted_storage: *out += "DELETED-STORAGE " + std::to_string(status.deleted_storage); break;
      case I::appendlimit:
        *out += "APPENDLIMIT " + (status.appendlimit ? std::to_string(status.appendlimit) : std::string("NIL"));
        break;
      case I::mailboxid: *out += "MAILBOXID (" + status.mailboxid + ")"; break;
    }
  }
  *out += ")\r\n";
}

void NamespaceResponse::serialize(std::string* out) const { *out += "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"; }

void IdResponse::serialize(std::string* out) const {
  if (fields.empty()) {
    *out += "* ID NIL\r\n";
    return;
  }
  *out += "* ID (";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) *out += ' ';
    append_string(out, fields[i].first);
    *out += ' ';
    append_string(out, fields[i].second);
  }
  *out += ")\r\n";
}

void EnabledResponse::serialize(std::string* out) const {
  *out += "* ENABLED";
  for (const std::string& c : capabilities) *out += " " + c;
  *out += "\r\n";
}

}  // namespace loft::proto::imap
