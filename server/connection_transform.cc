// Connection's side of the transform chain (server/transform/): decoding
// input through TLS and DEFLATE, holding back socket reads while a transform
// still holds undecoded input, and installing DEFLATE for IMAP COMPRESS.
#include "base/log.h"
#include "server/connection.h"
#include "server/transform/deflate.h"

namespace loft::server {

void Connection::deliver(std::string_view bytes, size_t first) {
  if (closing()) return;
  if (chain_.empty()) {
    session_->on_data(bytes);
    return;
  }
  std::string plain, wire;
  auto status = chain_.decode(bytes, &plain, &wire, first);
  if (!wire.empty()) send_raw(std::move(wire));
  if (status == Transform::Status::failed) {
    log_debug(peer_, ": ", chain_.error());
    close_after_flush();
    return;
  }
  if (!opened_ && chain_.ready()) {
    opened_ = true;
    session_->on_open();
  }
  if (!plain.empty()) session_->on_data(plain);
}

void Connection::drain_pending_input() {
  if (draining_) return;  // the outer call goes on
  draining_ = true;
  // Each round yields at most the inflater's cap; the session's input queue
  // pauses (want_reading_ = false) when it holds too much.
  while (chain_.pending() && want_reading_ && !closing()) deliver({}, 0);
  draining_ = false;
  if (chain_.pending() || !want_reading_) stop_socket_reading();
  else start_socket_reading();
}

void Connection::start_compress() {
  flush();  // RFC 4978 §3: everything before this point goes out uncompressed
  chain_.push(std::make_unique<DeflateTransform>());
  LogEvent(LogLevel::info, "server", "compress").session(id_).remote(peer_).field("mechanism", "DEFLATE");
}

void Connection::redecode_input(std::string_view bytes) {
  if (bytes.empty() || chain_.empty()) return;
  deliver(bytes, chain_.size() - 1);  // through the innermost layer only
  drain_pending_input();
}

void Connection::stop_socket_reading() {
  if (reading_ && !closing_) {
    uv_read_stop(stream_);
    reading_ = false;
  }
}

void Connection::start_socket_reading() {
  if (!reading_ && !closing_ && !close_pending_) {
    if (uv_read_start(stream_, on_alloc, on_read) == 0) reading_ = true;
  }
}

}  // namespace loft::server
