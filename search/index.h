// Full-text index of one account's messages, on Xapian: one database
// directory per account, every mailbox of the account in it, each message a
// document identified by (mailbox id, uid).
//
// Matching is by word, not by substring: text is split into words by
// Xapian's TermGenerator and lower-cased, without stemming, both when
// indexing and when querying, so "Meeting" matches "meeting" but neither
// "meetings" nor "eet". IMAP SEARCH's substring semantics, where required,
// are the caller's business (e.g. re-checking the candidates this returns).
//
// Term prefixes (one table in index.cc, in the style of notmuch's prefix.cc):
//   from "A", to "XTO", cc "XCC", subject "S", body "XBODY";
//   "Q<mailbox>:<uid>" is each document's unique id and "XM<mailbox>" its
//   mailbox filter. Field::text is not indexed separately: it is queried as
//   the OR of the five fields, so no word is stored twice.
//
// Threading: every call blocks (disk I/O); run it on a worker thread, never
// on the event loop. An Index is not safe for concurrent use: one thread at
// a time, and one open Index (the single writer) per directory; opening a
// directory that is already open, in this or another process, fails with
// Errc::in_use.
//
// Errors: no exception leaves this folder; Xapian's are turned into Errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace loft::search {

// The searchable parts of a message, already decoded to UTF-8.
struct IndexedFields {
  std::string from;     // From header, e.g. "Jane Doe <jane@example.com>"
  std::string to;       // To header
  std::string cc;       // Cc header
  std::string subject;  // Subject header
  std::string body;     // decoded text of the body parts
};

// Which part of a message a query term must occur in; text means any part.
enum class Field { from, to, cc, subject, body, text };

// One condition: the words of text occur in field, in that order and
// adjacent (a phrase) when there are several. Text without any word (empty,
// or only punctuation) places no condition, so it can never hide a message.
struct Term {
  Field field = Field::text;
  std::string text;
};

// A conjunction: a message matches when every term matches. No terms
// matches every message of the mailbox. Built as a tree of Xapian queries,
// never parsed, so user input cannot inject query syntax.
struct Query {
  std::vector<Term> all;
};

// One account's index; see the file comment for threading and matching.
class Index {
 public:
  // Opens the database in directory dir, creating it (and dir) if missing.
  // Errc::in_use if another Index has it open; Errc::temp if dir is unusable.
  static Result<Index> open(const std::string& dir);

  Index(Index&&) noexcept;
  Index& operator=(Index&&) noexcept;
  // Closes the database. Xapian commits pending changes here but swallows
  // any error doing so: call commit() first to learn whether they are safe.
  ~Index();

  // Indexes a message, replacing any earlier document for (mailbox_id, uid).
  // Visible to search() at once; durable after commit(). uid 0 is bad_input.
  Result<void> add(uint64_t mailbox_id, uint32_t uid, const IndexedFields& fields);
  // Drops the message's document; succeeds also if there was none.
  Result<void> remove(uint64_t mailbox_id, uint32_t uid);
  // Drops every document of the mailbox (for a deleted mailbox).
  Result<void> remove_mailbox(uint64_t mailbox_id);
  // Makes all changes so far durable. Explicit because the destructor
  // cannot report failure (see ~Index).
  Result<void> commit();

  // UIDs of the mailbox's messages matching q, ascending, without duplicates.
  Result<std::vector<uint32_t>> search(uint64_t mailbox_id, const Query& q);

 private:
  struct Impl;
  explicit Index(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loft::search
