// One POP3 session per maildrop at a time (RFC 2449 §8.1.1 IN-USE): a
// process-wide set of the accounts a POP3 session holds, shared by every
// loop. The lock lives as long as the session, so a dropped connection
// frees it (and, never having reached UPDATE, deletes nothing).
#pragma once

#include <cstdint>

#include "storage/types.h"

namespace loft::server::pop3 {

// Takes the account's maildrop; false when another session holds it.
bool lock_maildrop(storage::AccountId account);
// Releases a maildrop taken by lock_maildrop.
void unlock_maildrop(storage::AccountId account);

}  // namespace loft::server::pop3
