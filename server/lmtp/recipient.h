// LMTP recipients: what a RCPT TO path delivers to (an account's INBOX, the
// folder its +detail names, or an alias's accounts), and, after DATA, one
// store target per account with one reply per recipient (RFC 2033 §4.2).
// Blocking lookups: resolve_recipient runs on a worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/lmtp/address.h"
#include "protocol/lmtp/aliases.h"
#include "storage/store.h"

namespace loft::server::lmtp {

// One account a recipient delivers to.
struct RcptTarget {
  storage::AccountId account = 0;
  std::string name;               // the account's name, for logs
  std::string mailbox = "INBOX";  // the +detail folder when it exists
};

struct Recipient {
  std::string path;                 // as sent in RCPT TO, for the reply text
  std::vector<RcptTarget> targets;  // one account, or an alias's accounts
};

// A recipient, or the reply refusing it.
struct Resolved {
  std::optional<Recipient> recipient;
  std::string reply;  // "550 5.1.1 ...\r\n" etc. when recipient is empty
};

// Resolves a local address (the caller checked its domain). The whole local
// part names an account first; then the part before a detail separator,
// with the detail as folder if the account has it; then the aliases.
// declared_size (MAIL SIZE=) over an account's quota refuses it now: 552 5.2.2.
Resolved resolve_recipient(storage::Store& store, const proto::lmtp::Address& address, std::string_view path,
                           std::string_view detail_separators, const proto::lmtp::Aliases* aliases,
                           std::optional<uint64_t> declared_size);

// What one DATA / BDAT LAST stores: each account once (the first recipient
// naming it decides the folder: the same message, so the same Message-ID,
// reaches an account once per transaction), and per recipient the indices
// of its targets in `targets`.
struct DeliveryPlan {
  std::vector<storage::DeliveryTarget> targets;
  std::vector<std::string> target_mailbox;       // folder asked for, per target
  std::vector<std::vector<size_t>> of_recipient;
};
DeliveryPlan plan_delivery(const std::vector<Recipient>& recipients, int64_t internal_date);

// The reply for recipient r once the store answered for every target: 250
// when each of its targets was stored, else the first failure's code. A
// folder that vanished after RCPT is a temporary failure (451 4.3.0: the
// retry goes to INBOX), as is any storage error of that target alone.
std::string recipient_reply(const Recipient& recipient, const std::vector<size_t>& indices, const DeliveryPlan& plan,
                            const std::vector<storage::DeliveryOutcome>& outcomes);

}  // namespace loft::server::lmtp
