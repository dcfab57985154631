// RCPT TO (RFC 2033 §4, RFC 5321 §4.1.1.3): the domain is checked on the
// loop, the account, folder, alias and quota lookups run on a worker.
#include "base/log.h"
#include "protocol/lmtp/address.h"
#include "protocol/lmtp/reply.h"
#include "server/connection.h"
#include "server/lmtp/session.h"
#include "server/server.h"

namespace loft::server::lmtp {

namespace pl = proto::lmtp;

void LmtpSession::on_rcpt(const pl::Command& cmd) {
  const Config& cfg = conn_.server().config();
  if (!in_transaction_) return reply(pl::reply(503, "5.5.1", "MAIL needed first"));
  if (chunking_) return reply(pl::reply(503, "5.5.1", "RCPT after BDAT: finish with BDAT LAST or RSET"));
  if (!cmd.other_params.empty())
    return reply(pl::reply(555, "5.5.4", "Unsupported RCPT parameter " + cmd.other_params.front().keyword));
  if (recipients_.size() >= cfg.limits.max_recipients)  // RFC 5321 §4.5.3.1.8
    return reply(pl::reply(452, "4.5.3", "Too many recipients"));
  pl::Address address = pl::split_address(cmd.path);
  if (address.local.empty() || !pl::is_local(address, cfg.local_domains))
    return reply(pl::reply(550, "5.1.2", "<" + cmd.path + "> Domain is not served here"));
  busy_ = true;
  auto out = std::make_shared<Resolved>();
  auto aliases = conn_.server().aliases().current();  // held for the lookup: a reload cannot free it
  conn_.offload(
      [this, out, aliases, address = std::move(address), path = cmd.path, size = declared_size_] {
        *out = resolve_recipient(conn_.server().store(), address, path, conn_.server().config().lmtp.detail_separators,
                                 aliases.get(), size);
      },
      [this, out] {
        if (out->recipient) {
          recipients_.push_back(std::move(*out->recipient));
          reply(pl::reply(250, "2.1.5", "OK"));
        } else {
          reply(out->reply);
        }
        finish();
      });
}

}  // namespace loft::server::lmtp
