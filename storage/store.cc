// The Store conveniences built on its virtual calls.
#include "storage/store.h"

namespace loft::storage {

namespace {

// The deliver(string_view, ...) answer from per-target outcomes: the first
// failing target's error (the others are stored), else every copy.
Result<std::vector<DeliveredCopy>> copies_of(Result<std::vector<DeliveryOutcome>> outcomes) {
  if (!outcomes) return outcomes.error();
  std::vector<DeliveredCopy> out;
  for (auto& o : *outcomes) {
    if (!o) return o.error();
    out.push_back(*o);
  }
  return out;
}

std::vector<DeliveryTarget> inbox_targets(std::span<const AccountId> accounts, int64_t internal_date) {
  std::vector<DeliveryTarget> targets(accounts.size());
  for (size_t i = 0; i < accounts.size(); ++i) {
    targets[i].account = accounts[i];
    targets[i].internal_date = internal_date;
  }
  return targets;
}

}  // namespace

Result<DeliveredCopy> Store::append(BodyWriter& body, const DeliveryTarget& target) {
  auto outcomes = deliver(body, std::span<const DeliveryTarget>(&target, 1));
  if (!outcomes) return outcomes.error();
  if (outcomes->size() != 1) return make_error(Errc::internal, "append: one target, not one outcome");
  return std::move(outcomes->front());
}

Result<std::vector<DeliveredCopy>> Store::deliver(std::string_view body, std::span<const AccountId> accounts,
                                                  int64_t internal_date) {
  if (accounts.empty()) return make_error(Errc::bad_input, "delivery without recipients");
  auto writer = begin_body();
  if (!writer) return writer.error();
  if (auto w = (*writer)->write(body); !w) return w.error();
  return copies_of(deliver(**writer, inbox_targets(accounts, internal_date)));
}

void Store::deliver_async(std::string_view body, std::span<const AccountId> accounts, int64_t internal_date,
                          Done<std::vector<DeliveredCopy>> done) {
  if (accounts.empty()) return done(make_error(Errc::bad_input, "delivery without recipients"));
  auto writer = begin_body();
  if (!writer) return done(writer.error());
  if (auto w = (*writer)->write(body); !w) return done(w.error());
  deliver_async(std::move(*writer), inbox_targets(accounts, internal_date),
                [done = std::move(done)](Result<std::vector<DeliveryOutcome>> r) { done(copies_of(std::move(r))); });
}

void Store::update_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op, uint32_t flags,
                               Done<std::vector<MessageSummary>> done) {
  FlagChange change;
  change.op = op;
  change.flags = flags;
  store_flags_async(mailbox, uids, change, [done = std::move(done)](Result<FlagResult> r) {
    if (!r) return done(r.error());
    done(std::move(r->updated));
  });
}

Result<std::vector<MessageSummary>> Store::update_flags(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op,
                                                        uint32_t flags) {
  FlagChange change;
  change.op = op;
  change.flags = flags;
  auto r = store_flags(mailbox, uids, change);
  if (!r) return r.error();
  return std::move(r->updated);
}

}  // namespace loft::storage
