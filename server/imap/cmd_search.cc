// RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH: check the charset, snapshot
// the view, and evaluate on workers with a SearchJob.
#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/search.h"
#include "server/imap/search_job.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdSearch& c) {
  // RFC 3501 §6.4.4: an unsupported charset is NO with the list we take.
  if (c.charset && !pi::search_charset_supported(*c.charset)) {
    if (c.ret && c.ret->save) selected()->search_result.clear();  // RFC 5182 §2.1: NO empties "$"
    tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    return;
  }
  // RFC 7162 §3.1: SEARCH MODSEQ enables CONDSTORE.
  if (pi::search_uses_modseq(c.program)) enable(pi::kEnableCondstore);
  busy_ = true;
  SearchJob::start(SearchJob::for_selected(*this, tag, c));
}

}  // namespace loft::server::imap
