// FETCH BINARY[part]<partial> and BINARY.SIZE[part] (RFC 3516 §4.2, §4.3): the
// section's body bytes decoded from their Content-Transfer-Encoding while they
// stream from the store in 64 KiB pieces, so a large attachment is never held
// whole. The literal's size (and whether it holds a NUL, which makes it a
// literal8) needs the decoded bytes first: a first streaming pass measures them
// (nothing is stored at ingest), the FETCH job's second pass sends them.
// Blocking store I/O: call on a worker.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/imap/command.h"
#include "protocol/mime/structure.h"
#include "protocol/mime/transfer_decoder.h"
#include "server/imap/fetch_response.h"
#include "storage/store.h"

namespace loft::server::imap {

// Raw bytes [begin, end) of the stored message and how to decode them.
struct BinarySource {
  uint64_t begin = 0;
  uint64_t end = 0;
  proto::mime::Cte cte = proto::mime::Cte::identity;
};

// What a BINARY item att names: a leaf part's body with the part's encoding;
// the whole message (BINARY[]) and a multipart or message/rfc822 part as they
// are (RFC 2045 §6.4: a composite entity is 7bit, 8bit or binary); a part
// that does not exist is empty (as BODY[n] and Dovecot). structure may be null
// only when att.part is empty.
BinarySource binary_source(const proto::mime::Structure* structure, const storage::MessageMeta& m,
                           const proto::imap::FetchAtt& att);

// True if a BINARY or BINARY.SIZE item of items names a section whose
// encoding is unknown: the FETCH fails with NO [UNKNOWN-CTE] (RFC 3516 §4.3).
bool has_unknown_cte(const proto::mime::Structure* structure, const storage::MessageMeta& m,
                     const std::vector<proto::imap::FetchAtt>& items);

// Decoded bytes [skip, skip + take) of a source, produced piece by piece: the
// bytes of a BINARY literal in a FETCH response (Segment::decoded).
class DecodedSlice {
 public:
  DecodedSlice(storage::Store& store, storage::BlobId blob, BinarySource src, uint64_t skip, uint64_t take);
  // Appends the slice's bytes decoded from the next raw piece (up to 64 KiB
  // raw, so at most 128 KiB decoded) to *out; NULs are kept (a literal8).
  Result<void> produce(std::string* out);
  bool done() const { return take_ == 0; }

 private:
  storage::Store& store_;
  storage::BlobId blob_;
  uint64_t pos_;     // next raw offset
  uint64_t end_;     // raw end
  uint64_t skip_;    // decoded bytes still to drop
  uint64_t take_;    // decoded bytes still to send
  proto::mime::TransferDecoder decoder_;
  bool finished_ = false;
};

// Appends BINARY or BINARY.SIZE of att for message m to the response being
// built: *text holds the response text so far; a BINARY literal's bytes go to
// *segs as a DecodedSlice after the text. Precondition: the section's encoding
// is known (has_unknown_cte was false).
Result<void> append_binary_item(std::deque<Segment>* segs, std::string* text, storage::Store& store,
                                const storage::MessageMeta& m, const proto::mime::Structure* structure,
                                const proto::imap::FetchAtt& att);

}  // namespace loft::server::imap
