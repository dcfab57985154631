// The account and delivery mutations of the store, as Requests for the
// committer. Each stages its whole effect into the group's overlay; the
// caller reads the outputs after Committer::run returns successfully.
// Mailbox operations are in mailbox_ops.h, message operations in message_ops.h,
// account deletion (a mark, then purge slices) in purge.h.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "storage/rocks/body_writer.h"
#include "storage/rocks/txn_util.h"

namespace loft::storage::rocks {

// A new account (name already lower-case) with INBOX and the special-use
// mailboxes (RFC 6154), all subscribed, and an unlimited quota row.
struct CreateAccount final : Request {
  std::string name, password_hash;
  Account out;
  Result<void> stage(GroupTxn& txn) override;
};

struct SetPassword final : Request {
  std::string name, password_hash;
  Result<void> stage(GroupTxn& txn) override;
};

// Links a finished body (written by a RocksBodyWriter, still pending) to one
// new message per target. A target that fails gets its error in `out`; if
// none succeeds nothing is staged (the writer then removes the body).
struct LinkBody final : EventRequest {
  FinishedBody body;
  std::vector<DeliveryTarget> targets;
  std::vector<DeliveryOutcome> out;
  uint32_t linked = 0;  // targets stored
  Result<void> stage(GroupTxn& txn) override;
};

// After LinkBody's commit: keeps the body if linked; removes it if no target
// took it; leaves it pending (for open) if the commit failed after staging a
// link, since a write reported failed may still be durable.
void settle_body(RocksBodyWriter& writer, bool committed, uint32_t linked);

// The mailbox a new message of target t goes to, staged and checked (it
// exists, has a UID left, and the account's quota takes size more bytes);
// the error is that target's outcome.
Result<MailboxInfo> target_mailbox(GroupTxn& txn, const DeliveryTarget& t, uint64_t size);
// The record of a new message: what the target asks for, and the body's facts.
MessageMeta message_meta(const DeliveryTarget& t, const FinishedBody& body);

// MULTIAPPEND (RFC 3502 §3): links bodies[i] to one new message at
// targets[i], all or nothing: the first target that fails is the request's
// error and the committer rolls back everything it staged.
struct LinkBodies final : EventRequest {
  std::vector<FinishedBody> bodies;
  std::vector<DeliveryTarget> targets;  // as many as bodies
  std::vector<DeliveredCopy> out;
  bool staged = false;  // stage() completed (the bodies are in the batch)
  Result<void> stage(GroupTxn& txn) override;
};

// REPLACE (RFC 8508 §3.3): expunges old_uid of old_mailbox, then links body
// to one new message at target, in the same batch; any failure (the old
// message gone: Errc::expunged) fails the request and nothing is staged.
struct ReplaceMessage final : EventRequest {
  FinishedBody body;
  DeliveryTarget target;
  MailboxId old_mailbox = 0;
  uint32_t old_uid = 0;
  DeliveredCopy out;
  bool staged = false;  // stage() completed (the body is in the batch)
  Result<void> stage(GroupTxn& txn) override;
};

}  // namespace loft::storage::rocks
