// STATUS item values (status_data.h).
#include "server/imap/status_data.h"

#include <algorithm>
#include <vector>

#include "protocol/imap/object_id.h"
#include "server/imap/recent_claims.h"

namespace loft::server::imap {

namespace pi = proto::imap;

Result<pi::MailboxStatus> status_data(storage::Store& store, const storage::MailboxInfo& m,
                                      std::span<const pi::CmdStatus::Item> items, uint64_t appendlimit) {
  using I = pi::CmdStatus::Item;
  pi::MailboxStatus st;
  st.messages = m.messages;
  st.uidnext = m.uidnext;
  st.uidvalidity = m.uidvalidity;
  st.unseen = m.unseen;
  st.highestmodseq = m.highestmodseq;
  st.appendlimit = appendlimit;
  st.mailboxid = pi::mailbox_object_id(store.object_key(), m.account, m.id);  // RFC 8474 §4.2
  auto asked = [&](I item) { return std::find(items.begin(), items.end(), item) != items.end(); };
  if (asked(I::recent)) {
    // RFC 3501 §2.3.2: messages no session has claimed yet; the asking
    // session adds its own \Recent ones when it has the mailbox selected.
    auto recent = RecentClaims::instance().count_unclaimed(store, m);
    if (!recent) return recent.error();
    st.recent = *recent;
  }
  if (asked(I::size)) {
    // RFC 8438 §3: the total of the messages' RFC822.SIZE, in one pass.
    auto sizes = store.message_sizes(m.id);
    if (!sizes) return sizes.error();
    for (const storage::MessageSize& s : *sizes) st.size += s.size;
  }
  if (asked(I::deleted) || asked(I::deleted_storage)) {
    // RFC 9208 §4.3: the \Deleted messages and what EXPUNGE would free (the
    // sum of their RFC822.SIZE, in octets, which the RFC allows).
    auto index = store.message_index(m.id);
    if (!index) return index.error();
    std::vector<uint32_t> deleted;
    for (const storage::MessageSummary& s : *index) {
      if (s.flags & storage::kDeleted) deleted.push_back(s.uid);
    }
    st.deleted = static_cast<uint32_t>(deleted.size());
    if (asked(I::deleted_storage) && !deleted.empty()) {
      auto metas = store.messages(m.id, deleted);
      if (!metas) return metas.error();
      for (const storage::MessageMeta& meta : *metas) st.deleted_storage += meta.size;
    }
  }
  return st;
}

}  // namespace loft::server::imap
