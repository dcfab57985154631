// RFC 4469 CATENATE's URL parts: what an RFC 5092 URL names in the logged-in
// account, found through the same section rules as FETCH BODY[section]
// (protocol/imap/fetch_section.h) and the message's stored MIME structure.
// A URL can only ever name a message of the session's own account: the
// mailbox is looked up under that account's id, never another's. Blocking
// store I/O: call on a worker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/store.h"

namespace loft::server::imap {

// Who asks: the account whose mailboxes a URL may name, and for an absolute
// "imap://user@host/..." URL the user and host it must name.
struct UrlScope {
  storage::AccountId account = 0;
  std::string user;  // the logged-in account's name
  std::string host;  // this server's name (config hostname)
};

// The bytes a URL names, copied in order into the message being built.
struct UrlBytes {
  storage::BlobId blob = 0;  // a range [begin, end) of this stored body ...
  uint64_t begin = 0;
  uint64_t end = 0;
  bool made = false;         // ... or of `bytes` (HEADER.FIELDS: a filtered header)
  std::string bytes;
  uint64_t size() const { return end - begin; }
};

// What url names, or an error. Errc::bad_input: the URL names no message
// part of the scope (bad syntax, another server or user, no such mailbox,
// UIDVALIDITY changed, no such UID or part, a PARTIAL starting past the
// end, URLAUTH): answered NO [BADURL url] (RFC 4469 §4.1). Other codes are
// store failures.
Result<UrlBytes> resolve_url(storage::Store& store, const UrlScope& scope, std::string_view url);

}  // namespace loft::server::imap
