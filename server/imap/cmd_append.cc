// RFC 3501 §6.3.11 APPEND, streamed: the parser hands the message literal
// out in pieces (message_start / message_data / message_end); the bytes go to
// a BodyWriter chunk by chunk on workers, and the tagged OK, with RFC 4315
// APPENDUID, is sent only once the commit is durable.
#include <ctime>

#include "base/log.h"
#include "protocol/imap/message_responses.h"
#include "protocol/imap/response_code.h"
#include "server/connection.h"
#include "server/imap/append_upload.h"
#include "server/imap/msg_set.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

// Flag bits pass between the protocol and the store unchanged.
static_assert(pi::FlagList::kSeen == storage::kSeen && pi::FlagList::kAnswered == storage::kAnswered &&
                  pi::FlagList::kFlagged == storage::kFlagged && pi::FlagList::kDeleted == storage::kDeleted &&
                  pi::FlagList::kDraft == storage::kDraft,
              "protocol and storage flag bits are the same");


void ImapSession::handle(const std::string& tag, const pi::CmdAppend&) {
  // The framer streams every well-formed APPEND (on_message_start); a
  // command value reaching here was built without its message.
  tagged(tag, "BAD", "APPEND needs the message as a literal");
}

void ImapSession::on_message_start(pi::Command& cmd) {
  auto& c = std::get<pi::CmdAppend>(cmd.body);
  append_ = std::make_unique<AppendUpload>(cmd.tag, c);
  const pi::CommandInfo& info = pi::command_info(cmd.body);
  if (!pi::allowed_in(info, state_)) {
    std::string why = state_ == pi::kNotAuthenticated ? " is not allowed before login" : " is not allowed in this state";
    append_->refusal() = cmd.tag + " BAD APPEND" + why + "\r\n";
    if (c.sync) {
      parser_.reject_message();
      send(*append_->refusal());
      append_.reset();
    }
    return;
  }
  busy_ = true;
  struct Start {
    Result<storage::MailboxInfo> mailbox{Error{Errc::internal, "not looked up"}};
    Result<std::unique_ptr<storage::BodyWriter>> writer{Error{Errc::internal, "not begun"}};
  };
  auto st = std::make_shared<Start>();
  storage::AccountId account_id = account().id;
  uint64_t size = c.message_size;
  conn().offload(
      [this, st, account_id, size, wire = c.mailbox, form = name_form()] {
        auto name = mailbox_from_wire(wire, form);
        if (!name) {
          st->mailbox = name.error();
          return;
        }
        st->mailbox = store().find_mailbox(account_id, *name);
        if (!st->mailbox) return;
        // Refuse over-quota messages before the client sends them (RFC 3501
        // §7.5 lets the server answer instead of "+"); the commit checks again.
        auto quota = store().quota(account_id);
        if (!quota) {
          st->mailbox = quota.error();
          return;
        }
        if ((quota->byte_limit && quota->bytes + size > quota->byte_limit) ||
            (quota->message_limit && quota->messages + 1 > quota->message_limit)) {
          st->mailbox = Error{Errc::no_quota, "Quota exceeded"};
          return;
        }
        st->writer = store().begin_body();
      },
      [this, st] {
        AppendUpload& up = *append_;
        bool sync = up.cmd().sync;
        if (!st->mailbox || !st->writer) {
          up.refusal() = target_error_line(up.tag(), !st->mailbox ? st->mailbox.error() : st->writer.error());
          if (sync) {  // the client sends nothing after a refusal
            parser_.reject_message();
            send(*up.refusal());
            append_.reset();
          }
          finish();
          return;
        }
        up.begin(std::move(st->mailbox.value()), std::move(st->writer.value()));
        if (sync) {
          parser_.accept_message();
          send("+ Ready for literal data\r\n");  // RFC 3501 §7.5
        }
        finish();
      });
}

void ImapSession::on_message_data(std::string_view bytes) {
  if (!append_ || !append_->take(bytes)) return;
  // A chunk is full: a worker writes it; input waits meanwhile (busy), so the
  // connection holds one chunk plus its bounded input queue.
  busy_ = true;
  conn().offload([up = append_.get()] { up->write_pending(); }, [this] { finish(); });
}

void ImapSession::abort_append() {
  if (!append_) return;
  // Removing the chunks written so far is store I/O: a worker's job.
  std::shared_ptr<AppendUpload> dropped(std::move(append_));
  conn().offload([dropped]() mutable { dropped.reset(); }, [] {});
}

void ImapSession::on_message_end() {
  if (!append_) return;
  if (append_->refusal()) {
    send(*append_->refusal());
    append_.reset();
    return;
  }
  busy_ = true;
  const pi::CmdAppend& c = append_->cmd();
  auto target = std::make_shared<std::vector<storage::DeliveryTarget>>(1);
  storage::DeliveryTarget& t = target->front();
  t.account = account().id;
  t.mailbox = append_->mailbox().name;
  t.flags = c.flags.system;
  t.keywords = c.flags.keywords;
  t.internal_date = c.internal_date ? *c.internal_date : static_cast<int64_t>(std::time(nullptr));
  t.tz_offset_minutes = c.internal_date ? c.tz_offset_minutes : 0;
  using Outcomes = Result<std::vector<storage::DeliveryOutcome>>;
  auto result = std::make_shared<Outcomes>(Error{Errc::internal, "not committed"});
  // A worker writes the last bytes and queues the commit without waiting for
  // its fsync; the reply goes out on this loop once the batch is durable.
  conn().offload_async(
      [this, up = append_.get(), target, result](std::function<void()> finished) {
        auto body = up->release_for_commit();
        if (!body) {
          *result = body.error();
          finished();
          return;
        }
        store().deliver_async(std::move(*body), *target,
                              [result, finished = std::move(finished)](Outcomes outcomes) {
                                *result = std::move(outcomes);
                                finished();
                              });
      },
      [this, result] {
        std::string tag = append_->tag();
        storage::MailboxId target_id = append_->mailbox().id;
        append_.reset();
        Result<storage::DeliveredCopy> copy = Error{Errc::internal, "no outcome"};
        if (!*result) copy = result->error();
        else if (result->value().size() == 1) copy = std::move(result->value().front());
        if (!copy) {
          log_warn("imap: APPEND failed: ", copy.error().message);
          send(target_error_line(tag, copy.error()));
          finish();
          return;
        }
        // RFC 3501 §6.3.11: a selected target reports the new message (EXISTS)
        // before the tagged reply.
        if (selected() && selected()->info.id == target_id) note_own_arrival(*selected());
        sync_mailbox([this, tag, copy = *copy] {
          std::string out, code;
          pi::AppendUid{copy.uidvalidity, copy.uid}.serialize(&code);
          pi::append_tagged_ok(&out, tag, code, "APPEND completed");
          send(out);
          finish();
        });
      });
}

}  // namespace loft::server::imap
