// RFC 3501 §6.3.11 APPEND, streamed: the parser hands each message literal
// out in pieces (message_start / message_data / message_end); the bytes go to
// a BodyWriter chunk by chunk on workers, and the tagged OK, with RFC 4315
// APPENDUID, is sent only once the commit is durable. RFC 3502 MULTIAPPEND:
// each further message gets its own writer; all are linked in one batch by
// Store::append_many, so a failure or a dropped connection stores none.
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

namespace {

// Refuses messages that would go over quota before the client sends them
// (RFC 3501 §7.5 lets the server answer instead of "+"; RFC 9208 §7
// OVERQUOTA); bytes and messages are those of the whole APPEND so far. The
// commit checks again.
Result<void> quota_allows(storage::Store& store, storage::AccountId account, uint64_t bytes, uint64_t messages) {
  auto quota = store.quota(account);
  if (!quota) return quota.error();
  if ((quota->byte_limit && quota->bytes + bytes > quota->byte_limit) ||
      (quota->message_limit && quota->messages + messages > quota->message_limit))
    return Error{Errc::no_quota, "Quota exceeded"};
  return {};
}

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdAppend&) {
  // The framer streams every well-formed APPEND (on_message_start); a
  // command value reaching here was built without its message.
  tagged(tag, "BAD", "APPEND needs the message as a literal");
}

void ImapSession::on_message_start(pi::Command& cmd) {
  auto& c = std::get<pi::CmdAppend>(cmd.body);
  if (c.index > 0) {
    on_next_message(c);
    return;
  }
  append_ = std::make_unique<AppendUpload>(cmd.tag, c);
  append_->add_announced(c.message_size);
  const pi::CommandInfo& info = pi::command_info(cmd.body);
  std::optional<std::string> refused;
  if (!pi::allowed_in(info, state_)) {
    std::string why = state_ == pi::kNotAuthenticated ? " is not allowed before login" : " is not allowed in this state";
    refused = cmd.tag + (c.replace ? " BAD REPLACE" : " BAD APPEND") + why + "\r\n";
  } else if (c.replace) {
    refused = resolve_replace(cmd.tag, c);
  }
  if (refused) {
    append_->refusal() = std::move(refused);
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
  bool replace = c.replace.has_value();
  conn().offload(
      [this, st, account_id, size, replace, wire = c.mailbox, form = name_form()] {
        auto name = mailbox_from_wire(wire, form);
        if (!name) {
          st->mailbox = name.error();
          return;
        }
        st->mailbox = store().find_mailbox(account_id, *name);
        if (!st->mailbox) return;
        // A REPLACE frees the old message's place: only the commit can tell.
        if (auto q = replace ? Result<void>{} : quota_allows(store(), account_id, size, 1); !q) {
          st->mailbox = q.error();
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

// RFC 3502: a further message of the same APPEND. The previous one is ended
// (its writer kept, not linked), the quota is checked for all of them
// together, and a new body is begun.
void ImapSession::on_next_message(const pi::CmdAppend& c) {
  if (!append_) {  // cannot happen: the first message made the upload
    if (c.sync) parser_.reject_message();
    return;
  }
  AppendUpload& up = *append_;
  if (up.refusal()) {  // refused already: this message is dropped too
    if (c.sync) {
      parser_.reject_message();
      send(*up.refusal());
      append_.reset();
    }
    return;
  }
  busy_ = true;
  up.add_announced(c.message_size);
  struct Next {
    Result<void> ok;
    std::unique_ptr<storage::BodyWriter> writer;
  };
  auto st = std::make_shared<Next>();
  conn().offload(
      [this, st, up = append_.get(), account_id = account().id] {
        st->ok = up->end_message(account_id, now_seconds());
        if (st->ok) st->ok = quota_allows(store(), account_id, up->announced_bytes(), up->messages() + 1);
        if (st->ok) {
          auto writer = store().begin_body();
          if (writer) st->writer = std::move(*writer);
          else st->ok = writer.error();
        }
        if (!st->ok) up->writers().clear();  // removes the messages received so far
      },
      [this, st, c] {
        AppendUpload& up = *append_;
        if (!st->ok) {
          up.refusal() = target_error_line(up.tag(), st->ok.error());
          if (c.sync) {
            parser_.reject_message();
            send(*up.refusal());
            append_.reset();
          }
          finish();
          return;
        }
        up.begin_next(c, std::move(st->writer));
        if (c.sync) {
          parser_.accept_message();
          send("+ Ready for literal data\r\n");
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
    abort_append();
    return;
  }
  busy_ = true;
  using Copies = Result<std::vector<storage::DeliveredCopy>>;
  auto result = std::make_shared<Copies>(Error{Errc::internal, "not committed"});
  // A worker writes the last bytes and queues the commit without waiting for
  // its fsync: one message, a REPLACE, or several linked by append_many (all
  // or none). The reply goes out on this loop once the batch is durable.
  conn().offload_async(
      [this, up = append_.get(), result, account_id = account().id](std::function<void()> finished) {
        if (auto ended = up->end_message(account_id, now_seconds()); !ended) {
          up->writers().clear();
          *result = ended.error();
          finished();
          return;
        }
        if (auto old = up->replacing()) {  // RFC 8508: the append and the expunge in one batch
          // Nothing of `up` is touched once the request is queued: its
          // completion may reach the loop, which drops `up`, at any moment.
          auto writer = std::move(up->writers().front());
          up->writers().clear();
          store().replace_async(std::move(writer), up->targets().front(), old->mailbox, old->uid,
                                [result, finished = std::move(finished)](Result<storage::DeliveredCopy> copy) {
                                  if (copy) *result = std::vector<storage::DeliveredCopy>{*copy};
                                  else *result = copy.error();
                                  finished();
                                });
          return;
        }
        if (up->writers().size() == 1) {
          store().deliver_async(std::move(up->writers().front()), up->targets(),
                                [result, finished = std::move(finished)](Result<std::vector<storage::DeliveryOutcome>> o) {
                                  if (!o) *result = o.error();
                                  else if (o->size() != 1) *result = Error{Errc::internal, "no outcome"};
                                  else if (!o->front()) *result = o->front().error();
                                  else *result = std::vector<storage::DeliveredCopy>{o->front().value()};
                                  finished();
                                });
          return;
        }
        // MULTIAPPEND (RFC 3502): all or none, linked in one batch.
        auto writers = std::move(up->writers());
        up->writers().clear();
        store().append_many_async(std::move(writers), up->targets(),
                                  [result, finished = std::move(finished)](Copies copies) {
                                    *result = std::move(copies);
                                    finished();
                                  });
      },
      [this, result] {
        std::string tag = append_->tag();
        storage::MailboxId target_id = append_->mailbox().id;
        std::optional<AppendUpload::Replacing> replaced = append_->replacing();
        append_.reset();
        if (!*result || result->value().empty()) {
          Error e = *result ? Error{Errc::internal, "no outcome"} : result->error();
          LogEvent(LogLevel::warn, "imap", "append").session(conn().id()).remote(conn().peer()).user(account().name)
              .field("result", "failed").field("error", e.message);
          send(target_error_line(tag, e));
          finish();
          return;
        }
        if (replaced) {
          replace_done(tag, result->value().front(), replaced->uid, selected() && selected()->info.id == target_id);
          return;
        }
        // RFC 3501 §6.3.11: a selected target reports the new message (EXISTS)
        // before the tagged reply.
        if (selected() && selected()->info.id == target_id) note_own_arrival(*selected());
        sync_mailbox([this, tag, copies = std::move(result->value())] {
          // RFC 4315 §3: APPENDUID uidvalidity uid-set (several for MULTIAPPEND).
          pi::AppendUid uid{copies.front().uidvalidity, {}};
          for (const auto& copy : copies) uid.uids.push_back(copy.uid);
          std::string out, code;
          uid.serialize(&code);
          pi::append_tagged_ok(&out, tag, code, "APPEND completed");
          send(out);
          finish();
        });
      });
}

}  // namespace loft::server::imap
