// Typed commands of the authenticated state that work on mailbox names
// (RFC 3501 §6.3.3-§6.3.10) and the small extensions around them: RFC 6154
// CREATE-SPECIAL-USE, RFC 5258 LIST-EXTENDED, XLIST, RFC 2342 NAMESPACE,
// RFC 2971 ID, RFC 5161 ENABLE. Mailbox names and patterns are kept as sent
// (modified UTF-7); the server decodes them (mailbox_name.h) so that a bad
// name is answered NO [CANNOT] with the reason, not a syntax BAD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace loft::proto::imap {

// RFC 6154 special-use attributes as bits: the same values as
// storage::SpecialUse (server/imap/mailbox_list_io.cc checks it).
enum SpecialUseBit : uint32_t {
  kSpecialAll = 1u << 0,
  kSpecialArchive = 1u << 1,
  kSpecialDrafts = 1u << 2,
  kSpecialFlagged = 1u << 3,
  kSpecialJunk = 1u << 4,
  kSpecialSent = 1u << 5,
  kSpecialTrash = 1u << 6,
};

// RFC 3501 §6.3.3; `use` is RFC 6154 §3 CREATE ... (USE (...)): the
// attributes as sent ("\Drafts"), checked by the server (NO [USEATTR]).
struct CmdCreate {
  std::string mailbox;
  std::vector<std::string> use;
};
// RFC 3501 §6.3.4
struct CmdDelete {
  std::string mailbox;
};
// RFC 3501 §6.3.5
struct CmdRename {
  std::string from;
  std::string to;
};
// RFC 3501 §6.3.6 SUBSCRIBE and §6.3.7 UNSUBSCRIBE (subscribe = false).
struct CmdSubscribe {
  std::string mailbox;
  bool subscribe = true;
};

// RFC 3501 §6.3.10 STATUS; HIGHESTMODSEQ is RFC 7162 §3.1.6, SIZE RFC 8438
// §3, DELETED and DELETED-STORAGE RFC 9208 §4.3, APPENDLIMIT RFC 7889 §3.
// (Before CmdList: LIST-STATUS, RFC 5819, carries the same items.)
struct CmdStatus {
  enum class Item { messages, recent, uidnext, uidvalidity, unseen, highestmodseq,
                    size, deleted, deleted_storage, appendlimit,
                    mailboxid };  // RFC 8474 §4.2
  std::string mailbox;
  std::vector<Item> items;  // in the order asked, at least one
};

// RFC 3501 §6.3.8 LIST, §6.3.9 LSUB, Gmail's XLIST, and the extended LIST
// of RFC 5258 (selection and return options, several patterns).
struct CmdList {
  enum class Kind { list, lsub, xlist };
  Kind kind = Kind::list;
  bool extended = false;  // RFC 5258 §3: options or a pattern list were given
  std::string reference;
  std::vector<std::string> patterns;  // at least one
  // Selection options (RFC 5258 §3.1, RFC 6154 §3).
  bool select_subscribed = false;
  bool select_recursive = false;  // RECURSIVEMATCH
  bool select_special_use = false;
  // REMOTE is accepted and means nothing here (no remote mailboxes).
  // Return options (RFC 5258 §3.2, RFC 6154 §3).
  bool return_subscribed = false;
  bool return_children = false;
  bool return_special_use = false;
  // RFC 5819 §2: RETURN (STATUS (items)); a STATUS response follows each
  // selectable mailbox listed.
  bool return_status = false;
  std::vector<CmdStatus::Item> status_items;
};

// RFC 2342 NAMESPACE
struct CmdNamespace {};

// RFC 2971 ID: the client's field/value pairs (value nullopt for NIL); empty
// for "ID NIL".
struct CmdId {
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;
};

// RFC 5161 ENABLE: capability names as sent, upper-cased.
struct CmdEnable {
  std::vector<std::string> capabilities;
};

}  // namespace loft::proto::imap
