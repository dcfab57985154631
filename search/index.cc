// Index on Xapian. Every Xapian call runs inside guarded(), which is the one
// place its exceptions are turned into loft::Error.
#include "search/index.h"

#include <xapian.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <new>
#include <system_error>
#include <utility>

#include "base/bytes.h"

namespace loft::search {
namespace {

// The single field -> term prefix table, used both to index and to query so
// the two cannot drift apart. Multi-letter prefixes start with 'X' (Xapian's
// convention); terms are lower-cased, so prefix and word never run together.
struct FieldPrefix {
  Field field;
  const char* prefix;
};
constexpr std::array<FieldPrefix, 5> kPrefixes{{
    {Field::from, "A"},
    {Field::to, "XTO"},
    {Field::cc, "XCC"},
    {Field::subject, "S"},
    {Field::body, "XBODY"},
}};
constexpr const char* kUniquePrefix = "Q";
constexpr const char* kMailboxPrefix = "XM";
// Value slot holding the uid as 4 big-endian bytes, so a search reads it
// without parsing the unique term back.
constexpr Xapian::valueno kUidSlot = 0;

const char* prefix_of(Field field) {
  for (const auto& fp : kPrefixes) {
    if (fp.field == field) return fp.prefix;
  }
  return "";  // Field::text has no prefix of its own; callers expand it
}

const std::string& text_of(const IndexedFields& f, Field field) {
  switch (field) {
    case Field::from: return f.from;
    case Field::to: return f.to;
    case Field::cc: return f.cc;
    case Field::subject: return f.subject;
    default: return f.body;
  }
}

std::string unique_term(uint64_t mailbox_id, uint32_t uid) {
  return kUniquePrefix + std::to_string(mailbox_id) + ":" + std::to_string(uid);
}

std::string mailbox_term(uint64_t mailbox_id) {
  return kMailboxPrefix + std::to_string(mailbox_id);
}

// Lower-casing comes with TermGenerator; stemming is off so that a query
// word matches only itself, which is closer to IMAP's literal matching.
void configure(Xapian::TermGenerator* gen) {
  gen->set_stemmer(Xapian::Stem());
  gen->set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
}

// Runs f, converting any exception into an Error whose message starts with
// what. Lock and corruption get their own codes; other Xapian runtime
// errors (I/O, opening, modified-underneath) are worth a retry.
template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Xapian::DatabaseLockError& e) {
    return make_error(Errc::in_use, std::string(what) + ": " + e.get_description());
  } catch (const Xapian::DatabaseCorruptError& e) {
    return make_error(Errc::internal, std::string(what) + ": " + e.get_description());
  } catch (const Xapian::DatabaseVersionError& e) {
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

// The words of text, in order, exactly as TermGenerator indexes them (it is
// run on a scratch document), so query and index tokenise identically.
std::vector<std::string> words_of(const std::string& text) {
  Xapian::Document scratch;
  Xapian::TermGenerator gen;
  configure(&gen);
  gen.set_document(scratch);
  gen.index_text(text);
  std::vector<std::pair<Xapian::termpos, std::string>> at;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
      at.emplace_back(*p, *t);
    }
  }
  std::sort(at.begin(), at.end());
  std::vector<std::string> words;
  words.reserve(at.size());
  for (auto& [pos, word] : at) words.push_back(std::move(word));
  return words;
}

// words (non-empty) as one prefixed term, or as a phrase of adjacent terms.
Xapian::Query phrase(const std::vector<std::string>& words, const std::string& prefix) {
  if (words.size() == 1) return Xapian::Query(prefix + words.front());
  std::vector<Xapian::Query> parts;
  parts.reserve(words.size());
  for (const auto& w : words) parts.emplace_back(prefix + w);
  return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(),
                       static_cast<Xapian::termcount>(parts.size()));
}

Xapian::Query build_query(uint64_t mailbox_id, const Query& q) {
  std::vector<Xapian::Query> conditions;
  for (const auto& term : q.all) {
    auto words = words_of(term.text);
    if (words.empty()) continue;  // no words: no condition (see Term)
    if (term.field != Field::text) {
      conditions.push_back(phrase(words, prefix_of(term.field)));
      continue;
    }
    std::vector<Xapian::Query> any;
    for (const auto& fp : kPrefixes) any.push_back(phrase(words, fp.prefix));
    conditions.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  Xapian::Query in_mailbox(mailbox_term(mailbox_id));
  if (conditions.empty()) return in_mailbox;
  Xapian::Query all(Xapian::Query::OP_AND, conditions.begin(), conditions.end());
  return Xapian::Query(Xapian::Query::OP_FILTER, all, in_mailbox);
}

Error moved_from() { return make_error(Errc::internal, "search index used after move"); }

}  // namespace

struct Index::Impl {
  explicit Impl(const std::string& dir) : db(dir, Xapian::DB_CREATE_OR_OPEN) { configure(&gen); }
  Xapian::WritableDatabase db;
  Xapian::TermGenerator gen;
};

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::~Index() = default;

Result<Index> Index::open(const std::string& dir) {
  // Xapian creates only the last directory level; make the parents too.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(Errc::temp, "search index " + dir + ": " + ec.message());
  return guarded("open search index", [&]() -> Result<Index> {
    return Index(std::make_unique<Impl>(dir));
  });
}

Result<void> Index::add(uint64_t mailbox_id, uint32_t uid, const IndexedFields& fields) {
  if (!impl_) return moved_from();
  if (uid == 0) return make_error(Errc::bad_input, "search index: uid 0");
  return guarded("index message", [&]() -> Result<void> {
    Xapian::Document doc;
    impl_->gen.set_document(doc);
    for (const auto& fp : kPrefixes) impl_->gen.index_text(text_of(fields, fp.field), 1, fp.prefix);
    const std::string id = unique_term(mailbox_id, uid);
    doc.add_boolean_term(id);
    doc.add_boolean_term(mailbox_term(mailbox_id));
    std::string uid_bytes;
    put_be32(&uid_bytes, uid);
    doc.add_value(kUidSlot, uid_bytes);
    impl_->db.replace_document(id, doc);
    return {};
  });
}

Result<void> Index::remove(uint64_t mailbox_id, uint32_t uid) {
  if (!impl_) return moved_from();
  return guarded("unindex message", [&]() -> Result<void> {
    impl_->db.delete_document(unique_term(mailbox_id, uid));
    return {};
  });
}

Result<void> Index::remove_mailbox(uint64_t mailbox_id) {
  if (!impl_) return moved_from();
  return guarded("unindex mailbox", [&]() -> Result<void> {
    impl_->db.delete_document(mailbox_term(mailbox_id));
    return {};
  });
}

Result<void> Index::commit() {
  if (!impl_) return moved_from();
  return guarded("commit search index", [&]() -> Result<void> {
    impl_->db.commit();
    return {};
  });
}

Result<std::vector<uint32_t>> Index::search(uint64_t mailbox_id, const Query& q) {
  if (!impl_) return moved_from();
  return guarded("search", [&]() -> Result<std::vector<uint32_t>> {
    Xapian::Enquire enquire(impl_->db);
    enquire.set_query(build_query(mailbox_id, q));
    // Only membership matters: skip ranking, and sort by uid below.
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    enquire.set_docid_order(Xapian::Enquire::DONT_CARE);
    Xapian::MSet matches = enquire.get_mset(0, impl_->db.get_doccount());
    std::vector<uint32_t> uids;
    uids.reserve(matches.size());
    for (auto it = matches.begin(); it != matches.end(); ++it) {
      const std::string v = it.get_document().get_value(kUidSlot);
      if (v.size() != 4) return make_error(Errc::internal, "search index: document without uid");
      uids.push_back(get_be32(v.data()));
    }
    std::sort(uids.begin(), uids.end());
    return uids;
  });
}

}  // namespace loft::search
