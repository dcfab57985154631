// RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH: check the charset, snapshot
// the view, and evaluate on workers with a SearchJob.
#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/search.h"
#include "protocol/imap/utf8_accept.h"
#include "server/imap/search_job.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

bool ImapSession::rev2_search_keys_ok(const pi::SearchKey& program) const {
  return !(enabled_ & pi::kEnableImap4rev2) || !pi::has_recent_key(program);
}

void ImapSession::handle(const std::string& tag, const pi::CmdSearch& c) {
  // RFC 6855 §3: after ENABLE UTF8=ACCEPT a CHARSET label is BAD.
  if ((enabled_ & pi::kEnableUtf8Accept) && pi::utf8_accept_charset_conflict(c.charset, false)) {
    tagged(tag, "BAD", "No CHARSET after ENABLE UTF8=ACCEPT (RFC 6855)");
    return;
  }
  // RFC 9051 Appendix E: IMAP4rev2 has no NEW, OLD or RECENT key. A BAD
  // leaves "$" as it was (RFC 5182 §2.1).
  if (!rev2_search_keys_ok(c.program)) {
    tagged(tag, "BAD", kRev2NoRecentKeys);
    return;
  }
  // RFC 3501 §6.4.4: an unsupported charset is NO with the list we take.
  if (c.charset && !pi::search_charset_supported(*c.charset)) {
    if (c.ret && c.ret->save) selected()->search_result.clear();  // RFC 5182 §2.1: NO empties "$"
    tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    return;
  }
  // RFC 5267 §4.3: RETURN (UPDATE) keeps the result up to date.
  std::optional<SearchContexts::Spec> track;
  if (c.ret && c.ret->update && !prepare_context(*this, tag, c.uid, c, std::nullopt, &track)) return;
  // RFC 7162 §3.1: SEARCH MODSEQ enables CONDSTORE.
  if (pi::search_uses_modseq(c.program)) enable(pi::kEnableCondstore);
  busy_ = true;
  // RFC 9051 §6.4.4: IMAP4rev2 answers with ESEARCH; no RETURN is RETURN (ALL).
  if ((enabled_ & pi::kEnableImap4rev2) && !c.ret) {
    pi::CmdSearch rev2 = c;
    rev2.ret = pi::SearchReturn{};
    rev2.ret->all = true;
    SearchJob::start(SearchJob::for_selected(*this, tag, rev2));
    return;
  }
  auto job = SearchJob::for_selected(*this, tag, c);
  if (track) job->track(std::move(*track));
  SearchJob::start(std::move(job));
}

}  // namespace loft::server::imap
