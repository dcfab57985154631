// Helpers shared by the mailbox command handlers (cmd_create.cc ...
// cmd_status.cc): name checks answered the same way everywhere, and the
// store calls that need more than one step.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/imap/mailbox_list.h"
#include "storage/store.h"

namespace loft::server::imap {

class ImapSession;

// The name in *name if it is valid; else answers "tag NO [CANNOT] reason"
// (the client's name can never work, RFC 5530 §3) and returns nullopt.
std::optional<std::string> checked_name(ImapSession& session, const std::string& tag, Result<std::string> name);

// A name a client wants to bring into existence (CREATE, RENAME's target),
// decoded and answered as checked_name. An IMAP4rev2 session may not create
// a name that is not in NFC (RFC 9051 §5.1: MUST refuse or convert); rev1
// sessions keep their byte-exact names.
std::optional<std::string> checked_new_name(ImapSession& session, const std::string& tag, std::string_view wire);

// Answers a store error about a mailbox: NONEXISTENT and ALREADYEXISTS name
// the mailbox in its wire form (response text is 7-bit, RFC 3501 §9 TEXT-CHAR);
// other codes as ImapSession::tagged_error.
void tagged_mailbox_error(ImapSession& session, const std::string& tag, const Error& error, std::string_view name);

// Creates name, then each of its superiors that does not exist yet (RFC
// 3501 §6.3.3: the server SHOULD create them, so none is left \Noselect).
// Blocking: call on a worker.
Result<void> create_with_superiors(storage::Store& store, storage::AccountId account, const std::string& name,
                                   uint32_t special_use);
// Creates each missing superior of name (after a RENAME). Blocking.
Result<void> create_superiors(storage::Store& store, storage::AccountId account, const std::string& name);

// The store's mailboxes as the LIST engine takes them.
std::vector<proto::imap::MailboxEntry> list_entries(const std::vector<storage::MailboxInfo>& mailboxes);

}  // namespace loft::server::imap
