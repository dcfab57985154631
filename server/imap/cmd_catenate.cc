// RFC 4469 CATENATE: an APPEND message built from TEXT literals and URLs of
// messages already stored (RFC 5092, with RFC 5550 URL-PARTIAL ranges). The
// message is streamed into its BodyWriter exactly as a literal message is
// (cmd_append.cc): TEXT bytes as they arrive, each URL's bytes read from the
// store and written in 64 KiB pieces, in bounded steps on workers; the MIME
// structure is parsed on the way (AppendUpload, IngestBody). A URL that names
// nothing of this account makes the whole APPEND NO [BADURL url] (§4.1), a
// message over the size limits NO [TOOBIG] (§4.2); either way nothing is
// stored (the pending body is removed, as for any refused APPEND).
#include "protocol/imap/imap_url.h"
#include "server/connection.h"
#include "server/imap/append_upload.h"
#include "server/imap/catenate_url.h"
#include "server/imap/msg_set.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

// One URL part on its way into the message.
struct CatenateCopy {
  std::string url;
  std::optional<Error> error;  // the URL was refused (bad_input: BADURL) or too big
  UrlBytes part;
  bool done = false;
};

namespace {

// Bytes copied per worker step: a long copy does not hold one worker.
constexpr uint64_t kCopyStep = 1024 * 1024;

// RFC 4469 §4.2 TOOBIG: the message (and, RFC 3502, all of this APPEND's
// messages) within the APPEND limits once `more` bytes are added.
struct SizeLimits {
  uint64_t message = 0;  // limits.max_message_size
  uint64_t total = 0;    // limits.max_append_total
};
Result<void> catenate_fits(const AppendUpload& up, uint64_t more, const SizeLimits& limits) {
  if (up.message_bytes() + more > limits.message) return Error{Errc::too_big, "The catenated message is too big"};
  if (up.ended_bytes() + up.message_bytes() + more > limits.total)
    return Error{Errc::too_big, "The messages of this APPEND are too big together"};
  return {};
}

SizeLimits size_limits_of(const Config& c) { return {c.limits.max_message_size, c.limits.max_append_total}; }

}  // namespace

void ImapSession::on_catenate_text(uint64_t size, bool sync) {
  if (!append_) {  // cannot happen: message_start made the upload
    if (sync) parser_.reject_message();
    return;
  }
  AppendUpload& up = *append_;
  if (!up.refusal()) {
    if (auto fits = catenate_fits(up, size, size_limits_of(conn().server().config())); !fits)
      up.refusal() = target_error_line(up.tag(), fits.error());
  }
  if (up.refusal()) {
    // RFC 4469 Appendix A, example 4: a failure already known is answered in
    // place of the "+"; the client then sends nothing more of the command.
    if (sync) {
      parser_.reject_message();
      send(*up.refusal());
      abort_append();
    }
    return;
  }
  up.add_announced(size);
  if (sync) {
    parser_.accept_message();
    send("+ Ready for literal data\r\n");  // RFC 3501 §7.5
  }
}

void ImapSession::on_catenate_url(std::string_view url) {
  if (!append_ || append_->refusal()) return;  // refused already: the rest is dropped
  busy_ = true;
  auto job = std::make_shared<CatenateCopy>();
  job->url.assign(url);
  UrlScope scope{account().id, account().name, conn().server().config().hostname};
  conn().offload(
      [this, job, up = append_.get(), scope = std::move(scope), limits = size_limits_of(conn().server().config())] {
        auto bytes = resolve_url(store(), scope, job->url);
        if (!bytes) {
          job->error = bytes.error();
          return;
        }
        job->part = std::move(*bytes);
        up->write_pending();  // so message_bytes counts everything before the URL
        if (auto fits = catenate_fits(*up, job->part.size(), limits); !fits) {
          job->error = fits.error();
          return;
        }
        up->add_announced(job->part.size());
        job->done = up->copy_url_bytes(store(), job->part, kCopyStep);
      },
      [this, job] { catenate_step(job); });
}

// After a worker step of a URL part: the next step, or the command goes on.
void ImapSession::catenate_step(std::shared_ptr<CatenateCopy> job) {
  AppendUpload& up = *append_;
  if (job->error) {
    std::string line;
    if (job->error->code == Errc::bad_input) pi::append_badurl_response(&line, up.tag(), job->url, job->error->message);
    else line = target_error_line(up.tag(), *job->error);
    up.refusal() = std::move(line);
    finish();
    return;
  }
  if (!job->done) {
    conn().offload([this, job, up = append_.get()] { job->done = up->copy_url_bytes(store(), job->part, kCopyStep); },
                   [this, job] { catenate_step(job); });
    return;
  }
  finish();
}

}  // namespace loft::server::imap
