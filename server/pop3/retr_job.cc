#include "server/pop3/retr_job.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "base/log.h"
#include "protocol/pop3/response.h"
#include "server/connection.h"
#include "server/pop3/session.h"

namespace loft::server::pop3 {

namespace pp = proto::pop3;

RetrJob::RetrJob(Pop3Session& session, storage::MailboxId mailbox, uint32_t uid, bool top, uint32_t lines)
    : session_(session),
      mailbox_(mailbox),
      uid_(uid),
      top_(top),
      lines_(lines),
      limiter_(lines),
      pump_(session.conn(), [this] { run_step(); }, [this] { after_step(); }) {}

void RetrJob::start() { pump_.schedule(); }

void RetrJob::on_drain() { pump_.on_drain(); }

Result<void> RetrJob::begin() {
  const std::vector<uint32_t> uids{uid_};
  auto metas = session_.store().messages(mailbox_, uids);
  if (!metas) return metas.error();
  if (metas->empty()) return Error{Errc::expunged, "Message was deleted by another session."};
  const storage::MessageMeta& m = metas->front();
  if (!top_ && !(m.flags & storage::kSeen) && !seen_committed_) {
    // Like Dovecot, RETR marks the message \Seen for IMAP clients, durably
    // before the bytes go out. TOP is a peek and does not. The loop thread
    // commits it (commit_seen), then this step runs again.
    seen_wanted_ = true;
    return {};
  }
  blob_ = m.blob;
  header_size_ = std::min(m.header_size, m.size);
  // RFC 1939 §7 TOP: the header, the blank line, then `lines` body lines.
  end_ = top_ && lines_ == 0 ? header_size_ : m.size;
  out_ = top_ ? pp::ok("") : pp::ok(std::to_string(m.size) + " octets");
  begun_ = true;
  return {};
}

void RetrJob::run_step() {
  out_.clear();
  if (!begun_) {
    if (auto r = begin(); !r) {
      error_ = r.error();
      return;
    }
    if (seen_wanted_) return;
  }
  while (out_.size() < kStepBytes && offset_ < end_) {
    // A piece never straddles the end of the header, where TOP starts counting.
    const uint64_t limit = top_ && offset_ < header_size_ ? header_size_ : end_;
    const uint64_t n = std::min(kReadPiece, limit - offset_);
    auto bytes = storage::read_body_exact(session_.store(), blob_, offset_, n);
    if (!bytes) {
      error_ = bytes.error();
      return;
    }
    std::string_view piece(*bytes);
    if (top_ && offset_ >= header_size_) {
      piece = piece.substr(0, limiter_.take(piece));
      if (limiter_.done()) end_ = offset_ + piece.size();
    }
    stuffer_.feed(piece, &out_);
    offset_ += n;
  }
  if (offset_ >= end_) {
    stuffer_.finish(&out_);  // RFC 1939 §3: CRLF "." CRLF
    done_ = true;
  }
}

void RetrJob::commit_seen() {
  seen_wanted_ = false;
  auto result = std::make_shared<Result<std::vector<storage::MessageSummary>>>(Error{Errc::internal, "not committed"});
  session_.conn().offload_async(
      [this, result](std::function<void()> finished) {
        const uint32_t uids[] = {uid_};
        session_.store().update_flags_async(mailbox_, uids, storage::FlagOp::add, storage::kSeen,
                                            [result, finished = std::move(finished)](auto r) {
                                              *result = std::move(r);
                                              finished();
                                            });
      },
      [this, result] {
        if (!*result) error_ = result->error();
        seen_committed_ = true;  // begin() runs again and reads the message as it is now
        if (error_) return after_step();
        pump_.schedule();
      });
}

void RetrJob::after_step() {
  if (seen_wanted_ && !error_) return commit_seen();
  if (error_ && !begun_) {
    // Nothing sent yet: the command fails as a whole.
    session_.send(pp::error_response(*error_));
  } else if (error_) {
    // A multi-line response cannot fail in-band: closing without the
    // terminator is the only way to tell the client it is incomplete.
    log_warn("pop3: reading message ", uid_, " failed: ", error_->message);
    session_.send(out_);
    session_.conn().close_after_flush();
  } else {
    session_.send(out_);
    out_.clear();
    out_.shrink_to_fit();
    if (!done_) {
      pump_.schedule();
      return;
    }
  }
  auto self = std::move(session_.retr_);  // destroys this job on return
  session_.finish();
}

}  // namespace loft::server::pop3
