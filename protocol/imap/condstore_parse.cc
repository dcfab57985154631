// The RFC 7162 §7 grammar: select-params, fetch-modifiers, store-modifiers
// and search-modsequence.
#include "protocol/imap/condstore_parse.h"

#include <string>

#include "base/bytes.h"
#include "protocol/imap/condstore.h"
#include "protocol/imap/message_parse.h"

namespace loft::proto::imap {
namespace {

// mod-sequence-value (non-zero) or mod-sequence-valzer (zero allowed).
bool read_modseq(Reader* r, bool zero_ok, uint64_t* out) {
  if (!zero_ok && r->peek() == '0') return r->fail("Invalid mod-sequence");
  return r->read_number(kMaxModseq, out);
}

// True if SP "(" follows: the optional parameter list is there.
bool starts_list(Reader r) { return r.skip_if(' ') && r.peek() == '('; }

// "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
// [SP seq-match-data] ")"; seq-match-data = "(" known-sequence-set SP known-uid-set ")".
bool parse_qresync(Reader* r, QresyncParams* q) {
  uint64_t uidvalidity = 0;
  if (!r->expect_sp() || !r->open_list() || !r->read_nz_number(UINT32_MAX, &uidvalidity) || !r->expect_sp() ||
      !read_modseq(r, false, &q->modseq))
    return false;
  q->uidvalidity = static_cast<uint32_t>(uidvalidity);
  if (r->skip_if(' ')) {
    if (r->peek() != '(') {
      SeqSet known;
      if (!parse_seq_set(r, &known)) return false;
      q->known_uids = std::move(known);
      if (!r->skip_if(' ')) return r->close_list();
    }
    SeqSet seqs, uids;
    if (!r->open_list() || !parse_seq_set(r, &seqs) || !r->expect_sp() || !parse_seq_set(r, &uids) ||
        !r->close_list())
      return false;
    q->match_seqs = std::move(seqs);
    q->match_uids = std::move(uids);
  }
  return r->close_list();
}

}  // namespace

bool parse_select_params(Reader* r, CmdSelect* cmd) {
  if (!starts_list(*r)) return true;  // anything else is the caller's "extra arguments"
  if (!r->skip_if(' ') || !r->open_list()) return false;
  do {
    std::string name;
    if (!r->read_atom(&name)) return false;
    if (iequals(name, "CONDSTORE") && !cmd->condstore) {
      cmd->condstore = true;
    } else if (iequals(name, "QRESYNC") && !cmd->qresync) {
      QresyncParams q;
      if (!parse_qresync(r, &q)) return false;
      cmd->qresync = std::move(q);
    } else {
      return r->fail("Unknown or repeated SELECT parameter " + name);
    }
  } while (r->skip_if(' '));
  return r->close_list();
}

bool parse_fetch_modifiers(Reader* r, CmdFetch* cmd) {
  if (!starts_list(*r)) return true;  // anything else is the caller's "extra arguments"
  if (!r->skip_if(' ') || !r->open_list()) return false;
  do {
    std::string name;
    if (!r->read_atom(&name)) return false;
    if (iequals(name, "CHANGEDSINCE") && !cmd->changed_since) {
      uint64_t m = 0;
      if (!r->expect_sp() || !read_modseq(r, true, &m)) return false;
      cmd->changed_since = m;
    } else if (iequals(name, "VANISHED") && !cmd->vanished) {
      cmd->vanished = true;
    } else {
      return r->fail("Unknown or repeated FETCH modifier " + name);
    }
  } while (r->skip_if(' '));
  if (!r->close_list()) return false;
  // RFC 7162 §3.2.6: VANISHED needs CHANGEDSINCE and is for UID FETCH only.
  if (cmd->vanished && (!cmd->uid || !cmd->changed_since))
    return r->fail("VANISHED needs UID FETCH with CHANGEDSINCE");
  return true;
}

bool parse_store_modifiers(Reader* r, std::optional<uint64_t>* unchanged_since) {
  if (!r->open_list()) return false;
  std::string name;
  if (!r->read_atom(&name)) return false;
  if (!iequals(name, "UNCHANGEDSINCE")) return r->fail("Unknown STORE modifier " + name);
  uint64_t m = 0;
  if (!r->expect_sp() || !read_modseq(r, true, &m) || !r->close_list() || !r->expect_sp()) return false;
  *unchanged_since = m;
  return true;
}

bool parse_search_modseq(Reader* r, uint64_t* modseq) {
  if (!r->expect_sp()) return false;
  if (r->peek() == '"') {
    // entry-name = DQUOTE "/flags/" attr-flag DQUOTE; entry-type-req = "priv" / "shared" / "all".
    // Loft keeps one modseq per message, which RFC 7162 §3.1.5 lets a server compare instead.
    std::string entry, type;
    if (!r->read_string(&entry) || !r->expect_sp() || !r->read_atom(&type)) return false;
    if (entry.size() <= 7 || !iequals(std::string_view(entry).substr(0, 7), "/flags/"))
      return r->fail("Invalid MODSEQ entry name");
    if (!iequals(type, "priv") && !iequals(type, "shared") && !iequals(type, "all"))
      return r->fail("Invalid MODSEQ entry type");
    if (!r->expect_sp()) return false;
  }
  return read_modseq(r, true, modseq);
}

}  // namespace loft::proto::imap
