// Large removals as a sequence of bounded commits. Deleting an account (or a
// mailbox) first makes it invisible in one small commit that also records a
// durable purge marker per mailbox; its messages and bodies then go in slices
// of at most Tuning::purge_slice_messages messages / purge_slice_chunks chunk
// rows, each an ordinary request queued behind whatever else is waiting, so no
// delivery waits behind more than one slice; then its change-log and keyword
// rows, in slices of the same size. A crash mid-purge loses nothing: the
// markers survive, and Purger::kick at open resumes them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/rocks/committer.h"
#include "storage/rocks/tuning.h"

namespace loft::storage::rocks {

// One bounded step of a long job: after a successful commit, more() says
// whether another slice is needed.
class SliceRequest : public Request {
 public:
  bool more() const { return more_; }

 protected:
  bool more_ = false;
};

// Runs next() slices one after another through the committer's async queue
// (each queued behind the requests waiting at that moment) until one reports
// !more() or fails; done then runs on the committer thread (or at once, on the
// calling thread, if the store is closing or failed).
void run_in_slices(Committer& committer, std::function<std::shared_ptr<SliceRequest>()> next,
                   std::function<void(Result<void>)> done);

// The kMetaCf key prefix of purge markers ("purge/" + be64 mailbox id).
inline constexpr std::string_view kPurgePrefix = "purge/";

// A purge marker: the mailbox record as it was when deleted (HIGHESTMODSEQ
// already raised to the modseq of the removal, counts lowered as messages
// go), and where the purge stands.
struct PurgeMarker {
  MailboxInfo mailbox;
  bool rows = false;      // false: removing messages; true: change-log and keyword rows
  uint32_t next_uid = 0;  // the first UID not yet removed
};
std::optional<PurgeMarker> decode_purge_marker(std::string_view key, std::string_view value);

// Within the caller's request: erases the mailbox's name row (name_key) and
// record, which makes it invisible at once (reads and deliveries get
// not_found), and queues its messages for purging.
void stage_mark_mailbox_deleted(GroupTxn& txn, const MailboxInfo& mailbox, const std::string& name_key);

// Deletes an account in one small commit: its account row, subscriptions,
// quota row, mailbox names and records, with a purge marker per mailbox.
// Errc::not_found if absent.
struct MarkAccountDeleted final : Request {
  std::string name;  // lower-case
  Result<void> stage(GroupTxn& txn) override;
};

// Removes up to one slice of the first queued purge: messages as an expunge
// removes them (tombstone, remove job, quota usage, blob references: bodies
// whose last reference goes, with their chunks), or, once none is left, the
// mailbox's change-log and keyword rows; advances or erases the marker.
// more(): some purge is still queued.
class PurgeSlice final : public SliceRequest {
 public:
  explicit PurgeSlice(const Tuning& tuning) : tuning_(tuning) {}
  Result<void> stage(GroupTxn& txn) override;
  uint32_t removed = 0;  // messages removed by this slice

 private:
  const Tuning& tuning_;
};

// Drives the queued purges, one slice at a time, in the background.
class Purger {
 public:
  Purger(Committer& committer, const Tuning& tuning) : committer_(committer), tuning_(tuning) {}

  // Starts purging if it is not running: picks up every queued marker,
  // including those a crash left behind.
  void kick();
  // Blocks until no purge runs (each kick runs until no marker is left).
  void wait_idle();
  // Slices committed since open.
  uint64_t slices() const;

 private:
  void start();
  void finished(Result<void> result);

  Committer& committer_;
  const Tuning& tuning_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  bool running_ = false;
  bool again_ = false;  // kicked while running: look for markers once more
  uint64_t slices_ = 0;
};

}  // namespace loft::storage::rocks
