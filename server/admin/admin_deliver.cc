// DELIVER (loftctl deliver): the checks made before any body byte, and the
// final link of a streamed body, shared by loftd's admin socket and loftctl's
// offline mode.
#include <ctime>

#include "base/bytes.h"
#include "base/log.h"
#include "server/admin/admin_service.h"

namespace loft::server {

namespace wire = loft::proto::admin;

namespace {

// RFC 3501 §2.3.2 system flags by name; any other word is a keyword (atom).
Result<void> parse_flags(std::string_view text, storage::DeliveryTarget* t) {
  static const std::pair<const char*, uint32_t> kSystem[] = {{"\\seen", storage::kSeen},
                                                             {"\\answered", storage::kAnswered},
                                                             {"\\flagged", storage::kFlagged},
                                                             {"\\deleted", storage::kDeleted},
                                                             {"\\draft", storage::kDraft}};
  while (!text.empty()) {
    size_t sp = text.find_first_of(" ,");
    std::string_view word = text.substr(0, sp);
    text.remove_prefix(sp == std::string_view::npos ? text.size() : sp + 1);
    if (word.empty()) continue;
    if (word.front() == '\\') {
      bool known = false;
      for (const auto& [name, bit] : kSystem)
        if (iequals(word, name)) {
          t->flags |= bit;
          known = true;
        }
      if (!known) return make_error(Errc::bad_input, "unknown system flag " + std::string(word));
      continue;
    }
    for (unsigned char c : word)  // RFC 3501 §9 atom-specials
      if (c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' ||
          c == ']')
        return make_error(Errc::bad_input, "bad keyword " + std::string(word));
    t->keywords.emplace_back(word);
  }
  return {};
}

}  // namespace

Result<storage::DeliveryTarget> AdminService::delivery_target(const wire::Request& request) {
  auto n = normalize_name(request.name);
  if (!n) return n.error();
  auto account = store_.find_account(*n);
  if (!account) return account.error();
  storage::DeliveryTarget t;
  t.account = account->id;
  t.internal_date = static_cast<int64_t>(std::time(nullptr));
  if (auto ok = parse_flags(request.flags, &t); !ok) return ok.error();
  if (!request.mailbox.empty()) {
    // A missing folder is no reason to lose mail: INBOX, as dovecot-lda does.
    auto box = store_.find_mailbox(account->id, request.mailbox);
    if (box) t.mailbox = box->name;
    else if (box.error().code != Errc::not_found) return box.error();
    else log_warn("deliver: ", *n, " has no mailbox ", request.mailbox, ", delivering to INBOX");
  }
  return t;
}

wire::Response AdminService::deliver(storage::BodyWriter& body, const storage::DeliveryTarget& target) {
  auto copy = store_.append(body, target);
  if (!copy) return wire::Response::failure(copy.error());
  log_info("deliver: ", body.size(), " bytes to account ", target.account, " ", target.mailbox, " uid ", copy->uid);
  wire::Response r;
  r.rows.push_back({target.mailbox, std::to_string(copy->uid)});
  return r;
}

}  // namespace loft::server
