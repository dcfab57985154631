// Streams the responses of one FETCH / UID FETCH (RFC 3501 §6.4.5). Work is
// done in steps on a worker: each step loads metadata for a batch of
// messages and produces up to kStepBytes of response, reading bodies in 64 KiB
// pieces. Where a non-PEEK item sets \Seen, the step ends after loading the
// batch and the loop thread commits the flags asynchronously (no worker waits
// for the fsync); the batch goes out in the step after the commit. The next step starts
// only once the connection's backlog is below its high-water mark, so memory
// per FETCH stays bounded whatever the mailbox or message size. Items the
// session's view answers alone (view_fetch.h) are built on the loop thread
// instead, with the same steps and backpressure.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/imap/command.h"
#include "protocol/mime/structure.h"
#include "server/imap/fetch_response.h"
#include "server/imap/mailbox_view.h"
#include "server/stream_pump.h"
#include "storage/store.h"

namespace loft::server::imap {

class ImapSession;

class FetchJob {
 public:
  using Target = MailboxView::SeqUid;
  // first: targets before it were answered already (the first view step runs
  // in the command handler). An empty tag: a NOTIFY MessageNew FETCH (RFC
  // 5465 §5.2), which ends without a tagged reply.
  FetchJob(ImapSession& session, std::string tag, proto::imap::CmdFetch cmd, FetchNeeds needs,
           std::vector<Target> targets, size_t first = 0);
  // Begins streaming; the session is busy until the tagged reply is sent.
  void start();
  // The connection's backlog fell: run the next step if one is waiting.
  void on_drain();

  static constexpr size_t kStepBytes = 256 * 1024;
  static constexpr size_t kBatch = 64;

 private:
  // Runs on a worker: fills out_ (and flag_updates_) from where the last step stopped.
  void run_step();
  // Runs on the loop thread after run_step.
  void after_step();
  // Runs on the loop thread before after_step when the view answers the items.
  void view_step();
  Result<void> load_batch();
  // Loop thread: commits seen_wanted_ (\Seen added), then schedules the next step.
  void commit_seen();

  ImapSession& session_;
  std::string tag_;
  proto::imap::CmdFetch cmd_;
  FetchNeeds needs_;
  std::vector<Target> targets_;
  storage::MailboxId mailbox_;
  storage::AccountId account_;         // for EMAILID (RFC 8474)
  bool set_seen_;
  bool from_view_;                     // view_answers(cmd_.items): no store reads
  size_t next_ = 0;                    // next target to start
  std::deque<Segment> pending_;        // rest of the current message's response
  std::unordered_map<uint32_t, storage::MessageMeta> batch_;  // uid -> meta
  std::unordered_set<uint32_t> seen_set_;  // uids of the batch whose \Seen this FETCH set
  std::vector<uint32_t> recent_;       // sorted uids of targets \Recent for this session (FLAGS)
  size_t batch_end_ = 0;               // targets_[..batch_end_) are loaded
  // Results of one step, handed from the worker to the loop thread.
  std::string out_;
  std::vector<storage::MessageSummary> flag_updates_;  // told in this step; applied to the view after it
  std::vector<uint32_t> seen_wanted_;  // sorted uids of the loaded batch that need \Seen
  std::optional<Error> error_;
  bool unknown_cte_ = false;           // a BINARY section's encoding is unknown (RFC 3516 §4.3)
  bool done_ = false;
  StreamPump pump_;                    // runs run_step/after_step with backpressure
};

}  // namespace loft::server::imap
