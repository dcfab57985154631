// CATENATE URL resolution (catenate_url.h).
#include "server/imap/catenate_url.h"

#include <algorithm>
#include <optional>

#include "base/bytes.h"
#include "protocol/imap/fetch_section.h"
#include "protocol/imap/imap_url.h"
#include "protocol/imap/mailbox_name.h"
#include "server/imap/fetch_response.h"
#include "server/imap/structure_loader.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

Error bad_url(std::string reason) { return Error{Errc::bad_input, std::move(reason)}; }

}  // namespace

Result<UrlBytes> resolve_url(storage::Store& store, const UrlScope& scope, std::string_view text) {
  auto url = pi::parse_message_url(text);
  if (!url) return url.error();
  if (url->has_server) {
    // RFC 4469 §3 defines URLs of the current server and session only; an
    // absolute URL is taken when it names exactly those. Without a user it
    // could only name a globally named mailbox (RFC 5092 §3.1): Loft has none.
    if (!iequals(url->host, scope.host) || url->user.empty() || !iequals(url->user, scope.user))
      return bad_url("The URL names another server or user");
  }
  // RFC 5092 §8: the name is UTF-8, whatever the session's wire form.
  auto name = pi::decode_mailbox_name(url->mailbox, pi::NameForm::utf8);
  if (!name) return bad_url("Invalid mailbox name in the URL");
  auto box = store.find_mailbox(scope.account, *name);
  if (!box) return box.error().code == Errc::not_found ? bad_url("No such mailbox") : box.error();
  // RFC 5092 §6: a UIDVALIDITY that changed makes the URL stale.
  if (url->uidvalidity && *url->uidvalidity != box->uidvalidity) return bad_url("UIDVALIDITY has changed");
  const uint32_t uid = url->uid;
  auto found = store.messages(box->id, {&uid, 1});
  if (!found) return found.error();
  if (found->empty() || found->front().uid != uid) return bad_url("No such message");
  const storage::MessageMeta& m = found->front();
  std::optional<proto::mime::Structure> structure;
  if (!url->section.part.empty()) {
    auto loaded = load_structure(store, m);
    if (!loaded) return loaded.error();
    structure = std::move(*loaded);
  }
  // RFC 5092 §6: the object UID FETCH uid BODY.PEEK[section] returns.
  auto range = pi::locate_section(url->section, m.size, m.header_size, structure ? &*structure : nullptr);
  if (!range) return bad_url("No such body part");
  UrlBytes out;
  out.blob = m.blob;
  out.begin = range->begin;
  out.end = range->end;
  using Text = pi::FetchAtt::Text;
  if (url->section.text == Text::header_fields || url->section.text == Text::header_fields_not) {
    auto header = storage::read_body_exact(store, m.blob, out.begin, out.size());
    if (!header) return header.error();
    out.made = true;
    out.bytes = filter_header_fields(*header, url->section.header_fields, url->section.text == Text::header_fields_not);
    out.begin = 0;
    out.end = out.bytes.size();
  }
  if (url->partial_offset) {
    // RFC 5092 §6, RFC 5550 URL-PARTIAL: as BODY[section]<offset.length>. A
    // range starting at or past the end names no byte: a bad URL here.
    if (*url->partial_offset >= out.size()) return bad_url("PARTIAL starts past the end of the data");
    out.begin += *url->partial_offset;
    if (url->partial_length) out.end = std::min<uint64_t>(out.end, out.begin + *url->partial_length);
  }
  return out;
}

}  // namespace loft::server::imap
