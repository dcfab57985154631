#include "server/ingest.h"

#include "protocol/mime/codec.h"

namespace loft::server {

IngestBody::IngestBody(std::unique_ptr<storage::BodyWriter> writer) : writer_(std::move(writer)) {}

Result<void> IngestBody::write(std::string_view bytes) {
  // Parsed whether or not the write succeeds: a failed body is dropped anyway.
  parser_.feed(bytes);
  return writer_->write(bytes);
}

void IngestBody::finish() {
  if (finished_ || !writer_) return;
  finished_ = true;
  std::string encoded;
  proto::mime::Structure structure = parser_.finish();  // before sort_header(): it ends the last field
  proto::mime::encode_structure(structure, &encoded, parser_.sort_header());
  writer_->set_structure(std::move(encoded));
}

}  // namespace loft::server
