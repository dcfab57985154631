// The Store conveniences built on its virtual calls.
#include "storage/store.h"

namespace loft::storage {

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
  std::vector<DeliveryTarget> targets(accounts.size());
  for (size_t i = 0; i < accounts.size(); ++i) {
    targets[i].account = accounts[i];
    targets[i].internal_date = internal_date;
  }
  auto outcomes = deliver(**writer, targets);
  if (!outcomes) return outcomes.error();
  std::vector<DeliveredCopy> out;
  for (auto& o : *outcomes) {
    if (!o) return o.error();
    out.push_back(*o);
  }
  return out;
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
