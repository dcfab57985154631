// Typed IMAP commands (RFC 3501 §6 plus the extensions Loft advertises).
// The parser produces these; the server dispatches on Command::body with
// std::visit, so a command without a handler is a compile error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/imap/condstore.h"
#include "protocol/imap/search.h"
#include "protocol/imap/message_commands.h"
#include "protocol/imap/mailbox_commands.h"
#include "protocol/imap/metadata.h"
#include "protocol/imap/quota.h"
#include "protocol/imap/seqset.h"
#include "protocol/imap/sort.h"

namespace loft::proto::imap {

// RFC 3501 §6.1.1
struct CmdCapability {};
// RFC 3501 §6.1.2
struct CmdNoop {};
// RFC 3501 §6.1.3
struct CmdLogout {};
// RFC 3501 §6.2.1
struct CmdStartTls {};
// RFC 3501 §6.2.2. initial_response is RFC 4959 SASL-IR, still base64 ("=" for empty).
struct CmdAuthenticate {
  std::string mechanism;  // upper-cased
  std::optional<std::string> initial_response;
};
// RFC 3501 §6.2.3
struct CmdLogin {
  std::string user;
  std::string password;
};
// RFC 3501 §6.3.1 (SELECT) and §6.3.2 (EXAMINE: read_only = true).
// mailbox is the astring as sent (modified UTF-7), not decoded.
struct CmdSelect {
  std::string mailbox;
  bool read_only = false;
  bool condstore = false;                 // RFC 7162 §3.1.8 (CONDSTORE)
  std::optional<QresyncParams> qresync;   // RFC 7162 §3.2.5 (QRESYNC ...)
};

// One FETCH data item (RFC 3501 §6.4.5). Macros ALL/FAST/FULL are expanded by
// the parser into their items.
struct FetchAtt {
  enum class Kind {
    flags,
    uid,
    internaldate,
    rfc822_size,
    envelope,
    body_structure,  // BODYSTRUCTURE
    body,            // BODY (non-extensible structure)
    rfc822,          // RFC822: like BODY[] in the reply name "RFC822"
    rfc822_header,   // RFC822.HEADER: like BODY.PEEK[HEADER]
    rfc822_text,     // RFC822.TEXT: like BODY[TEXT]
    section,         // BODY[...] or BODY.PEEK[...]
    modseq,          // MODSEQ (RFC 7162 §3.1.4)
    binary,          // BINARY[part]<partial> / BINARY.PEEK (RFC 3516 §4.2): peek, part, partial
    binary_size,     // BINARY.SIZE[part] (RFC 3516 §4.2): part
    emailid,         // EMAILID (RFC 8474 §5.1)
    threadid,        // THREADID (RFC 8474 §5.2)
    savedate,        // SAVEDATE (RFC 8514 §4)
    preview,         // PREVIEW [(LAZY)] (RFC 8970 §3); lazy below
  };
  // The part after the optional part number inside the brackets.
  enum class Text { all, header, header_fields, header_fields_not, text, mime };

  Kind kind = Kind::flags;
  // For Kind::section:
  bool peek = false;                     // BODY.PEEK: does not set \Seen
  std::vector<uint32_t> part;            // "1.2.3" -> {1,2,3}; empty for the whole message
  Text text = Text::all;
  std::vector<std::string> header_fields;  // for header_fields / header_fields_not, as sent
  std::optional<uint64_t> partial_offset;  // <offset.length>
  uint64_t partial_length = 0;
  bool lazy = false;  // PREVIEW (LAZY): RFC 8970 §3.2
};

// RFC 4978 §3: COMPRESS SP algorithm. The server answers BAD for anything
// but DEFLATE, so the parser keeps the name as sent (upper-cased).
struct CmdCompress {
  std::string mechanism;
};

// RFC 3501 §6.4.5 and §6.4.8 (UID FETCH: uid = true, and UID is implied in replies).
struct CmdFetch {
  SeqSet set;
  bool uid = false;
  std::vector<FetchAtt> items;
  std::optional<uint64_t> changed_since;  // RFC 7162 §3.1.4 (CHANGEDSINCE n)
  bool vanished = false;                  // RFC 7162 §3.2.6 (VANISHED), UID FETCH only
};

// RFC 5465 §5: the events of NOTIFY (bits of NotifyGroup::events).
enum NotifyEvent : uint32_t {
  kNotifyMessageNew = 1,
  kNotifyMessageExpunge = 2,
  kNotifyFlagChange = 4,
  kNotifyAnnotationChange = 8,  // RFC 5257 ANNOTATE: not offered (BADEVENT)
  kNotifyMailboxName = 16,
  kNotifySubscriptionChange = 32,
  kNotifyMailboxMetadataChange = 64,
  kNotifyServerMetadataChange = 128,
};

// RFC 5465 §3, §6: one event group, "(" filter-mailboxes SP events ")".
struct NotifyGroup {
  enum class Filter { selected, selected_delayed, inboxes, personal, subscribed, subtree, mailboxes };
  Filter filter = Filter::selected;
  std::vector<std::string> mailboxes;  // subtree / mailboxes: the names as sent (not decoded)
  uint32_t events = 0;                 // NotifyEvent bits; 0 for NONE
  std::vector<FetchAtt> fetch;         // MessageNew's fetch attributes (§5.2)
  std::vector<std::string> unknown;    // event-ext atoms (§8) Loft does not know
};

// RFC 5465 §3: NOTIFY NONE (set = false) or NOTIFY SET [STATUS] groups.
struct CmdNotify {
  bool set = false;
  bool status = false;
  std::vector<NotifyGroup> groups;
};

// RFC 2177 IDLE: the server pushes mailbox updates until the client sends DONE.
struct CmdIdle {};

// RFC 8437 §3 UNAUTHENTICATE: back to the not-authenticated state.
struct CmdUnauthenticate {};

using CommandBody = std::variant<CmdCapability, CmdNoop, CmdLogout, CmdStartTls, CmdAuthenticate, CmdLogin,
                                 CmdSelect, CmdFetch, CmdCompress,
                                 CmdSearch, CmdAppend, CmdStore, CmdCopy, CmdExpunge, CmdClose, CmdUnselect, CmdCheck,
                                 CmdCancelUpdate,
                                 CmdCreate, CmdDelete, CmdRename, CmdSubscribe, CmdList, CmdStatus, CmdNamespace,
                                 CmdId, CmdEnable, CmdIdle,
                                 CmdSort, CmdThread,
                                 CmdGetQuota, CmdGetQuotaRoot, CmdSetQuota,
                                 CmdGetMetadata, CmdSetMetadata,
                                 CmdUnauthenticate, CmdNotify>;

struct Command {
  std::string tag;
  CommandBody body;
};

}  // namespace loft::proto::imap
