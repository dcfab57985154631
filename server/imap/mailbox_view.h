// One session's view of its selected mailbox (RFC 3501 §2.3.1.2, §5.5, §7):
// the sequence numbers the client knows, over the loop's SharedIndex. The
// view keeps only what the client has not been told: UIDs expunged in the
// store but still numbered for the client, UIDs whose flags changed, and the
// highest UID announced with EXISTS. flush() turns them into untagged
// EXPUNGE, EXISTS, RECENT and FETCH (FLAGS) when the session may send them.
// Every change is applied by UID and is idempotent; a session's own STORE,
// EXPUNGE and FETCH \Seen go through set_flags / apply_own_expunge so they are
// not echoed back to it. Loop-thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/imap/seqset.h"
#include "server/imap/shared_index.h"

namespace loft::server::imap {

class MailboxView {
 public:
  // A message as the client numbers it.
  struct SeqUid {
    uint32_t seq;
    uint32_t uid;
  };
  // A message's state, as the shared index holds it now.
  struct MessageState {
    uint32_t uid = 0;
    uint32_t flags = 0;                    // storage::Flag bits
    std::span<const std::string> keywords;  // valid until the next change is applied
    uint64_t modseq = 0;
    bool recent = false;                   // RFC 3501 §2.3.2 \Recent, for this session only
  };

  // Attaches to shared; `ready` runs once the shared index is loaded, with
  // null, or with the load's error. If shared is loaded already, call
  // on_loaded(nullptr) once the view is stored where `ready` looks for it.
  MailboxView(std::shared_ptr<SharedIndex> shared, bool read_only, std::function<void(const Error*)> ready);
  ~MailboxView();
  MailboxView(const MailboxView&) = delete;
  MailboxView& operator=(const MailboxView&) = delete;

  // --- the client's numbering ---
  // Messages the client knows: those announced, including expunges not yet reported.
  uint32_t exists() const;
  // RFC 3501 §2.3.2: messages of this view that are \Recent for this session.
  uint32_t recent_count() const;
  std::optional<uint32_t> uid_at(uint32_t seq) const;
  std::optional<uint32_t> seq_of(uint32_t uid) const;
  // The highest UID the client knows of ("*" in a UID set), 0 if none.
  uint32_t max_uid() const;
  // Resolves message sequence numbers; false if one is above exists() (§9: BAD).
  bool resolve_seqs(const proto::imap::SeqSet& set, std::vector<SeqUid>* out) const;
  // Calls fn(uid, entry, recent) for sequence numbers 1..exists() in order,
  // in one pass (a snapshot of a 100,000-message mailbox without a lookup per
  // message); entry is null for an expunge not yet reported to the client.
  template <typename Fn>
  void for_each_numbered(Fn&& fn) const {
    const auto& e = shared_->entries();
    const size_t v = visible();
    size_t i = 0, j = 0;
    while (i < v || j < pending_expunged_.size()) {
      if (j < pending_expunged_.size() && (i >= v || pending_expunged_[j] < e[i].uid)) {
        fn(pending_expunged_[j++], static_cast<const SharedIndex::Entry*>(nullptr), false);
      } else {
        fn(e[i].uid, &e[i], is_recent(e[i].uid));
        ++i;
      }
    }
  }
  // Resolves UIDs; UIDs that are not in the view are skipped (§6.4.8).
  void resolve_uids(const proto::imap::SeqSet& set, std::vector<SeqUid>* out) const;
  // The current state of a message still in the store; nullopt once expunged.
  std::optional<MessageState> state(uint32_t uid) const;
  // The first sequence number without \Seen, 0 if none (SELECT's UNSEEN).
  uint32_t first_unseen() const;
  bool read_only() const { return read_only_; }
  const SharedIndex& shared() const { return *shared_; }

  // --- changes made by this session (not echoed back to it) ---
  // A flag change this session reported (STORE's FETCH, FETCH's FLAGS) or chose
  // to keep silent (.SILENT). One message: set_flags_batch of one.
  void set_flags(uint32_t uid, uint32_t flags, std::span<const std::string> keywords, uint64_t modseq);
  // Removes uid; returns the sequence number to report "* n EXPUNGE" with now,
  // or nullopt when the client had no number for it (already reported, unknown).
  // One message: apply_own_expunges of one.
  std::optional<uint32_t> apply_own_expunge(uint32_t uid);
  // set_flags for every change of one command, in one pass.
  void set_flags_batch(std::span<const storage::MessageSummary> changes);
  // apply_own_expunge for ascending uids in one pass: the numbers to report,
  // in order, each as if the earlier ones had been removed before it.
  std::vector<std::optional<uint32_t>> apply_own_expunges(std::span<const uint32_t> sorted_uids);

  // --- untagged updates (RFC 3501 §5.5, §7) ---
  // True if flush would write something (allow_expunge: EXPUNGE may be sent);
  // with flags false, only new or expunged messages count (RFC 5465 §5.1:
  // a NOTIFY without FlagChange is not woken by flag changes alone).
  bool has_updates(bool allow_expunge, bool flags = true) const;
  // The highest UID announced with EXISTS (new messages are above it).
  uint32_t told_max() const { return told_max_; }
  // Appends EXPUNGE (only if allow_expunge), EXISTS and RECENT, FETCH FLAGS.
  void flush(bool allow_expunge, std::string* out);
  // The UIDs (ascending) the next flush that may send EXPUNGE reports expunged.
  std::span<const uint32_t> unreported_expunges() const { return pending_expunged_; }
  // Called (from the change that caused it) when an update becomes pending: IDLE pushes it.
  void set_notify(std::function<void()> notify) { notify_ = std::move(notify); }
  // RFC 7162: with modseq (CONDSTORE enabled), FETCH updates carry MODSEQ (§3.1.4);
  // with vanished, expunges go as "* VANISHED uids" (§3.2.10). With uid,
  // FETCH updates carry UID (QRESYNC; RFC 9051 §7.5.2 for IMAP4rev2).
  void set_reporting(bool modseq, bool vanished, bool uid) {
    report_modseq_ = modseq;
    report_vanished_ = vanished;
    report_uid_ = uid;
  }
  // RFC 9051 Appendix E: an IMAP4rev2 session has no \Recent flag and no
  // RECENT response (messages are still claimed, so rev1 sessions agree).
  void set_hide_recent(bool hide) { hide_recent_ = hide; }

  // --- from SharedIndex ---
  void on_loaded(const Error* error);
  void note_expunged(std::span<const uint32_t> uids);
  void note_flags(std::span<const uint32_t> uids);
  void note_changed();  // after a change: new messages may exist; call notify

  // Bytes this view holds beyond the shared index.
  size_t memory() const;

 private:
  // Messages of the shared index the client was told about (uid <= told_max_).
  size_t visible() const;
  // The k-th (0-based) message of the client's numbering: (shared index, pending index).
  std::pair<size_t, size_t> locate(size_t k) const;
  bool is_recent(uint32_t uid) const;
  void claim_recent(uint32_t from_exclusive, uint32_t to);

  std::shared_ptr<SharedIndex> shared_;
  bool read_only_;
  std::function<void(const Error*)> ready_;
  bool started_ = false;
  uint32_t told_max_ = 0;                  // highest UID announced (EXISTS)
  std::vector<uint32_t> pending_expunged_;  // sorted; still numbered for the client
  std::vector<uint32_t> pending_flags_;     // sorted; FETCH FLAGS to send
  // \Recent for this session: UID ranges [lo, hi] claimed (RecentClaims).
  std::vector<std::pair<uint32_t, uint32_t>> recent_;
  std::function<void()> notify_;
  bool report_modseq_ = false;
  bool report_vanished_ = false;
  bool report_uid_ = false;
  bool hide_recent_ = false;
};

}  // namespace loft::server::imap
