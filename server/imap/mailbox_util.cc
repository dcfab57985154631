// Shared pieces of the mailbox command handlers.
#include "server/imap/mailbox_util.h"

#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_commands.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mutf7.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

// protocol/ may not see storage/: the special-use bits are declared twice.
static_assert(uint32_t{pi::kSpecialAll} == storage::kUseAll);
static_assert(uint32_t{pi::kSpecialArchive} == storage::kUseArchive);
static_assert(uint32_t{pi::kSpecialDrafts} == storage::kUseDrafts);
static_assert(uint32_t{pi::kSpecialFlagged} == storage::kUseFlagged);
static_assert(uint32_t{pi::kSpecialJunk} == storage::kUseJunk);
static_assert(uint32_t{pi::kSpecialSent} == storage::kUseSent);
static_assert(uint32_t{pi::kSpecialTrash} == storage::kUseTrash);

std::optional<std::string> checked_name(ImapSession& session, const std::string& tag, Result<std::string> name) {
  if (name) return std::move(*name);
  session.tagged(tag, "NO", "[CANNOT] " + name.error().message);
  return std::nullopt;
}

std::optional<std::string> checked_new_name(ImapSession& session, const std::string& tag, std::string_view wire) {
  auto name = checked_name(session, tag, pi::decode_new_mailbox_name(wire, session.name_form()));
  if (name && (session.enabled() & pi::kEnableImap4rev2) && !pi::is_nfc(*name)) {
    session.tagged(tag, "NO", "[CANNOT] Mailbox name is not in Unicode normalization form C (RFC 9051 section 5.1)");
    return std::nullopt;
  }
  return name;
}

void tagged_mailbox_error(ImapSession& session, const std::string& tag, const Error& error, std::string_view name) {
  if (error.code == Errc::not_found)
    session.tagged(tag, "NO", "[NONEXISTENT] Mailbox doesn't exist: " + pi::mutf7_encode(name));
  else if (error.code == Errc::exists)
    session.tagged(tag, "NO", "[ALREADYEXISTS] Mailbox already exists: " + pi::mutf7_encode(name));
  else
    session.tagged_error(tag, error);
}

Result<void> create_superiors(storage::Store& store, storage::AccountId account, const std::string& name) {
  for (const std::string& sup : pi::superior_names(name)) {
    auto made = store.create_mailbox(account, sup);
    // Another session may create it at the same time: existing is success.
    if (!made && made.error().code != Errc::exists) return made.error();
  }
  return {};
}

Result<void> create_with_superiors(storage::Store& store, storage::AccountId account, const std::string& name,
                                   uint32_t special_use) {
  // The name itself first: if it exists, nothing else is created.
  auto made = store.create_mailbox(account, name, special_use);
  if (!made) return made.error();
  return create_superiors(store, account, name);
}

std::vector<pi::MailboxEntry> list_entries(const std::vector<storage::MailboxInfo>& mailboxes) {
  std::vector<pi::MailboxEntry> out;
  out.reserve(mailboxes.size());
  for (const storage::MailboxInfo& m : mailboxes) out.push_back({m.name, m.special_use});
  return out;
}

}  // namespace loft::server::imap
