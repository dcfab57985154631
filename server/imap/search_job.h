// Runs one SEARCH / UID SEARCH (RFC 3501 §6.4.4, §6.4.8) on worker threads,
// in steps of kBatch messages to read so a long body search never holds a
// worker for the whole mailbox. Message records are loaded only when the program has a
// record key (keywords, dates, sizes), headers and bodies only when a key
// still undecided needs them (proto::imap::search_matches); bodies are read
// in 64 KiB pieces, never whole.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/imap/search.h"
#include "protocol/imap/search_content.h"
#include "server/imap/search_context.h"
#include "server/search/proof.h"
#include "storage/store.h"

namespace loft::server::imap {

class ImapSession;

class SearchJob : public std::enable_shared_from_this<SearchJob> {
 public:
  // A message as the client numbers it when the search starts.
  struct Message {
    uint32_t uid = 0;
    uint32_t flags = 0;   // storage::Flag bits
    bool recent = false;  // RFC 3501 §2.3.2, for this session
    uint64_t modseq = 0;  // RFC 7162 §3.1.5
  };
  // view: the client's numbering at the start (sequence number = position + 1).
  SearchJob(ImapSession& session, std::string tag, proto::imap::CmdSearch cmd, std::vector<Message> view,
            storage::MailboxId mailbox);
  // A job over the session's selected mailbox as the client numbers it now,
  // narrowed by the account's full-text index when the config enables it.
  static std::shared_ptr<SearchJob> for_selected(ImapSession& session, std::string tag, proto::imap::CmdSearch cmd);
  // Begins; the session is busy until the tagged reply is sent.
  static void start(std::shared_ptr<SearchJob> job);
  // Narrows with the account's full-text index in dir (docs/search.md): the
  // messages it rules out are not read; the rest are evaluated as before.
  void use_index(std::string dir) { index_dir_ = std::move(dir); }
  // The mailbox's account, for SEARCH EMAILID (RFC 8474 §6): ids derive from it.
  void set_account(storage::AccountId account) { account_ = account; }

  // Per worker step: messages that need the store (record, header or body),
  // or messages of a program the view answers alone.
  static constexpr size_t kBatch = 256;
  static constexpr size_t kViewBatch = 65536;

  // Runs on a worker: evaluates the next kBatch messages that need the store
  // (kViewBatch when none does), skipping those the index rules out.
  Result<void> run_batch(storage::Store& store);
  // The numbers to report so far (UIDs for UID SEARCH).
  const std::vector<uint32_t>& hits() const { return hits_; }
  bool done() const { return next_ >= view_.size(); }
  // The UIDs of the snapshot, by sequence number - 1.
  std::vector<uint32_t> view_uids() const;
  // Called on the loop with the hits instead of sending the SEARCH reply
  // (SORT and THREAD go on from there); errors are still answered here.
  // scores: RFC 6203 relevancy per hit, or empty when the program has no FUZZY text key.
  using Done = std::function<void(std::vector<uint32_t> hits, std::vector<uint8_t> scores)>;
  void on_done(Done done) { done_ = std::move(done); }
  // Called on the loop with an error instead of answering NO (a search no
  // command waits for: an RFC 5267 context's evaluation).
  void on_error(std::function<void(const Error&)> fail) { fail_ = std::move(fail); }
  // RFC 5267 §4.3: the matches become the first result of this context,
  // just before the reply.
  void track(SearchContexts::Spec spec) { track_ = std::move(spec); }

 private:
  static void step(std::shared_ptr<SearchJob> job);
  // RFC 5182 §2.1: with RETURN (SAVE), uids become the session's "$".
  void save(std::vector<uint32_t> uids);
  // Once, on a worker: reads the index's candidates (any failure: scan all).
  void narrow();
  // False for a message the index rules out.
  bool candidate(uint32_t uid) const;
  // What the view knows of the message at position i (sequence number i + 1).
  proto::imap::SearchFacts view_facts(size_t i) const;
  // Records a match (and its relevancy, read from content, when fuzzy_).
  void add_hit(const proto::imap::SearchFacts& facts, proto::imap::SearchContentSource* content);

  ImapSession& session_;
  std::string tag_;
  proto::imap::CmdSearch cmd_;
  std::vector<Message> view_;
  storage::MailboxId mailbox_;
  proto::imap::SearchCost cost_;
  proto::imap::SearchNeedles needles_;
  int64_t now_ = static_cast<int64_t>(std::time(nullptr));  // RFC 5032: one "now" per SEARCH
  size_t next_ = 0;
  std::vector<uint32_t> hits_;
  bool uses_modseq_ = false;  // RFC 7162 §3.1.5: the answer carries MODSEQ
  std::optional<Error> error_;
  std::string index_dir_;            // empty: no index
  storage::AccountId account_ = 0;   // set_account
  bool uses_email_id_ = false;       // the program has an EMAILID key
  bool narrowed_ = false;            // candidates_ and through_ apply
  uint32_t through_ = 0;             // UIDs above this are not indexed yet: always evaluated
  std::vector<uint32_t> candidates_;  // ascending
  server::search::Proofs proofs_;     // one-word keys the index proves, per message
  std::vector<uint64_t> hit_modseqs_;   // per hit, only when the program has MODSEQ
  bool fuzzy_ = false;                  // RFC 6203: a FUZZY text key; scores_ kept
  bool record_keys_ = false;            // a key the message record answers (keywords, dates, sizes)
  std::vector<uint8_t> scores_;         // per hit, relevancy (1..100) when fuzzy_
  Done done_;
  std::function<void(const Error&)> fail_;
  std::optional<SearchContexts::Spec> track_;
};

}  // namespace loft::server::imap
