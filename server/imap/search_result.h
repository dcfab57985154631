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
// numbers, or UIDs for UID SEARCH) and the tagged OK. hit_modseqs, parallel
// to hits, is filled when the program has a MODSEQ key (RFC 7162 §3.1.5);
// scores, parallel too, when it has a FUZZY text key (RFC 6203 §4; else 100).
void send_search_result(ImapSession& s, const std::string& tag, const proto::imap::CmdSearch& cmd,
                        const std::vector<uint32_t>& hits, const std::vector<uint64_t>& hit_modseqs = {},
                        const std::vector<uint8_t>& scores = {});

}  // namespace loft::server::imap
