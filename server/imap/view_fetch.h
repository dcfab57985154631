// FETCH items the selected mailbox's view answers by itself (RFC 3501
// §6.4.5 FLAGS and UID): the loop's SharedIndex holds every message's UID,
// flags and keywords, so `FETCH 1:* (FLAGS)`, the first command of a client
// resynchronizing a mailbox, reads nothing from the store and builds its
// responses on the loop thread, without handing each step to a worker.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "protocol/imap/command.h"
#include "server/imap/mailbox_view.h"

namespace loft::server::imap {

// True if items are FLAGS, optionally with UID before it (the order the
// view's FETCH FLAGS response writes them, so the reply follows the
// request), i.e. the view can answer without the store.
bool view_answers(const std::vector<proto::imap::FetchAtt>& items);

// Appends "* seq FETCH ([UID n ]FLAGS (...))" for targets[*next..] until
// out holds max_bytes or the targets end; advances *next. A message the
// store has expunged meanwhile is skipped, as the store-reading FETCH does.
// with_uid: UID was asked for, or this is UID FETCH (§6.4.8).
void append_view_fetch(const MailboxView& view, std::span<const MailboxView::SeqUid> targets, bool with_uid,
                       size_t* next, size_t max_bytes, std::string* out);

}  // namespace loft::server::imap
