// Proven text keys (see proof.h).
#include "server/search/proof.h"

#include <algorithm>

#include "protocol/imap/search_words.h"
#include "protocol/mime/charset.h"

namespace loft::server::search {
namespace pi = proto::imap;
using loft::search::Field;

std::optional<ProvableKey> provable(const pi::SearchKey& key) {
  using K = pi::SearchKey::Kind;
  if (key.fuzzy) return std::nullopt;  // RFC 6203: read for its relevancy, never proven
  ProvableKey p;
  switch (key.kind) {
    case K::body: case K::text: p.fields = {Field::body}; break;
    case K::from: p.fields = {Field::from}; break;
    case K::to: p.fields = {Field::to}; break;
    case K::cc: p.fields = {Field::cc}; break;
    case K::bcc: p.fields = {Field::bcc}; break;
    case K::subject: p.fields = {Field::subject}; break;
    default: return std::nullopt;  // HEADER names one field; header_text has no words
  }
  p.word = proto::mime::fold_case(key.text);
  auto words = pi::split_words(p.word);
  if (words.size() != 1 || words[0] != p.word) return std::nullopt;
  return p;
}

bool has_provable_key(const pi::SearchKey& program) {
  if (provable(program)) return true;
  return std::any_of(program.children.begin(), program.children.end(),
                     [](const pi::SearchKey& c) { return has_provable_key(c); });
}

Result<Proofs> Proofs::read(loft::search::Index& index, uint64_t mailbox_id, const pi::SearchKey& program,
                            uint32_t through, size_t candidates) {
  Proofs out;
  out.through_ = through;
  if (through == 0) return out;
  // Every key of the tree, NOT's and OR's operands included: a proof is the
  // truth of that key alone, which the evaluator combines as usual.
  std::vector<const pi::SearchKey*> pending{&program};
  while (!pending.empty()) {
    const pi::SearchKey* key = pending.back();
    pending.pop_back();
    for (const auto& c : key->children) pending.push_back(&c);
    auto p = provable(*key);
    if (!p) continue;
    auto uids = index.with_word(mailbox_id, p->fields, p->word);
    if (!uids) return uids.error();
    if (candidates >= uids->size() + kFragmentCandidates) {
      uids = index.with_word_containing(mailbox_id, p->fields, p->word, kMaxFragmentTerms);
      if (!uids) return uids.error();
    }
    if (!uids->empty()) out.by_key_.emplace(key, std::move(*uids));
  }
  return out;
}

bool Proofs::proven(const pi::SearchKey& key, uint32_t uid) const {
  if (uid > through_) return false;  // not indexed yet: always evaluated
  auto it = by_key_.find(&key);
  return it != by_key_.end() && std::binary_search(it->second.begin(), it->second.end(), uid);
}

bool ProvenContent::header_matches(const pi::SearchKey& key) {
  return proofs_.proven(key, uid_) || inner_->header_matches(key);
}

bool ProvenContent::body_matches(const pi::SearchKey& key) {
  return proofs_.proven(key, uid_) || inner_->body_matches(key);
}

}  // namespace loft::server::search
