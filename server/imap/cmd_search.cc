// RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH: check the charset, snapshot
// the view, and evaluate on workers with a SearchJob.
#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/search.h"
#include "server/imap/search_job.h"
#include "server/imap/session.h"
#include "server/search/indexer.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdSearch& c) {
  // RFC 3501 §6.4.4: an unsupported charset is NO with the list we take.
  if (c.charset && !pi::search_charset_supported(*c.charset)) {
    tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    return;
  }
  // RFC 5182 SAVE (SEARCHRES) is not offered: an option Loft does not know is BAD (RFC 4731 §3.1).
  if (c.ret && c.ret->save) {
    tagged(tag, "BAD", "Unknown RETURN option SAVE");
    return;
  }
  Selected* sel = selected();
  // RFC 7162 §3.1: SEARCH MODSEQ enables CONDSTORE.
  if (pi::search_uses_modseq(c.program)) enable(pi::kEnableCondstore);
  busy_ = true;
  // A snapshot of the client's numbering: the view may change while workers run.
  const MailboxView& view = *sel->view;
  std::vector<SearchJob::Message> messages;
  messages.reserve(view.exists());
  for (uint32_t seq = 1; seq <= view.exists(); ++seq) {
    uint32_t uid = view.uid_at(seq).value_or(0);
    SearchJob::Message m{uid, 0, false, 0};
    if (auto st = view.state(uid)) {  // nullopt: expunged, not yet reported; matches no flag key
      m.flags = st->flags;
      m.recent = st->recent;
      m.modseq = st->modseq;
    }
    messages.push_back(m);
  }
  auto job = std::make_shared<SearchJob>(*this, tag, c, std::move(messages), sel->info.id);
  if (conn().server().config().search_index) {
    job->use_index(search::index_dir(conn().server().config().data_dir, sel->info.account));
  }
  SearchJob::start(std::move(job));
}

}  // namespace loft::server::imap
