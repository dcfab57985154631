// RFC 5256 §3 SORT / UID SORT, RFC 5957 DISPLAYFROM/DISPLAYTO, RFC 5267 §3.2
// ESORT (SORT RETURN): checks the charset, then a SortJob does the rest.
#include "protocol/imap/enable.h"
#include "protocol/imap/utf8_accept.h"
#include "server/imap/session.h"
#include "server/imap/sort_job.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdSort& c) {
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
  // RFC 5256 §3: an unknown charset is NO [BADCHARSET] as for SEARCH.
  if (!pi::search_charset_supported(*c.search.charset)) {
    if (c.ret && c.ret->save) selected()->search_result.clear();  // RFC 5182 §2.1: NO empties "$"
    tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    return;
  }
  SortJob::Request req;
  // RFC 5267 §4.3 CONTEXT=SORT: RETURN (UPDATE) keeps the sorted result up to date.
  std::optional<SearchContexts::Spec> track;
  if (c.ret && c.ret->update && !prepare_context(*this, tag, c.uid, c.search, c.criteria, &track)) return;
  if (track) {
    req.sorted = [this, spec = std::move(*track)](const std::vector<uint32_t>& uids) {
      if (selected()) contexts().add(spec, uids);
    };
  }
  busy_ = true;
  req.uid = c.uid;
  req.criteria = c.criteria;
  req.ret = c.ret;
  SortJob::start(*this, tag, std::move(req), c.search);
}

}  // namespace loft::server::imap
