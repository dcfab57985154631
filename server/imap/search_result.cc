#include "server/imap/search_result.h"

#include "protocol/imap/esearch.h"
#include "protocol/imap/search_eval.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void send_search_result(ImapSession& s, const std::string& tag, const pi::CmdSearch& cmd,
                        const std::vector<uint32_t>& hits) {
  std::string out;
  if (cmd.ret) {
    // RFC 4731 §3.1: with RETURN the answer is ESEARCH, never SEARCH.
    pi::make_esearch(tag, cmd.uid, *cmd.ret, hits, true).serialize(&out);
  } else {
    pi::append_search_response(&out, hits);
  }
  s.send(out);
  s.tagged(tag, "OK", cmd.uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace loft::server::imap
