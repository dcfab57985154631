// Builds one message's FETCH response (RFC 3501 §7.4.2) as a list of
// segments: literal text, or a byte range of the stored body that the
// FETCH job streams from the store in pieces, never holding it whole.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/imap/command.h"
#include "protocol/mime/structure.h"
#include "storage/store.h"

namespace loft::server::imap {

class DecodedSlice;  // fetch_binary.h

struct Segment {
  std::string text;           // sent as is (when blob is 0 and decoded is null)
  storage::BlobId blob = 0;   // otherwise: bytes [offset, offset + length) of this body
  uint64_t offset = 0;
  uint64_t length = 0;
  std::shared_ptr<DecodedSlice> decoded;  // or: these decoded bytes (BINARY, RFC 3516)
};

// What the items need besides the metadata.
struct FetchNeeds {
  bool body = false;          // any body bytes or sizes of sections
  bool sets_seen = false;     // a non-PEEK body item (RFC 3501 §6.4.5)
  bool flags = false;         // FLAGS was asked for
  bool structure = false;     // ENVELOPE, BODY, BODYSTRUCTURE or a part section
  bool email_id = false;      // EMAILID (RFC 8474 §5.1): the caller derives it
};

// Checks that every item is one this version serves. Errc::bad_input names
// the first item that is not (answered NO [CANNOT]).
Result<FetchNeeds> check_fetch_items(const std::vector<proto::imap::FetchAtt>& items);

// Reads bytes [offset, offset + length) of a body (a header, for HEADER.FIELDS).
using HeaderReader = std::function<Result<std::string>(const storage::MessageMeta&, uint64_t, uint64_t)>;

// The segments of "* seq FETCH (...)\r\n" for one message. uid_fetch adds UID
// (§6.4.8); add_flags adds FLAGS when \Seen was just set. structure is the
// message's MIME structure, needed (non-null) when FetchNeeds::structure.
// recent: the message is \Recent for this session (its FLAGS say so).
// store: where BINARY items (fetch_binary.h) read and measure the section; needed
// (non-null) when an item is BINARY or BINARY.SIZE.
// email_id: the message's EMAILID (protocol/imap/object_id.h) when
// FetchNeeds::email_id.
Result<std::deque<Segment>> build_fetch_response(uint32_t seq, const storage::MessageMeta& meta,
                                                 const std::vector<proto::imap::FetchAtt>& items, bool uid_fetch,
                                                 bool add_flags, const HeaderReader& read_header,
                                                 const proto::mime::Structure* structure = nullptr,
                                                 bool recent = false, storage::Store* store = nullptr,
                                                 std::string_view email_id = {});

// The header fields of header whose names are (or, with exclude, are not) in
// names, each with its folded lines, then the blank line (§6.4.5 HEADER.FIELDS).
std::string filter_header_fields(std::string_view header, const std::vector<std::string>& names, bool exclude);

}  // namespace loft::server::imap
