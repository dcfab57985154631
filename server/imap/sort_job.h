// Runs SORT and THREAD (RFC 5256) on workers: the search program first (a
// SearchJob), then the header block of each match is read in batches into
// proto::imap::SortFacts, and the order or the threads are computed and
// serialized on a worker too; the loop only sends the reply.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/imap/sort.h"
#include "server/imap/search_job.h"
#include "storage/store.h"

namespace loft::server::imap {

class ImapSession;
class MailboxView;

class SortJob : public std::enable_shared_from_this<SortJob> {
 public:
  // What to do with the facts: one of the two commands.
  struct Request {
    bool uid = false;
    bool thread = false;
    std::vector<proto::imap::SortCriterion> criteria;     // SORT
    std::optional<proto::imap::SearchReturn> ret;         // SORT RETURN (RFC 5267 ESORT)
    proto::imap::ThreadAlgorithm algorithm{};             // THREAD
    // RFC 5267 §4.3 (SORT only): given the matches as UIDs in sort order on
    // the loop, just before the reply; for a context's first result.
    std::function<void(const std::vector<uint32_t>&)> sorted;
  };
  // Searches with search (uid off: the hits are sequence numbers), then sorts or threads.
  static void start(ImapSession& s, const std::string& tag, Request request, proto::imap::CmdSearch search);
  // RFC 5267 §4.3: sorts as SORT would, without a reply; done gets the
  // matching UIDs in sort order, or the error, on the loop.
  using Collect = std::function<void(Result<std::vector<uint32_t>>)>;
  static void collect(ImapSession& s, const std::string& tag, std::vector<proto::imap::SortCriterion> criteria,
                      proto::imap::CmdSearch search, Collect done);

  static constexpr size_t kBatch = 512;
  // Structures read at once (each up to about 1 MiB): bounds a worker's memory.
  static constexpr size_t kStructureGroup = 16;
  // Most header bytes read per message: Subject, From, Date and the thread
  // fields come first in real mail; a longer header is cut.
  static constexpr uint64_t kMaxHeader = 256 * 1024;

  SortJob(ImapSession& s, std::string tag, Request request, std::vector<uint32_t> uids,
          std::vector<uint32_t> hits, storage::MailboxId mailbox);
  // RFC 6203 §4: the search's relevancy per hit, for the RELEVANCY sort key and return data.
  void set_scores(std::vector<uint8_t> scores) { scores_ = std::move(scores); }

 private:
  static void step(std::shared_ptr<SortJob> job);
  Result<void> run_batch(storage::Store& store);
  // The untagged reply, built on a worker once every fact is loaded.
  void finish_output();

  ImapSession& session_;
  std::string tag_;
  Request req_;
  std::vector<uint32_t> uids_;  // the client's numbering at the start: uids_[seq - 1]
  std::vector<uint32_t> hits_;  // matching sequence numbers, ascending
  std::vector<uint8_t> scores_;  // RFC 6203 relevancy per hit; empty: 100 each
  storage::MailboxId mailbox_;
  bool needs_header_ = true;  // a key or THREAD looks at header fields
  std::vector<proto::imap::SortFacts> facts_;
  std::string output_;
  std::vector<uint32_t> saved_;  // RFC 5182 SAVE: the UIDs "$" becomes
  std::vector<uint32_t> sorted_uids_;  // for req_.sorted or collect_
  Collect collect_;                    // no reply: the result goes here
  std::optional<Error> error_;
};

}  // namespace loft::server::imap
