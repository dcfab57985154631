// Index on Xapian. Every Xapian call runs inside guarded(), the one place
// its exceptions are turned into loft::Error.
#include "search/index.h"

#include <xapian.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <system_error>
#include <utility>

#include "base/bytes.h"

namespace loft::search {
namespace {

// The one Field -> term prefix table (IMAP key -> Field is in the server's
// narrowing, docs/search.md). Prefixes are upper-case ASCII; trigrams are
// case-folded text, so a prefix and a trigram never run together.
constexpr std::array<const char*, kFieldCount> kPrefixes{
    "B",  // body: BODY, TEXT (RFC 3501 §6.4.4)
    "T",  // header_text: TEXT, HEADER
    "F",  // from: FROM
    "O",  // to: TO
    "C",  // cc: CC
    "K",  // bcc: BCC
    "S",  // subject: SUBJECT
};
constexpr const char* kMailboxPrefix = "XM";
constexpr const char* kOverflowTerm = "XOVERFLOW";  // matches every text condition
constexpr const char* kThroughKey = "through:";     // metadata: indexed_through per mailbox
constexpr const char* kRebuildingKey = "rebuilding";  // metadata: "1" while a rebuild is incomplete
// Whole-word terms: "W" + the field's prefix + the folded word (word_terms.h).
constexpr const char* kWordPrefix = "W";
// metadata: the term scheme. 2 = CJK bigrams and word terms; 3 = the same
// without Xapian's termlist table (DB_NO_TERMLIST: documents are never
// deleted, see remove()); 4 = text folded by NFKC_Casefold (protocol/mime/
// charset.h). An index of an older scheme (1, trigrams only, has no mark)
// reads as rebuilding: scanned, exact.
constexpr const char* kFormatKey = "format";
constexpr const char* kFormat = "4";
// metadata: documents left behind by remove() and forget_mailbox(), decimal.
constexpr const char* kDeadKey = "dead";
// Stem terms (SEARCH=FUZZY): "Z" + the field's prefix + the stem. The
// metadata key holds the languages they were made in; kMixedStems once the
// documents disagree (the configuration changed without a rebuild).
constexpr const char* kStemPrefix = "Z";
constexpr const char* kStemsKey = "stems";
constexpr const char* kMixedStems = "!mixed";
constexpr const char* kAttachmentsKey = "attachments";  // metadata: the extractors' signature
constexpr Xapian::valueno kUidSlot = 0;

const char* prefix_of(Field f) { return kPrefixes[static_cast<size_t>(f)]; }

std::string mailbox_term(uint64_t mailbox_id) { return kMailboxPrefix + std::to_string(mailbox_id); }

template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Xapian::DatabaseLockError& e) {
    return make_error(Errc::in_use, std::string(what) + ": " + e.get_description());
  } catch (const Xapian::DatabaseOpeningError& e) {
    return make_error(Errc::not_found, std::string(what) + ": " + e.get_description());
  } catch (const Xapian::DatabaseCorruptError& e) {
    return make_error(Errc::internal, std::string(what) + ": " + e.get_description());
  } catch (const Xapian::LogicError& e) {  // misuse of the API: a bug here
    return make_error(Errc::internal, std::string(what) + ": " + e.get_description());
  } catch (const Xapian::Error& e) {
    return make_error(Errc::temp, std::string(what) + ": " + e.get_description());
  } catch (const std::bad_alloc&) {
    return make_error(Errc::temp, std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    return make_error(Errc::internal, std::string(what) + ": " + e.what());
  } catch (...) {
    return make_error(Errc::internal, std::string(what) + ": unknown exception");
  }
}

// The Xapian query for n; *all is set when it cannot narrow.
Xapian::Query build(const Narrow& n, bool* all) {
  *all = false;
  switch (n.op) {
    case Narrow::Op::all:
      *all = true;
      return Xapian::Query::MatchAll;
    case Narrow::Op::text: {
      auto trigrams = needle_trigrams(n.folded_needle);
      if (trigrams.empty() || n.fields.empty()) {
        *all = true;
        return Xapian::Query::MatchAll;
      }
      std::vector<Xapian::Query> any{Xapian::Query(kOverflowTerm)};
      for (Field f : n.fields) {
        std::vector<Xapian::Query> each;
        for (const auto& t : trigrams) each.emplace_back(prefix_of(f) + t);
        any.emplace_back(Xapian::Query::OP_AND, each.begin(), each.end());
      }
      return Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
    }
    case Narrow::Op::fuzzy: {
      // Per word: its grams in a field (it occurs exactly) or one of its
      // stems among a field's stems. A word without grams may occur
      // anywhere: it rules nothing out.
      std::vector<Xapian::Query> words;
      for (const FuzzyWord& w : n.fuzzy_words) {
        auto trigrams = needle_trigrams(w.word);
        if (trigrams.empty()) continue;
        std::vector<Xapian::Query> any{Xapian::Query(kOverflowTerm)};
        for (Field f : n.fields) {
          std::vector<Xapian::Query> each;
          for (const auto& t : trigrams) each.emplace_back(prefix_of(f) + t);
          any.emplace_back(Xapian::Query::OP_AND, each.begin(), each.end());
        }
        // A text word that is its own stem may have no stem term
        // (MessageTerms::stems): it is then the field's word term or, in
        // header_text, which has none, the stem's grams.
        for (Field f : n.stem_fields) {
          for (const auto& stem : w.stems) {
            any.emplace_back(kStemPrefix + (prefix_of(f) + stem));
            if (f != Field::header_text) {
              any.emplace_back(kWordPrefix + (prefix_of(f) + stem));
              continue;
            }
            std::vector<Xapian::Query> each;
            for (const auto& t : needle_trigrams(stem)) each.emplace_back(prefix_of(f) + t);
            if (!each.empty()) any.emplace_back(Xapian::Query::OP_AND, each.begin(), each.end());
          }
        }
        words.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
      }
      if (words.empty()) {
        *all = true;
        return Xapian::Query::MatchAll;
      }
      return Xapian::Query(Xapian::Query::OP_AND, words.begin(), words.end());
    }
    case Narrow::Op::and_: {
      std::vector<Xapian::Query> parts;
      for (const Narrow& c : n.children) {
        bool child_all = false;
        Xapian::Query q = build(c, &child_all);
        if (!child_all) parts.push_back(std::move(q));
      }
      if (parts.empty()) {
        *all = true;
        return Xapian::Query::MatchAll;
      }
      return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
    }
    case Narrow::Op::or_: {
      std::vector<Xapian::Query> parts;
      for (const Narrow& c : n.children) {
        bool child_all = false;
        Xapian::Query q = build(c, &child_all);
        if (child_all) {  // one side takes everything: so does the OR
          *all = true;
          return Xapian::Query::MatchAll;
        }
        parts.push_back(std::move(q));
      }
      if (parts.empty()) {
        *all = true;
        return Xapian::Query::MatchAll;
      }
      return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
    }
  }
  *all = true;
  return Xapian::Query::MatchAll;
}

// The mailbox's mark as stored (0 when none); may throw Xapian::Error.
uint32_t stored_mark(Xapian::Database& db, uint64_t mailbox_id) {
  std::string v = db.get_metadata(kThroughKey + std::to_string(mailbox_id));
  return v.size() == 4 ? get_be32(v.data()) : 0;
}

Error moved_from() { return make_error(Errc::internal, "search index used after move"); }

}  // namespace

struct Index::Impl {
  std::string dir;
  std::unique_ptr<Xapian::Database> db;
  Xapian::WritableDatabase* writer = nullptr;  // db, when opened for writing
  uint64_t dead = 0;                           // writer: kDeadKey as last set
};

namespace {

uint64_t stored_dead(Xapian::Database& db) {
  const std::string v = db.get_metadata(kDeadKey);
  return v.empty() ? 0 : std::strtoull(v.c_str(), nullptr, 10);
}

}  // namespace

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::~Index() = default;

Result<Index> Index::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::temp, "search index " + dir + ": " + ec.message());
  return guarded("open search index", [&]() -> Result<Index> {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    // No termlist: it was more than half of the index, and is needed only
    // to delete or replace documents, which this index never does.
    auto w = std::make_unique<Xapian::WritableDatabase>(dir, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_NO_TERMLIST);
    // A new (or empty) database takes the current scheme; an older one keeps
    // its mark until a rebuild (remove_index, then open) starts it afresh.
    if (w->get_doccount() == 0 && w->get_metadata(kFormatKey).empty()) w->set_metadata(kFormatKey, kFormat);
    impl->writer = w.get();
    impl->dead = stored_dead(*w);
    impl->db = std::move(w);
    return Index(std::move(impl));
  });
}

Result<Index> Index::open_reader(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/iamglass", ec)) return make_error(Errc::not_found, "no search index in " + dir);
  return guarded("open search index", [&]() -> Result<Index> {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->db = std::make_unique<Xapian::Database>(dir);
    return Index(std::move(impl));
  });
}

Result<void> Index::add(uint64_t mailbox_id, uint32_t uid, const MessageTerms& terms) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  if (uid == 0) return make_error(Errc::bad_input, "search index: uid 0");
  return guarded("index message", [&]() -> Result<void> {
    Xapian::Document doc;
    bool overflow = false;
    for (size_t f = 0; f < kFieldCount; ++f) {
      // Boolean terms: no positions, no within-document frequency.
      for (const auto& t : terms.fields[f].terms()) doc.add_boolean_term(kPrefixes[f] + t);
      for (const auto& w : terms.words[f].terms()) doc.add_boolean_term(kWordPrefix + (kPrefixes[f] + w));
      for (const auto& st : terms.stems[f].terms()) doc.add_boolean_term(kStemPrefix + (kPrefixes[f] + st));
      overflow = overflow || terms.fields[f].overflowed() || terms.stems[f].overflowed();
    }
    if (overflow) doc.add_boolean_term(kOverflowTerm);
    doc.add_boolean_term(mailbox_term(mailbox_id));
    std::string uid_bytes;
    put_be32(&uid_bytes, uid);
    doc.add_value(kUidSlot, uid_bytes);
    // A job repeated after a crash adds the message again: the same terms
    // twice, and matching_uids() lists the uid once.
    impl_->writer->add_document(doc);
    return {};
  });
}

Result<void> Index::remove(uint64_t mailbox_id, uint32_t uid) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  (void)mailbox_id;
  (void)uid;
  // Without a termlist a document cannot be deleted: it stays, matching as
  // before, and is harmless, since a SEARCH only evaluates the messages of
  // its view and an expunged uid never comes back (RFC 3501 §2.3.1.1). It
  // is counted; the indexer rebuilds an index that is mostly dead.
  return add_dead(1);
}

Result<void> Index::add_dead(uint64_t n) {
  return guarded("index dead count", [&]() -> Result<void> {
    impl_->dead += n;
    impl_->writer->set_metadata(kDeadKey, std::to_string(impl_->dead));
    return {};
  });
}

Result<void> Index::set_indexed_through(uint64_t mailbox_id, uint32_t uid) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  return guarded("index mark", [&]() -> Result<void> {
    if (uid <= stored_mark(*impl_->db, mailbox_id)) return {};  // only raised
    std::string v;
    put_be32(&v, uid);
    impl_->writer->set_metadata(kThroughKey + std::to_string(mailbox_id), v);
    return {};
  });
}

Result<void> Index::forget_mailbox(uint64_t mailbox_id) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  return guarded("forget mailbox", [&]() -> Result<void> {
    // Its documents stay (remove()): mailbox ids are never reused.
    const uint64_t docs = impl_->writer->get_termfreq(mailbox_term(mailbox_id));
    impl_->writer->set_metadata(kThroughKey + std::to_string(mailbox_id), "");
    if (docs == 0) return {};
    return add_dead(docs);
  });
}

Result<void> Index::set_rebuilding(bool on) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  return guarded("index rebuild mark", [&]() -> Result<void> {
    impl_->writer->set_metadata(kRebuildingKey, on ? "1" : "");
    return {};
  });
}

Result<bool> Index::rebuilding() {
  if (!impl_) return moved_from();
  return guarded("index rebuild mark", [&]() -> Result<bool> {
    return !impl_->db->get_metadata(kRebuildingKey).empty() || impl_->db->get_metadata(kFormatKey) != kFormat;
  });
}

Result<bool> Index::current_format() {
  if (!impl_) return moved_from();
  return guarded("index format", [&]() -> Result<bool> { return impl_->db->get_metadata(kFormatKey) == kFormat; });
}

Result<void> Index::prepare_stems(const std::string& signature) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  return guarded("index stems mark", [&]() -> Result<void> {
    const std::string stored = impl_->writer->get_metadata(kStemsKey);
    if (stored == signature) return {};
    // Empty: nothing disagrees. Otherwise documents of the old languages
    // (or of none, before stem terms) stay: FUZZY scans until a rebuild.
    impl_->writer->set_metadata(kStemsKey, impl_->writer->get_doccount() == 0 ? signature : kMixedStems);
    return {};
  });
}

Result<bool> Index::stems_match(const std::string& signature) {
  if (!impl_) return moved_from();
  return guarded("index stems mark", [&]() -> Result<bool> {
    return !signature.empty() && impl_->db->get_metadata(kStemsKey) == signature;
  });
}

Result<bool> Index::prepare_attachments(const std::string& signature) {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  return guarded("index attachments mark", [&]() -> Result<bool> {
    const std::string stored = impl_->writer->get_metadata(kAttachmentsKey);
    if ((stored.empty() ? "none" : stored) == signature) return true;
    if (impl_->writer->get_doccount() != 0) return false;
    impl_->writer->set_metadata(kAttachmentsKey, signature);
    return true;
  });
}

Result<bool> Index::attachments_match(const std::string& signature) {
  if (!impl_) return moved_from();
  return guarded("index attachments mark", [&]() -> Result<bool> {
    const std::string stored = impl_->db->get_metadata(kAttachmentsKey);
    return (stored.empty() ? "none" : stored) == signature;
  });
}

Result<void> Index::commit() {
  if (!impl_) return moved_from();
  if (!impl_->writer) return make_error(Errc::internal, "search index opened read-only");
  return guarded("commit search index", [&]() -> Result<void> {
    impl_->writer->commit();
    return {};
  });
}

Result<uint32_t> Index::indexed_through(uint64_t mailbox_id) {
  if (!impl_) return moved_from();
  return guarded("index mark", [&]() -> Result<uint32_t> {
    if (!impl_->db->get_metadata(kRebuildingKey).empty()) return 0;  // partial: scan everything
    if (impl_->db->get_metadata(kFormatKey) != kFormat) return 0;   // older scheme: scan until rebuilt
    return stored_mark(*impl_->db, mailbox_id);
  });
}

Result<std::optional<std::vector<uint32_t>>> Index::candidates(uint64_t mailbox_id, const Narrow& n) {
  if (!impl_) return moved_from();
  bool all = false;
  auto query = guarded("search", [&]() -> Result<Xapian::Query> { return build(n, &all); });
  if (!query) return query.error();
  if (all) return std::optional<std::vector<uint32_t>>();
  auto uids = matching_uids(mailbox_id, *query);
  if (!uids) return uids.error();
  return std::optional<std::vector<uint32_t>>(std::move(*uids));
}

Result<std::vector<uint32_t>> Index::with_word(uint64_t mailbox_id, const std::vector<Field>& fields,
                                               const std::string& word) {
  if (!impl_) return moved_from();
  if (fields.empty() || word.empty()) return std::vector<uint32_t>();
  auto query = guarded("search", [&]() -> Result<Xapian::Query> {
    std::vector<Xapian::Query> any;
    for (Field f : fields) any.emplace_back(kWordPrefix + (prefix_of(f) + word));
    return Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
  });
  if (!query) return query.error();
  return matching_uids(mailbox_id, *query);
}

Result<std::vector<uint32_t>> Index::with_word_containing(uint64_t mailbox_id, const std::vector<Field>& fields,
                                                          const std::string& word, size_t max_terms) {
  if (!impl_) return moved_from();
  if (fields.empty() || word.empty()) return std::vector<uint32_t>();
  bool too_many = false;
  auto terms = guarded("search", [&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> found;
    for (Field f : fields) {
      const std::string prefix = std::string(kWordPrefix) + prefix_of(f);
      for (auto t = impl_->db->allterms_begin(prefix); t != impl_->db->allterms_end(prefix); ++t) {
        const std::string& term = *t;
        if (term.find(word, prefix.size()) == std::string::npos) continue;
        if (found.size() >= max_terms) {
          too_many = true;
          return found;
        }
        found.push_back(term);
      }
    }
    return found;
  });
  if (!terms) return terms.error();
  if (too_many) return with_word(mailbox_id, fields, word);  // the exact word only
  if (terms->empty()) return std::vector<uint32_t>();
  auto query = guarded("search", [&]() -> Result<Xapian::Query> {
    return Xapian::Query(Xapian::Query::OP_OR, terms->begin(), terms->end());
  });
  if (!query) return query.error();
  return matching_uids(mailbox_id, *query);
}

Result<std::vector<uint32_t>> Index::matching_uids(uint64_t mailbox_id, const Xapian::Query& query) {
  // A reader sees one commit; if the writer commits twice meanwhile,
  // Xapian says DatabaseModifiedError: reopen and try again (bounded).
  for (int attempt = 0;; ++attempt) {
    try {
      Xapian::Enquire enquire(*impl_->db);
      enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query(mailbox_term(mailbox_id))));
      enquire.set_weighting_scheme(Xapian::BoolWeight());
      enquire.set_docid_order(Xapian::Enquire::DONT_CARE);
      Xapian::MSet matches = enquire.get_mset(0, impl_->db->get_doccount());
      // Uids from the value stream of the uid slot, walked once in docid
      // order (skip_to seeks by chunk): reading each document's value on its
      // own took 35-40% of a rare-word SEARCH.
      std::vector<Xapian::docid> docids;
      docids.reserve(matches.size());
      for (auto it = matches.begin(); it != matches.end(); ++it) docids.push_back(*it);
      std::sort(docids.begin(), docids.end());
      std::vector<uint32_t> uids;
      uids.reserve(docids.size());
      Xapian::ValueIterator values = impl_->db->valuestream_begin(kUidSlot);
      const Xapian::ValueIterator values_end = impl_->db->valuestream_end(kUidSlot);
      for (Xapian::docid d : docids) {
        if (values != values_end) values.skip_to(d);
        const std::string v = values != values_end && values.get_docid() == d ? *values : std::string();
        if (v.size() != 4) return make_error(Errc::internal, "search index: document without uid");
        uids.push_back(get_be32(v.data()));
      }
      std::sort(uids.begin(), uids.end());
      uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
      return uids;
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 3) return make_error(Errc::temp, "search index changing too fast");
      auto r = guarded("reopen search index", [&]() -> Result<void> {
        impl_->db->reopen();
        return {};
      });
      if (!r) return r.error();
    } catch (...) {
      return guarded("search", []() -> Result<std::vector<uint32_t>> { throw; });
    }
  }
}

Result<IndexStats> Index::stats() {
  if (!impl_) return moved_from();
  IndexStats s;
  auto docs = guarded("index stats", [&]() -> Result<std::pair<uint64_t, uint64_t>> {
    return std::make_pair(uint64_t{impl_->db->get_doccount()}, stored_dead(*impl_->db));
  });
  if (!docs) return docs.error();
  s.dead = std::min(docs->second, docs->first);
  s.documents = docs->first - s.dead;
  auto rebuilding_now = rebuilding();
  if (!rebuilding_now) return rebuilding_now.error();
  s.rebuilding = *rebuilding_now;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(impl_->dir, ec)) {
    if (e.is_regular_file(ec)) s.bytes += e.file_size(ec);
  }
  return s;
}

Result<void> remove_index(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return make_error(Errc::temp, "remove search index " + dir + ": " + ec.message());
  return {};
}

Result<void> clear_format_mark(const std::string& dir) {
  return guarded("clear index format", [&]() -> Result<void> {
    Xapian::WritableDatabase db(dir, Xapian::DB_OPEN | Xapian::DB_NO_TERMLIST);
    db.set_metadata(kFormatKey, "");
    db.commit();
    return {};
  });
}

Result<void> optimize_index(const std::string& dir) {
  const std::string tmp = dir + ".compact";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  auto r = guarded("compact search index", [&]() -> Result<void> {
    // Hold the write lock so no indexer writes while the copy is made.
    Xapian::WritableDatabase lock(dir, Xapian::DB_OPEN | Xapian::DB_NO_TERMLIST);
    Xapian::Database db(dir);
    db.compact(tmp, Xapian::DBCOMPACT_NO_RENUMBER);
    lock.close();
    return {};
  });
  if (!r) return r;
  const std::string old = dir + ".old";
  std::filesystem::remove_all(old, ec);
  std::filesystem::rename(dir, old, ec);
  if (ec) return make_error(Errc::temp, "swap search index: " + ec.message());
  std::filesystem::rename(tmp, dir, ec);
  if (ec) return make_error(Errc::temp, "swap search index: " + ec.message());
  std::filesystem::remove_all(old, ec);
  return {};
}

}  // namespace loft::search
