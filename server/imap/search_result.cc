#include "server/imap/search_result.h"

#include <algorithm>

#include "protocol/imap/condstore.h"
#include "protocol/imap/esearch.h"
#include "protocol/imap/search_fuzzy.h"
#include "protocol/imap/search_eval.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

// RFC 7162 §3.1.5 with RFC 4731: the MODSEQ return data of an ESEARCH is
// the found message's mod-sequence for MIN or MAX alone, the higher of the
// two for MIN and MAX, and the highest of all matches otherwise.
uint64_t esearch_modseq(const pi::SearchReturn& ret, const std::vector<uint64_t>& modseqs) {
  bool min_max_only = (ret.min || ret.max) && !ret.all && !ret.count;
  if (!min_max_only) return *std::max_element(modseqs.begin(), modseqs.end());
  uint64_t m = 0;  // hits are ascending: MIN is the first, MAX the last
  if (ret.min) m = std::max(m, modseqs.front());
  if (ret.max) m = std::max(m, modseqs.back());
  return m;
}

}  // namespace

void send_search_result(ImapSession& s, const std::string& tag, const pi::CmdSearch& cmd,
                        const std::vector<uint32_t>& hits, const std::vector<uint64_t>& hit_modseqs,
                        const std::vector<uint8_t>& scores) {
  std::string out;
  bool modseq = !hit_modseqs.empty() && hit_modseqs.size() == hits.size();
  if (cmd.ret && !cmd.ret->reports()) {
    // RFC 5182 §2.1: RETURN (SAVE) alone answers with the tagged OK only.
  } else if (cmd.ret) {
    // RFC 4731 §3.1: with RETURN the answer is ESEARCH, never SEARCH.
    pi::EsearchResponse r = pi::make_esearch(tag, cmd.uid, *cmd.ret, hits, true);
    if (modseq) r.extra.push_back("MODSEQ " + std::to_string(esearch_modseq(*cmd.ret, hit_modseqs)));
    // RFC 6203 §4: a score per match in ALL's order, whatever else is asked
    // (MIN, MAX, COUNT); left out, like ALL, when nothing matched.
    if (cmd.ret->relevancy && !hits.empty()) {
      std::vector<uint8_t> all = scores.size() == hits.size() ? scores : std::vector<uint8_t>(hits.size(), 100);
      r.extra.push_back(pi::relevancy_return_data(all));
    }
    r.serialize(&out);
  } else if (modseq) {
    pi::append_search_modseq_response(&out, hits, *std::max_element(hit_modseqs.begin(), hit_modseqs.end()));
  } else {
    pi::append_search_response(&out, hits);
  }
  s.send(out);
  s.tagged(tag, "OK", cmd.uid ? "UID SEARCH completed" : "SEARCH completed");
}

}  // namespace loft::server::imap
