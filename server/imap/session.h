// One IMAP4rev1 session (RFC 3501): the connection state machine, command
// dispatch, the selected mailbox's view (server/imap/mailbox_view.h) and IDLE.
// Commands are handled one at a time in the order received; while one waits
// for a worker, later pipelined input stays buffered. One file per command
// (cmd_<name>.cc) implements the handle() overloads declared here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/imap/command.h"
#include "protocol/imap/command_table.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/parser.h"
#include "protocol/imap/response.h"
#include "server/imap/mailbox_view.h"
#include "server/imap/search_context.h"
#include "server/input_queue.h"
#include "server/session.h"
#include "storage/store.h"

namespace loft::server {

class Connection;

namespace imap {

class FetchJob;
class AppendUpload;
class Notifier;
struct CatenateCopy;

class ImapSession final : public Session {
 public:
  explicit ImapSession(Connection& conn);
  ~ImapSession() override;

  void on_open() override;
  void on_data(std::string_view bytes) override;
  void on_drain() override;
  void on_idle_timeout() override;
  void on_shutdown() override;
  void on_login_timeout() override;
  bool busy() const override { return busy_; }
  bool mid_input() const override { return parser_.mid_command(); }
  bool authenticated() const override { return state_ != proto::imap::kNotAuthenticated; }

  // --- used by the command handlers ---
  Connection& conn() { return conn_; }
  storage::Store& store();
  // Appends bytes to the output (flushed before the loop sleeps).
  void send(std::string_view bytes);
  // Appends one typed response (protocol/imap/response.h) to the output.
  template <class Response>
  void reply(const Response& r) {
    std::string out;
    r.serialize(&out);
    send(out);
  }
  // "tag OK|NO|BAD [CODE] text" (RFC 3501 §7.1). Before the tagged reply of the
  // running command, the mailbox updates it allows are sent (§5.5, §7).
  void tagged(const std::string& tag, proto::imap::Status status, std::string_view text);
  void tagged(const std::string& tag, proto::imap::Status status, proto::imap::ResponseCode code,
              std::string_view text);
  // Older form: status "OK"/"NO"/"BAD"; text may start with a "[CODE] ". Prefer the typed ones.
  void tagged(const std::string& tag, std::string_view status, std::string_view text);
  // "* BYE text" (RFC 3501 §7.1.5); the caller closes the connection.
  void bye(std::string_view text);
  // Maps a storage error once: "tag NO [CODE] message" (RFC 5530).
  void tagged_error(const std::string& tag, const Error& error);
  // Ends the command in progress and goes on with buffered input.
  void finish();
  // The CAPABILITY list for the current state and connection (RFC 3501 §7.2.1).
  std::string capabilities() const;
  // True when credentials may be sent (TLS, or the listener allows plaintext).
  bool auth_allowed() const;
  // Checks the password on a worker, then logs in (or answers NO).
  void authenticate(const std::string& tag, std::string user, std::string password);

  // The selected mailbox (state kSelected). view maps sequence numbers to
  // UIDs, holds flags and modseqs, and queues what the client was not told.
  struct Selected {
    storage::MailboxInfo info;
    bool read_only = false;
    std::unique_ptr<MailboxView> view;
    // RFC 7162 §3.2.5: until SELECT answers it. Behind a pointer: 136 bytes
    // that every selected session (2,000 IDLE ones) would otherwise carry.
    std::unique_ptr<proto::imap::QresyncParams> qresync;
    std::vector<uint32_t> search_result;  // RFC 5182 "$": saved UIDs, ascending (server/imap/search_res.h)
    uint32_t list_attrs = 0;  // RFC 9051 §6.3.2: SELECT's LIST attributes (ListAttr bits), IMAP4rev2
    // RFC 5267 RETURN (UPDATE) contexts; made on first use. After view: gone first.
    std::unique_ptr<SearchContexts> contexts;
  };
  Selected* selected() { return selected_ && selected_->view ? selected_.get() : nullptr; }
  MailboxView* view() { return selected() ? selected_->view.get() : nullptr; }
  // Leaves the selected state (RFC 3501 §6.3.1, §6.4.2 CLOSE, UNSELECT).
  void deselect();
  // The selected mailbox's RFC 5267 contexts (made on first use); selected only.
  SearchContexts& contexts();
  // A context evaluation finished: its updates go out now if no command is
  // running (or IDLE is), else before the next tagged reply.
  void context_updates_ready();
  // RFC 5465 NOTIFY: sends what the notifier holds (and the selected
  // mailbox's updates NOTIFY asks for) now if no command runs, else they
  // wait for the next tagged reply. Called by the Notifier and after commands.
  void notify_ready();
  // Call after a mutation, before the tagged reply: the changes the store has
  // published reach the view, and the untagged updates the running command
  // allows (RFC 3501 §5.5: no EXPUNGE during FETCH, STORE, SEARCH, or while a
  // pipelined command waits) are sent. Then runs next (synchronously).
  void sync_mailbox(std::function<void()> next);

 private:
  void process();
  // Closes the connection with BYE when more than kMaxPipelinedCommands
  // complete commands wait behind the running one (protocol/imap/pipeline.h).
  void check_pipeline();
  // Parses and runs at most one command from *view; false to stop for now.
  bool step(std::string_view* view);
  void dispatch(proto::imap::Command& cmd);
  void handle(const std::string& tag, const proto::imap::CmdCapability& c);
  void handle(const std::string& tag, const proto::imap::CmdNoop& c);
  void handle(const std::string& tag, const proto::imap::CmdLogout& c);
  void handle(const std::string& tag, const proto::imap::CmdStartTls& c);
  void handle(const std::string& tag, const proto::imap::CmdLogin& c);
  void handle(const std::string& tag, const proto::imap::CmdAuthenticate& c);
  void handle(const std::string& tag, const proto::imap::CmdSelect& c);
  void handle(const std::string& tag, const proto::imap::CmdFetch& c);
  void handle(const std::string& tag, const proto::imap::CmdCompress& c);
  void handle(const std::string& tag, const proto::imap::CmdSearch& c);
  void handle(const std::string& tag, const proto::imap::CmdAppend& c);
  void handle(const std::string& tag, const proto::imap::CmdStore& c);
  void handle(const std::string& tag, const proto::imap::CmdCopy& c);
  void handle(const std::string& tag, const proto::imap::CmdExpunge& c);
  void handle(const std::string& tag, const proto::imap::CmdClose& c);
  void handle(const std::string& tag, const proto::imap::CmdUnselect& c);
  void handle(const std::string& tag, const proto::imap::CmdCheck& c);
  void handle(const std::string& tag, const proto::imap::CmdCancelUpdate& c);  // cmd_cancelupdate.cc
  // APPEND's streamed message (parser events message_start/_data/_end; cmd_append.cc).
  void on_message_start(proto::imap::Command& cmd);
  void on_message_data(std::string_view bytes);
  void on_message_end();
  // A further message of an RFC 3502 MULTIAPPEND (cmd_append.cc).
  void on_next_message(const proto::imap::CmdAppend& c);
  // RFC 4469 CATENATE parts of the message arriving (cmd_catenate.cc): a TEXT
  // literal announced (its bytes come as message data), a URL resolved and
  // copied on workers; catenate_step runs after each worker step of a URL.
  void on_catenate_text(uint64_t size, bool sync);
  void on_catenate_url(std::string_view url);
  void catenate_step(std::shared_ptr<CatenateCopy> job);
  // RFC 8508 REPLACE (cmd_replace.cc): finds the message to replace in the
  // selected mailbox (kept in append_), or the refusal line to answer with.
  std::optional<std::string> resolve_replace(const std::string& tag, const proto::imap::CmdAppend& c);
  // The replies after a durable REPLACE: APPENDUID, EXPUNGE, tagged OK.
  void replace_done(const std::string& tag, const storage::DeliveredCopy& copy, uint32_t old_uid, bool into_selected);
  // Drops an APPEND cut short (a BAD after its literal): a worker removes
  // what was written.
  void abort_append();
  // Expunges the \Deleted messages (of uids when given) and reports each one
  // removed unless silent (CLOSE); next gets the outcome (cmd_expunge.cc).
  void expunge_deleted(std::optional<proto::imap::SeqSet> uids, bool silent, std::function<void(Result<void>)> next);
  void handle(const std::string& tag, const proto::imap::CmdCreate& c);
  void handle(const std::string& tag, const proto::imap::CmdDelete& c);
  void handle(const std::string& tag, const proto::imap::CmdRename& c);
  void handle(const std::string& tag, const proto::imap::CmdSubscribe& c);
  void handle(const std::string& tag, const proto::imap::CmdList& c);
  void handle(const std::string& tag, const proto::imap::CmdStatus& c);
  void handle(const std::string& tag, const proto::imap::CmdNamespace& c);
  void handle(const std::string& tag, const proto::imap::CmdId& c);
  void handle(const std::string& tag, const proto::imap::CmdEnable& c);
  void handle(const std::string& tag, const proto::imap::CmdIdle& c);
  void handle(const std::string& tag, const proto::imap::CmdSort& c);    // cmd_sort.cc
  void handle(const std::string& tag, const proto::imap::CmdThread& c);  // cmd_thread.cc
  // RFC 9208 QUOTA (cmd_quota.cc).
  void handle(const std::string& tag, const proto::imap::CmdGetQuota& c);
  void handle(const std::string& tag, const proto::imap::CmdGetQuotaRoot& c);
  void handle(const std::string& tag, const proto::imap::CmdSetQuota& c);
  // RFC 5464 METADATA (cmd_metadata.cc).
  void handle(const std::string& tag, const proto::imap::CmdGetMetadata& c);
  void handle(const std::string& tag, const proto::imap::CmdSetMetadata& c);
  void handle(const std::string& tag, const proto::imap::CmdUnauthenticate& c);  // cmd_unauthenticate.cc
  void handle(const std::string& tag, const proto::imap::CmdNotify& c);          // cmd_notify.cc
  // RFC 5465 §5.2-§5.3 (cmd_notify.cc): the selected mailbox's new and
  // expunged messages (and flags with FlagChange) pushed outside commands,
  // then MessageNew's FETCH of the new ones.
  void notify_selected();
  // Runs MessageNew's fetch attributes for UIDs above `from` (busy meanwhile).
  void notify_fetch(uint32_t from, uint32_t to);
  // The account is in the config's quota_admins (may SETQUOTA, name others' roots).
  bool quota_admin() const;
  void continue_authenticate(std::string line);
  // SELECT/EXAMINE after the mailbox was found: attach a view to the loop's
  // shared index (loading it if needed), then report.
  void load_selected(const std::string& tag, storage::MailboxInfo info, bool read_only,
                     std::optional<proto::imap::QresyncParams> qresync = std::nullopt, uint32_t list_attrs = 0);
  void selected_ready(const std::string& tag, const Error* error);
  // Sends the pending mailbox updates the running command allows.
  void flush_updates();
  // Appends the selected mailbox's pending updates: RFC 5267 REMOVEFROM for
  // messages about to be reported expunged, then the view's (EXPUNGE only if
  // allow_expunge), then context updates; a change told re-runs the contexts.
  void write_updates(bool allow_expunge, std::string* out);
  // IDLE (RFC 2177): reads the DONE line; pushes updates as they come.
  bool idle_step(std::string_view* view);
  void idle_push();

 public:
  // Moves to state; leaving kNotAuthenticated lifts the pre-login limits,
  // going back to it (UNAUTHENTICATE) restores them.
  void set_state(proto::imap::State state);
  proto::imap::State state() const { return state_; }
  // Keeps the logged-in account, without its password hash (no session needs it).
  void set_account(storage::Account account) {
    account.password_hash = std::string();
    account_ = std::move(account);
  }
  const storage::Account& account() const { return *account_; }
  // Drops plaintext input after STARTTLS (RFC 3501 §6.2.1).
  void discard_buffered_input() { discard_input_ = true; }
  void set_logged_out() { logged_out_ = true; }
  std::unique_ptr<FetchJob>& fetch_slot() { return fetch_; }
  // RFC 5161 / RFC 7162: the proto::imap::EnableBit set on. enable() adds bits (QRESYNC
  // implies CONDSTORE, §3.2.3) and sets the selected view's reporting (cmd_enable.cc).
  uint32_t enabled() const { return enabled_; }
  void enable(uint32_t bits);
  // Tells the selected view what its unsolicited updates carry for the
  // enabled extensions (CONDSTORE, QRESYNC, IMAP4rev2; cmd_enable.cc).
  void set_view_reporting();
  // How mailbox names travel in this session: UTF-8 once UTF8=ACCEPT (RFC
  // 6855 §3) or IMAP4rev2 (RFC 9051 §5.1) is enabled, else modified UTF-7.
  proto::imap::NameForm name_form() const;
  // THE IMAP4rev2 switch (RFC 9051): [imap] imap4rev2 in the config. On (the
  // default), CAPABILITY lists IMAP4rev2 and ENABLE IMAP4rev2 turns the rev2
  // behaviours on for that session (Appendix E); off, neither.
  bool imap4rev2_offered() const;
  // False when IMAP4rev2 is enabled and items hold RECENT (RFC 9051 Appendix
  // E: no such item; STATUS and LIST-STATUS answer BAD). cmd_status.cc.
  bool rev2_status_items_ok(const std::vector<proto::imap::CmdStatus::Item>& items) const;
  // False when IMAP4rev2 is enabled and program holds NEW, OLD or RECENT
  // (RFC 9051 Appendix E: no such search keys; SEARCH, SORT and THREAD
  // answer BAD). cmd_search.cc.
  bool rev2_search_keys_ok(const proto::imap::SearchKey& program) const;
  static constexpr std::string_view kRev2NoRecentKeys = "NEW, OLD and RECENT are no search keys of IMAP4rev2";

 private:
  Connection& conn_;
  proto::imap::Parser parser_;
  proto::imap::State state_ = proto::imap::kNotAuthenticated;
  InputQueue input_;             // received, not yet parsed
  bool busy_ = false;            // a command is in progress
  bool logged_out_ = false;
  bool discard_input_ = false;
  // RFC 4978 §3: COMPRESS succeeded; input already buffered after its line is
  // compressed and goes back through the connection's inflater (step, process).
  bool compress_started_ = false;
  std::string compressed_input_;
  std::optional<std::string> sasl_tag_;  // AUTHENTICATE waiting for its response line
  bool sasl_login_ = false;               // the mechanism is LOGIN (user name, then password)
  std::optional<std::string> sasl_user_;  // LOGIN: the user name, once given
  std::optional<storage::Account> account_;
  std::unique_ptr<Selected> selected_;
  std::unique_ptr<FetchJob> fetch_;  // the FETCH being streamed
  std::unique_ptr<AppendUpload> append_;  // the APPEND whose message is streaming in
  std::shared_ptr<Notifier> notifier_;    // RFC 5465 NOTIFY SET in force (notify.h)
  uint32_t enabled_ = 0;             // RFC 5161: proto::imap::EnableBit set by ENABLE
  // The running command: its tag and whether it uses sequence numbers (§5.5).
  std::string cmd_tag_;
  bool cmd_uses_msn_ = false;
  bool cmd_sends_updates_ = false;  // not after LOGOUT's BYE
  std::string_view* step_view_ = nullptr;  // unparsed input while step() dispatches
  std::optional<std::string> idle_tag_;    // IDLE running (RFC 2177)
  friend class FetchJob;
  friend class SearchJob;
};

}  // namespace imap
}  // namespace loft::server
