// RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH: check the charset, snapshot
// the view, and evaluate on workers with a SearchJob.
#include "protocol/imap/search.h"
#include "server/imap/search_job.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdSearch& c) {
  // RFC 3501 §6.4.4: an unsupported charset is NO with the list we take.
  if (c.charset && !pi::search_charset_supported(*c.charset)) {
    tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    return;
  }
  Selected* sel = selected();
  busy_ = true;
  auto job = std::make_shared<SearchJob>(*this, tag, c, sel->index, sel->info.id);
  SearchJob::start(std::move(job));
}

}  // namespace loft::server::imap
