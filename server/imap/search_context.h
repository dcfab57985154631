// RFC 5267 §4 CONTEXT=SEARCH and CONTEXT=SORT: the searching commands of a
// selected mailbox that asked for RETURN (UPDATE). Each context keeps the
// result as the client has it (UIDs, in the requested order). When the
// client is told of a change (EXISTS, FETCH FLAGS, its own STORE, EXPUNGE),
// the search (and sort) runs again on workers and the difference goes out as
// "* ESEARCH (TAG ...) REMOVEFROM (...) ADDTO (...)"; messages expunged leave
// a context with a REMOVEFROM written before their EXPUNGE (§4.3.4). Lives in
// ImapSession::Selected: deselecting ends every context (§4.3). Loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "protocol/imap/context_update.h"
#include "protocol/imap/search.h"
#include "protocol/imap/sort.h"

namespace loft::server::imap {

class ImapSession;
class MailboxView;

class SearchContexts {
 public:
  // §4.3.1: at least one per client; more are refused with NOUPDATE.
  static constexpr size_t kMaxContexts = 8;

  // What a context re-runs: the command as sent, "$" already expanded.
  struct Spec {
    std::string tag;
    bool uid = false;  // UID SEARCH / UID SORT: UIDs on the wire, else sequence numbers
    proto::imap::CmdSearch search;
    std::optional<std::vector<proto::imap::SortCriterion>> sort;  // a SORT context
  };

  SearchContexts(ImapSession& session, MailboxView& view);
  ~SearchContexts();
  SearchContexts(const SearchContexts&) = delete;
  SearchContexts& operator=(const SearchContexts&) = delete;

  bool has(std::string_view tag) const;
  bool full() const { return contexts_.size() >= kMaxContexts; }
  // Starts updating spec's context from uids, the result its command
  // reported (in that command's order). It is evaluated again at once: the
  // mailbox may have changed since the command's snapshot.
  void add(Spec spec, std::vector<uint32_t> uids);
  // §4.3.5 CANCELUPDATE of one tag; false if no context has it.
  bool cancel(std::string_view tag);

  // uids (ascending) are about to be reported expunged: the REMOVEFROM items
  // for them go to out, or are sent at once when out is null (§4.3.4).
  void before_expunge(std::span<const uint32_t> uids, std::string* out);
  // The client was told of a change: every context is evaluated again.
  void told();
  // Appends the updates of evaluations finished since the last call.
  void render(std::string* out);

 private:
  struct Context;
  void evaluate(Context& c);
  void evaluated(uint64_t id, Result<std::vector<uint32_t>> uids);
  // True while the client still numbers a message of c the store expunged:
  // its REMOVEFROM comes with the EXPUNGE, so the diff waits for it.
  bool awaits_expunge(const Context& c) const;
  // "* ESEARCH (TAG ...) [UID] REMOVEFROM (...) ADDTO (...)" for diff, its
  // UIDs numbered as the client numbers them now.
  void write(const Context& c, const proto::imap::ContextDiff& diff, std::string* out) const;

  ImapSession& session_;
  MailboxView& view_;
  std::vector<std::unique_ptr<Context>> contexts_;
  uint64_t next_id_ = 1;
  // Jobs hold a weak reference: an evaluation finishing after the mailbox
  // was deselected finds nothing.
  std::shared_ptr<SearchContexts*> self_;
};

// RFC 5267 §4.3 and §4.3.1 for a SEARCH or SORT of the selected mailbox
// with RETURN (UPDATE): false when the command was answered BAD (§4.3: its
// tag names a live context). Else *spec is the context to keep ("$" expanded
// as it is now), or stays empty when "* NO [NOUPDATE tag]" was sent (the
// other options still apply).
bool prepare_context(ImapSession& session, const std::string& tag, bool uid, const proto::imap::CmdSearch& search,
                     std::optional<std::vector<proto::imap::SortCriterion>> sort,
                     std::optional<SearchContexts::Spec>* spec);

}  // namespace loft::server::imap
