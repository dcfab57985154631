// A message body on its way into the store (LMTP delivery, IMAP APPEND):
// every chunk goes to the BodyWriter and through the incremental MIME parser,
// and finish() stores the parsed structure with the body (docs/storage.md,
// "Message structure"), so that FETCH of ENVELOPE, BODYSTRUCTURE and
// BODY[1.2] never re-parses the message. Memory is bounded by the parser's.
//
// Use from one thread at a time (a worker: write() does store I/O):
//   IngestBody in(std::move(writer));
//   in.write(chunk) ...;  in.finish();  store.deliver_async(in.release(), ...)
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "protocol/mime/parser.h"
#include "storage/store.h"

namespace loft::server {

class IngestBody {
 public:
  explicit IngestBody(std::unique_ptr<storage::BodyWriter> writer);
  // Appends bytes to the body and to the parse (blocking store I/O).
  Result<void> write(std::string_view bytes);
  // Ends the message and hands its structure to the writer. Call once, after
  // the last write and before the writer is given to deliver/append.
  void finish();
  // The writer, for Store::deliver / Store::append.
  storage::BodyWriter& writer() { return *writer_; }
  // Gives the writer away (for Store::deliver_async); this object is spent.
  std::unique_ptr<storage::BodyWriter> release() { return std::move(writer_); }
  // Bytes written so far.
  uint64_t size() const { return writer_ ? writer_->size() : 0; }

 private:
  std::unique_ptr<storage::BodyWriter> writer_;
  proto::mime::Parser parser_;
  bool finished_ = false;
};

}  // namespace loft::server
