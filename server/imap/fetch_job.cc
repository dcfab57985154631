#include "server/imap/fetch_job.h"

#include <algorithm>
#include <functional>
#include <memory>

#include "protocol/imap/object_id.h"
#include "server/connection.h"
#include "server/imap/fetch_binary.h"
#include "server/imap/session.h"
#include "server/imap/structure_loader.h"
#include "server/imap/view_fetch.h"

namespace loft::server::imap {

namespace {
constexpr uint64_t kReadPiece = 64 * 1024;
}

FetchJob::FetchJob(ImapSession& session, std::string tag, proto::imap::CmdFetch cmd, FetchNeeds needs,
                   std::vector<Target> targets, size_t first)
    : session_(session),
      tag_(std::move(tag)),
      cmd_(std::move(cmd)),
      needs_(needs),
      targets_(std::move(targets)),
      mailbox_(session.selected()->info.id),
      account_(session.selected()->info.account),
      set_seen_(needs.sets_seen && !session.selected()->read_only),
      from_view_(view_answers(cmd_.items)),
      next_(first),
      pump_(
          session.conn(),
          [this] {
            if (!from_view_) run_step();
          },
          [this] {
            if (from_view_) view_step();
            after_step();
          }) {
  // \Recent is the session's (the view's), read here on the loop thread for
  // the worker's FLAGS (RFC 3501 §2.3.2); few messages are recent.
  if (!from_view_ && (needs_.flags || set_seen_)) {
    if (auto* view = session_.view(); view && view->recent_count() > 0)
      for (const auto& t : targets_)
        if (auto s = view->state(t.uid); s && s->recent) recent_.push_back(t.uid);
    std::sort(recent_.begin(), recent_.end());
  }
}

void FetchJob::view_step() {
  out_.clear();
  bool with_uid = cmd_.uid || std::any_of(cmd_.items.begin(), cmd_.items.end(),
                                          [](const auto& i) { return i.kind == proto::imap::FetchAtt::Kind::uid; });
  if (auto* view = session_.view()) append_view_fetch(*view, targets_, with_uid, &next_, kStepBytes, &out_);
  else next_ = targets_.size();  // no view left to answer from: nothing more to say
  done_ = next_ == targets_.size();
}

void FetchJob::start() { pump_.schedule(); }

void FetchJob::on_drain() { pump_.on_drain(); }

Result<void> FetchJob::load_batch() {
  batch_.clear();
  seen_set_.clear();  // only the current batch's messages are looked up
  size_t end = std::min(targets_.size(), next_ + kBatch);
  std::vector<uint32_t> uids;
  for (size_t i = next_; i < end; ++i) uids.push_back(targets_[i].uid);
  auto metas = session_.store().messages(mailbox_, uids);
  if (!metas) return metas.error();
  for (auto& m : *metas) batch_.emplace(m.uid, std::move(m));
  batch_end_ = end;
  if (!set_seen_) return {};
  // RFC 3501 §6.4.5: BODY[] (not PEEK) sets \Seen; it is committed before
  // the bytes go out, and reported with FLAGS when it changed.
  // RFC 3516 §4.3: a FETCH that fails with [UNKNOWN-CTE] stops at that
  // message, so it and the ones after it keep their flags.
  uint32_t stop_uid = UINT32_MAX;
  bool binary_part = std::any_of(cmd_.items.begin(), cmd_.items.end(), [](const proto::imap::FetchAtt& a) {
    return (a.kind == proto::imap::FetchAtt::Kind::binary || a.kind == proto::imap::FetchAtt::Kind::binary_size) &&
           !a.part.empty();
  });
  if (binary_part) {  // only BINARY of a part can fail so; other FETCHes read no structure here
    for (size_t i = next_; i < end; ++i) {
      auto it = batch_.find(targets_[i].uid);
      if (it == batch_.end()) continue;
      auto s = load_structure(session_.store(), it->second);
      if (!s) return s.error();
      if (has_unknown_cte(&*s, it->second, cmd_.items)) {
        stop_uid = targets_[i].uid;
        break;
      }
    }
  }
  std::vector<uint32_t> unseen;
  bool before_stop = true;
  for (size_t i = next_; i < end && before_stop; ++i) {
    before_stop = targets_[i].uid != stop_uid;
    auto it = batch_.find(targets_[i].uid);
    if (before_stop && it != batch_.end() && !(it->second.flags & storage::kSeen)) unseen.push_back(it->first);
  }
  std::sort(unseen.begin(), unseen.end());
  seen_wanted_ = std::move(unseen);  // committed from the loop thread (commit_seen)
  return {};
}

void FetchJob::commit_seen() {
  // No worker waits for the fsync: the request is queued and the next step
  // is scheduled by its completion, on this connection's loop.
  auto result = std::make_shared<Result<std::vector<storage::MessageSummary>>>(Error{Errc::internal, "not committed"});
  auto uids = std::make_shared<std::vector<uint32_t>>(std::move(seen_wanted_));
  seen_wanted_.clear();
  session_.conn().offload_async(
      [this, uids, result](std::function<void()> finished) {
        session_.store().update_flags_async(mailbox_, *uids, storage::FlagOp::add, storage::kSeen,
                                            [result, finished = std::move(finished)](auto r) {
                                              *result = std::move(r);
                                              finished();
                                            });
      },
      [this, result] {
        if (!*result) {
          error_ = result->error();
          after_step();
          return;
        }
        for (const auto& u : result->value()) {
          seen_set_.insert(u.uid);
          flag_updates_.push_back(u);  // applied to the view once the step that tells the client ran
          auto it = batch_.find(u.uid);
          if (it != batch_.end()) {
            it->second.flags = u.flags;
            it->second.modseq = u.modseq;
          }
        }
        pump_.schedule();
      });
}

void FetchJob::run_step() {
  out_.clear();
  auto read_header = [this](const storage::MessageMeta& m, uint64_t offset, uint64_t length) {
    return session_.store().read_body(m.blob, offset, length);
  };
  while (out_.size() < kStepBytes) {
    if (pending_.empty()) {
      if (next_ == targets_.size()) {
        done_ = true;
        return;
      }
      if (next_ >= batch_end_) {
        if (auto r = load_batch(); !r) {
          error_ = r.error();
          return;
        }
        if (!seen_wanted_.empty()) return;  // the step ends; \Seen is committed before the batch goes out
      }
      const Target& t = targets_[next_++];
      auto it = batch_.find(t.uid);
      if (it == batch_.end()) continue;  // expunged meanwhile: nothing to say about it
      bool add_flags = !needs_.flags && seen_set_.count(t.uid) > 0;
      std::optional<proto::mime::Structure> structure;
      if (needs_.structure) {
        auto loaded = load_structure(session_.store(), it->second);
        if (!loaded) {
          error_ = loaded.error();
          return;
        }
        structure = std::move(*loaded);
      }
      if (needs_.body && has_unknown_cte(structure ? &*structure : nullptr, it->second, cmd_.items)) {
        // RFC 3516 §4.3: a section that cannot be decoded fails the command;
        // the responses already sent stand.
        unknown_cte_ = true;
        return;
      }
      bool recent = std::binary_search(recent_.begin(), recent_.end(), t.uid);
      std::string email_id;
      if (needs_.email_id)
        email_id = proto::imap::email_object_id(session_.store().object_key(), account_, it->second.blob);
      auto segs = build_fetch_response(t.seq, it->second, cmd_.items, cmd_.uid, add_flags, read_header,
                                       structure ? &*structure : nullptr, recent, &session_.store(), email_id);
      if (!segs) {
        error_ = segs.error();
        return;
      }
      pending_ = std::move(*segs);
    }
    Segment& s = pending_.front();
    if (s.decoded) {
      // BINARY bytes, decoded piece by piece; NULs stay (a literal8, RFC 3516 §4.3).
      if (auto r = s.decoded->produce(&out_); !r) {
        error_ = r.error();
        return;
      }
      if (s.decoded->done()) pending_.pop_front();
      continue;
    }
    if (s.blob == 0) {
      out_ += s.text;
      pending_.pop_front();
      continue;
    }
    uint64_t n = std::min(s.length, kReadPiece);
    auto bytes = storage::read_body_exact(session_.store(), s.blob, s.offset, n);
    if (!bytes) {
      error_ = bytes.error();
      return;
    }
    // RFC 3501 §4.3: a literal is CHAR8, which excludes NUL. A stored NUL is
    // sent as 0x80, as Dovecot does (docs/imap-differences.md).
    std::replace(bytes->begin(), bytes->end(), '\0', '\x80');
    out_ += *bytes;
    s.offset += n;
    s.length -= n;
    if (s.length == 0) pending_.pop_front();
  }
}

void FetchJob::after_step() {
  session_.conn().write_owned(std::move(out_));
  out_ = std::string();
  if (auto* view = session_.view()) {
    // The client was just told these flags: not echoed again (mailbox_view.h).
    view->set_flags_batch(flag_updates_);
  }
  flag_updates_.clear();
  if (!unknown_cte_ && !error_) {
    if (!seen_wanted_.empty()) {
      commit_seen();
      return;
    }
    if (!done_) {
      pump_.schedule();
      return;
    }
  }
  if (tag_.empty()) {
    // RFC 5465 §5.2: a NOTIFY MessageNew FETCH has no tagged reply.
    if (unknown_cte_ || error_) session_.send("* NO Fetching the new messages' attributes failed\r\n");
  } else if (unknown_cte_) {
    session_.tagged(tag_, "NO", "[UNKNOWN-CTE] Unknown Content-Transfer-Encoding");
  } else if (error_) {
    // The untagged responses sent so far stand; the command fails as a whole.
    session_.tagged_error(tag_, *error_);
  } else {
    session_.tagged(tag_, "OK", cmd_.uid ? "UID FETCH completed" : "FETCH completed");
  }
  auto self = std::move(session_.fetch_slot());  // destroys this job on return
  session_.finish();
}

}  // namespace loft::server::imap
