// RFC 5256 §3 THREAD / UID THREAD (ORDEREDSUBJECT, REFERENCES, REFS):
// checks the charset, then a SortJob searches, reads headers and threads.
#include "protocol/imap/enable.h"
#include "protocol/imap/utf8_accept.h"
#include "server/imap/session.h"
#include "server/imap/sort_job.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdThread& c) {
  // RFC 6855 erratum 4029: after ENABLE UTF8=ACCEPT the charset must be UTF-8.
  if ((enabled_ & pi::kEnableUtf8Accept) && pi::utf8_accept_charset_conflict(*c.search.charset, true)) {
    tagged(tag, "BAD", "Only CHARSET UTF-8 after ENABLE UTF8=ACCEPT (RFC 6855)");
    return;
  }
  // RFC 9051 Appendix E: IMAP4rev2 has no NEW, OLD or RECENT key.
  if (!rev2_search_keys_ok(c.search.program)) {
    tagged(tag, "BAD", kRev2NoRecentKeys);
    return;
  }
  if (!pi::search_charset_supported(*c.search.charset)) {
    tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    return;
  }
  busy_ = true;
  SortJob::Request req;
  req.uid = c.uid;
  req.thread = true;
  req.algorithm = c.algorithm;
  SortJob::start(*this, tag, std::move(req), c.search);
}

}  // namespace loft::server::imap
