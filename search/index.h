// The full-text index of one account, on Xapian (docs/search.md): one
// database directory per account, a document per message keyed by
// (mailbox id, uid), holding the character grams (trigrams.h), whole words
// and word stems (word_terms.h) of each searchable field under that field's prefix.
// No positions, no termlist (documents are never deleted: see remove()), no
// stored data beyond the uid: grams narrow candidates,
// which the plain evaluator verifies, and a word term proves a one-word key
// (RFC 3501 §6.4.4 substring semantics stay exact).
//
// Threading: every call blocks (disk I/O); run it on a worker thread, never
// on an event loop. One writer per directory (open); any number of readers
// (open_reader), which see the last commit().
//
// Errors: no exception leaves this folder; Xapian's are turned into Errors.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/trigrams.h"
#include "search/word_terms.h"

namespace Xapian {
class Query;
}

namespace loft::search {

// The searchable texts of a message, one prefix each (the table in index.cc).
// header_text is every header line of every part as TEXT and HEADER see it.
enum class Field : uint8_t { body, header_text, from, to, cc, bcc, subject };
inline constexpr size_t kFieldCount = 7;

// The grams of one message, per Field, as the indexer collected them (the
// extractor fills grams for body and header_text only: header_text holds
// the named fields' values too).
struct MessageTerms {
  std::array<TrigramCollector, kFieldCount> fields;
  TrigramCollector& operator[](Field f) { return fields[static_cast<size_t>(f)]; }
  // Whole words per Field (word_terms.h); header_text has none (TEXT is
  // proven by body words, HEADER names one field).
  std::array<WordTerms, kFieldCount> words;
  WordTerms& words_of(Field f) { return words[static_cast<size_t>(f)]; }
  // Stems of the words of body, header_text and subject (the texts FUZZY
  // BODY, TEXT and SUBJECT look at); empty for the other fields. A stem
  // equal to its word is left out where `words` holds that word, and in
  // header_text when the word has grams (the query looks there instead).
  std::array<StemTerms, kFieldCount> stems;
  StemTerms& stems_of(Field f) { return stems[static_cast<size_t>(f)]; }
};

// One word of a FUZZY needle and its stems in every configured language.
struct FuzzyWord {
  std::string word;                // folded, as split_words gives it
  std::vector<std::string> stems;  // empty when no language is configured
};

// A narrowing condition built from a SEARCH program: its text keys become
// `text` leaves, its FUZZY text keys `fuzzy` leaves; any key the index
// cannot decide (flags, dates, NOT, short needles) is `all`. AND/OR keep
// their meaning, so the set it selects is a superset of the program's matches.
struct Narrow {
  enum class Op : uint8_t { all, and_, or_, text, fuzzy };
  Op op = Op::all;
  std::vector<Field> fields;  // text: the needle occurs in any of these; fuzzy: each exact word's
  std::string folded_needle;  // text: case-folded like the indexed text
  // fuzzy: every word occurs (grams in `fields`) or shares a stem with a
  // word of one of `stem_fields` (search_fuzzy.h's rule).
  std::vector<Field> stem_fields;
  std::vector<FuzzyWord> fuzzy_words;
  std::vector<Narrow> children;
};

// Counts for `loftctl index status`.
struct IndexStats {
  uint64_t documents = 0;  // live: added and not removed
  uint64_t dead = 0;       // removed (remove(), forget_mailbox()) but still stored
  uint64_t bytes = 0;  // on disk
  bool rebuilding = false;  // a rebuild is running or was interrupted, or the format is old
};

class Index {
 public:
  // Opens the database in dir for writing, creating it (and dir) if missing.
  // Errc::in_use if another writer has it open; Errc::temp if dir is unusable.
  static Result<Index> open(const std::string& dir);
  // Opens it read-only; Errc::not_found if no index exists there yet.
  static Result<Index> open_reader(const std::string& dir);

  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;
  ~Index();

  // Indexes a message (added again, it is listed once by candidates()).
  // A field whose collector overflowed makes the document match every text
  // condition (it is then always verified). uid 0 is bad_input.
  Result<void> add(uint64_t mailbox_id, uint32_t uid, const MessageTerms& terms);
  // The message was expunged. The index keeps no termlist, so its document
  // stays (callers only ask about uids that exist) and is counted dead
  // (stats()); a rebuild drops the dead.
  Result<void> remove(uint64_t mailbox_id, uint32_t uid);
  // Every message of the mailbox with a uid <= uid has been indexed (or was
  // expunged): raised monotonically, committed with the documents.
  Result<void> set_indexed_through(uint64_t mailbox_id, uint32_t uid);
  // Forgets the mailbox's mark and counts its documents dead (the mailbox
  // was deleted; its id is never reused).
  Result<void> forget_mailbox(uint64_t mailbox_id);
  // While set (committed with the documents), indexed_through() answers 0
  // for every mailbox: a rebuild in progress, or one interrupted, leaves the
  // account scanned, never answered from a partial index.
  Result<void> set_rebuilding(bool on);
  Result<bool> rebuilding();
  // Makes all changes so far durable and visible to readers.
  Result<void> commit();

  // The mailbox's indexed_through mark (0: nothing indexed, or rebuilding).
  Result<uint32_t> indexed_through(uint64_t mailbox_id);
  // UIDs (ascending) of indexed messages that may match n, or nullopt when n
  // cannot narrow (every message is a candidate).
  Result<std::optional<std::vector<uint32_t>>> candidates(uint64_t mailbox_id, const Narrow& n);
  // UIDs (ascending) of indexed messages holding the folded word as a word
  // term in any of fields: each of them contains it (word_terms.h).
  Result<std::vector<uint32_t>> with_word(uint64_t mailbox_id, const std::vector<Field>& fields,
                                          const std::string& word);
  // The same for every word term of fields that contains word (a fragment
  // of one word, "cqjhonq" in "mcqjhonqn"): each such message contains it.
  // The term dictionary of the fields is walked; if more than max_terms
  // terms contain it, only the exact word's messages are returned (a subset:
  // the rest are verified).
  Result<std::vector<uint32_t>> with_word_containing(uint64_t mailbox_id, const std::vector<Field>& fields,
                                                     const std::string& word, size_t max_terms);
  // False for an index written in an older term scheme (kFormat): it is
  // then treated as rebuilding (scanned) until `loftctl index rebuild`.
  Result<bool> current_format();
  // Records which stem languages the documents' stem terms use (signature,
  // e.g. "english,german"), before any document is added by this writer: an
  // empty index takes it; an index holding stems of other languages is
  // marked mixed for good (until it is rebuilt).
  Result<void> prepare_stems(const std::string& signature);
  // True if every document's stem terms are of exactly these languages, so
  // FUZZY keys may narrow by them (never for an index without stem terms).
  Result<bool> stems_match(const std::string& signature);
  // Records which attachment extractors the documents' text comes from
  // (signature: server/search/attachments.h; "none", also for an index
  // without the mark). True if the index already agrees or was empty (it
  // takes it); false if it holds documents of other extractors: the caller
  // must rebuild it before answering from it.
  Result<bool> prepare_attachments(const std::string& signature);
  // True if the documents' attachment text came from these extractors.
  Result<bool> attachments_match(const std::string& signature);
  Result<IndexStats> stats();

 private:
  struct Impl;
  explicit Index(std::unique_ptr<Impl> impl);
  // The sorted uids of the mailbox's documents matching query.
  Result<std::vector<uint32_t>> matching_uids(uint64_t mailbox_id, const Xapian::Query& query);
  Result<void> add_dead(uint64_t n);
  std::unique_ptr<Impl> impl_;
};

// Removes the index directory (for rebuild); succeeds if there was none.
Result<void> remove_index(const std::string& dir);
// Removes the index's format mark, as an index of the previous term scheme
// has none (tests of the upgrade path; no writer may have it open).
Result<void> clear_format_mark(const std::string& dir);
// Compacts the index in dir into a fresh copy and swaps it in (no writer
// may have it open).
Result<void> optimize_index(const std::string& dir);

}  // namespace loft::search
