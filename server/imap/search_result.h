// The end of a SEARCH (RFC 3501 §7.2.5 SEARCH, RFC 4731 ESEARCH): the
// response the command's RETURN options ask for, sent on the loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/imap/search.h"

namespace loft::server::imap {

class ImapSession;

// Sends "* SEARCH ..." or "* ESEARCH ..." for hits (ascending sequence
// numbers, or UIDs for UID SEARCH) and the tagged OK.
void send_search_result(ImapSession& s, const std::string& tag, const proto::imap::CmdSearch& cmd,
                        const std::vector<uint32_t>& hits);

}  // namespace loft::server::imap
