// RFC 5092 IMAP URLs that name one message or a part of one, as RFC 4469
// CATENATE takes them (§3: "URL" parts), with RFC 5550's ;PARTIAL= range
// (URL-PARTIAL). Pure syntax: whether the server, user, mailbox and message
// exist is the caller's question.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "protocol/imap/command.h"

namespace loft::proto::imap {

// imessagepart = imailbox-ref iuid [isection] [ipartial] (RFC 5092 §11),
// from an absolute-path reference "/..." or an absolute URL "imap://...".
struct MessageUrl {
  // imap://iserver/... (or the network-path //iserver/...): the server and
  // user it names. An absolute-path reference names none (RFC 4469 §3: the
  // current server and user are its base).
  bool has_server = false;
  std::string user;  // enc-user, percent-decoded; empty when absent
  std::string host;  // as written
  std::optional<uint32_t> port;
  std::string mailbox;  // enc-mailbox percent-decoded: UTF-8 (RFC 5092 §8), not yet checked
  std::optional<uint32_t> uidvalidity;
  uint32_t uid = 0;
  // ;SECTION= as a BODY[section] item (kind section, text all when absent):
  // RFC 5092 §6, the object "UID FETCH uid BODY.PEEK[section]" returns.
  FetchAtt section;
  // ;PARTIAL=offset[.length] (RFC 5092 §6, RFC 5550 URL-PARTIAL): bytes of
  // the section from offset, length of them or (absent) to its end.
  std::optional<uint32_t> partial_offset;
  std::optional<uint32_t> partial_length;
};

// url parsed, or Errc::bad_input with the reason. Refused: relative-path
// references (RFC 5092 §7.2 MUST NOT accept them), other schemes, URLs that
// name a server, a mailbox or a search instead of a message, URLAUTH
// components (";EXPIRE=", ";URLAUTH=": Loft has no URLAUTH, RFC 4467), bad
// percent-encoding, numbers out of range, a section FETCH would refuse.
Result<MessageUrl> parse_message_url(std::string_view url);

// url as the url-resp-text of [BADURL url] (RFC 4469 §5 with erratum 2002:
// any TEXT-CHAR but "]"): other bytes are percent-encoded. Never empty for a
// non-empty url.
std::string badurl_text(std::string_view url);
// "tag NO [BADURL url] reason" (RFC 4469 §4.1), url the first one that
// failed; an empty url cannot be echoed (url-resp-text has at least one
// character), so it is answered "tag NO reason".
void append_badurl_response(std::string* out, std::string_view tag, std::string_view url, std::string_view reason);

}  // namespace loft::proto::imap
