// Internal to the store check: what check_rules.cc (the table) and
// check_log_rules.cc (the checks of schema 2's change log, quotas, index
// jobs and bodies left pending by a crash) share.
#pragma once

#include <functional>
#include <string>

#include "storage/rocks/check.h"

namespace loft::storage::rocks {

// The guard on a mailbox record as seen in the snapshot.
Fix::Guard guard_mailbox(const MailboxRow& row);
// A fix that rewrites the current mailbox record (read through the group and
// the committer's floors), guarded by the snapshot's record.
Fix mailbox_fix(const MailboxRow& row, std::string action, std::function<void(MailboxInfo&)> change);

// Quota usage equals the sizes and count of the account's messages.
void quota_usage(const Inventory& inv, Findings& out);
// Change-log rows have an existing mailbox, at most its HIGHESTMODSEQ.
void change_log(const Inventory& inv, Findings& out);
// Index jobs name their mailbox's account; a UID's last add names a message.
void index_jobs(const Inventory& inv, Findings& out);
// No body is pending since before the store's open (open removes those).
void pending_bodies(const Inventory& inv, Findings& out);

}  // namespace loft::storage::rocks
