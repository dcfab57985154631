// Proven text keys: a SEARCH key whose folded needle is one whole word
// (proto::imap::split_words(needle) == {needle}) is true for every indexed
// message holding that word, or a word containing it, as a word term in the
// key's fields, since a word is a substring of the text it came from (RFC 3501 §6.4.4 substring
// semantics). Such messages are not read for that key; every other key of
// the program (flags, dates, other text keys) is evaluated as before, and a
// proof is only the truth of that one key, so NOT and OR keep their meaning
// (docs/search.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "protocol/imap/search.h"
#include "protocol/imap/search_eval.h"
#include "search/index.h"

namespace loft::server::search {

// The word and fields that can prove key: BODY and TEXT by body words
// (TEXT is "header or body"), FROM..SUBJECT by their field's words; nullopt
// for HEADER, non-text keys, and needles that are not exactly one word.
struct ProvableKey {
  std::vector<loft::search::Field> fields;
  std::string word;  // folded as SearchNeedles folds it
};
std::optional<ProvableKey> provable(const proto::imap::SearchKey& key);

// True if some key of program is provable.
bool has_provable_key(const proto::imap::SearchKey& program);

// For each provable key of one program, the indexed messages that prove it.
class Proofs {
 public:
  // Asks the index once per provable key of program (which must outlive
  // this: keys are known by address). UIDs above through (not indexed yet)
  // are never proven.
  // A key whose exact word leaves kFragmentCandidates or more of the
  // `candidates` (the index's candidate count for the program; 0: none are
  // read) unproven is also proven by the word terms that contain its needle
  // ("cqjhonq" by "mcqjhonqn"), at the cost of a walk of the fields' term
  // dictionary: cheaper than reading that many messages.
  static Result<Proofs> read(loft::search::Index& index, uint64_t mailbox_id, const proto::imap::SearchKey& program,
                             uint32_t through, size_t candidates = 0);
  static constexpr size_t kFragmentCandidates = 64;
  // Word terms containing a fragment beyond which only the exact word proves.
  static constexpr size_t kMaxFragmentTerms = 2000;
  // True if the index proves key true for the message.
  bool proven(const proto::imap::SearchKey& key, uint32_t uid) const;
  bool empty() const { return by_key_.empty(); }

 private:
  std::unordered_map<const proto::imap::SearchKey*, std::vector<uint32_t>> by_key_;  // ascending uids
  uint32_t through_ = 0;
};

// The contents of one message as the evaluator asks them: a key proven for
// it is true without reading; every other question goes to inner.
class ProvenContent final : public proto::imap::SearchContentSource {
 public:
  ProvenContent(const Proofs& proofs, uint32_t uid, proto::imap::SearchContentSource* inner)
      : proofs_(proofs), uid_(uid), inner_(inner) {}
  bool header_matches(const proto::imap::SearchKey& key) override;
  std::optional<int32_t> sent_day() override { return inner_->sent_day(); }
  bool body_matches(const proto::imap::SearchKey& key) override;
  // FUZZY keys are never proven (their relevancy needs the text): read.
  bool fuzzy_matches(const proto::imap::SearchKey& key) override { return inner_->fuzzy_matches(key); }
  double fuzzy_strength(const proto::imap::SearchKey& key) override { return inner_->fuzzy_strength(key); }

 private:
  const Proofs& proofs_;
  uint32_t uid_;
  proto::imap::SearchContentSource* inner_;
};

// The proofs alone, for a message whose record and text are not read yet:
// a proven key is true; any other question is noted (asked()) and answered
// false, so an evaluation that asked decides nothing and must be done again
// with the message's contents. One that did not ask is exact, if the program
// has no key the record answers (keywords, dates, sizes).
class ProofOnlyContent final : public proto::imap::SearchContentSource {
 public:
  ProofOnlyContent(const Proofs& proofs, uint32_t uid) : proofs_(proofs), uid_(uid) {}
  bool header_matches(const proto::imap::SearchKey& key) override { return answer(key); }
  std::optional<int32_t> sent_day() override {
    asked_ = true;
    return std::nullopt;
  }
  bool body_matches(const proto::imap::SearchKey& key) override { return answer(key); }
  bool fuzzy_matches(const proto::imap::SearchKey&) override { return unknown(); }
  double fuzzy_strength(const proto::imap::SearchKey&) override { return unknown(); }
  bool asked() const { return asked_; }

 private:
  bool answer(const proto::imap::SearchKey& key) { return proofs_.proven(key, uid_) || unknown(); }
  bool unknown() {
    asked_ = true;
    return false;
  }
  const Proofs& proofs_;
  uint32_t uid_;
  bool asked_ = false;
};

}  // namespace loft::server::search
