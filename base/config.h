// The TOML configuration shared by loftd and loftctl (conf/loft.toml documents
// every key in place). Loading validates everything up front: unknown keys,
// bad addresses and out-of-range limits are errors, never silent defaults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/result.h"

namespace loft {

enum class ListenerProtocol { imap, pop3, lmtp, admin };
enum class TlsMode { none, starttls, implicit };

const char* protocol_name(ListenerProtocol p);
const char* tls_mode_name(TlsMode m);

struct ListenerConfig {
  ListenerProtocol protocol = ListenerProtocol::imap;
  std::string address;          // as written: "host:port", "[v6]:port" or "unix:/path"
  TlsMode tls = TlsMode::none;
  bool allow_plaintext_auth = false;  // LOGIN/PLAIN before TLS (loopback, tests)
  // Derived from address:
  bool is_unix = false;
  std::string host;             // without brackets
  uint16_t port = 0;            // 0 = any free port (tests)
  std::string unix_path;
  // UNIX sockets only: permission bits, and owner/group names (empty: loftd's
  // own). Postfix's lmtp client must be able to connect (conf/loft.toml).
  uint32_t socket_mode = 0;     // 0: 0666 for lmtp, 0600 for admin
  std::string socket_owner;
  std::string socket_group;
};

// [lmtp]: delivery policy (protocol/lmtp/aliases.h, protocol/lmtp/trace.h).
struct LmtpConfig {
  bool trace_headers = true;            // prepend Return-Path, Delivered-To, Received as Dovecot does
  std::string detail_separators = "+";  // RFC 5233 subaddress separators; "" turns +detail off
  std::string aliases;                  // path of the aliases file; empty: no aliases
};

struct LimitsConfig {
  size_t max_line = 64 * 1024;                    // bytes of a protocol line
  uint64_t max_message_size = 50ull << 20;        // LMTP SIZE and IMAP literal bound
  size_t max_connections = 20000;                 // open client connections at once
  size_t max_recipients = 1000;                   // RCPT TO per LMTP transaction
  uint32_t idle_timeout_seconds = 1800;           // RFC 3501 §5.4: at least 30 minutes
  // Before login the whole internet may talk to us: small bounds, short time.
  size_t preauth_max_line = 8192;                 // bytes of a line before login (AUTHENTICATE tokens fit)
  uint64_t preauth_max_literal = 8192;            // bytes of one literal before login
  uint32_t login_timeout_seconds = 60;            // unauthenticated IMAP/POP3 connections are closed after this
  uint32_t stall_timeout_seconds = 60;            // output waiting, client reading nothing: closed after this
  size_t max_connections_per_address = 512;       // open connections from one remote IP address
  size_t mailbox_cache_mb = 32;                   // per loop: indexes of mailboxes no session has selected
  uint32_t max_append_messages = 1000;            // RFC 3502 MULTIAPPEND: messages in one IMAP APPEND
  uint64_t max_append_total = 256ull << 20;       // bytes of all messages of one IMAP APPEND
};

// Failed-login throttling and the password-hashing quota (server/auth_gate.h).
struct AuthConfig {
  uint32_t failure_delay_ms = 1000;      // first failure's delay; doubles per further failure
  uint32_t failure_delay_max_ms = 15000; // the delay never exceeds this
  uint32_t lockout_failures = 20;        // failures from one address before it is locked out (0: never)
  uint32_t lockout_seconds = 300;        // how long a lockout lasts
  unsigned hash_concurrency = 0;         // password checks running at once; 0 = half the cores (at least 1)
  uint32_t cache_seconds = 3600;         // a verified password is trusted again this long (0: never cached)
  uint32_t cache_entries = 10000;        // accounts remembered at most (0: never cached)
};

// [imap]: IMAP protocol switches (server/imap/session.h).
struct ImapConfig {
  bool imap4rev2 = true;  // advertise IMAP4rev2 and accept ENABLE IMAP4rev2 (RFC 9051)
};

// [metadata]: IMAP annotations (RFC 5464, server/imap/cmd_metadata.cc).
struct MetadataConfig {
  uint64_t max_value_size = 64 * 1024;  // bytes of one value ([METADATA MAXSIZE n] above it)
  uint64_t max_entries = 1000;          // annotations per account ([METADATA TOOMANY] above it)
  uint64_t max_total_size = 1 << 20;    // name + value bytes per account ([METADATA TOOMANY] above it)
  std::string admin;                    // the server's read-only /shared/admin URI; empty: none
};

// [search.attachments]: the text of PDF and office attachments for BODY and
// TEXT search, by external extractor programs (docs/search.md, "Attachments").
struct AttachmentConfig {
  bool enabled = false;
  uint64_t timeout_ms = 10000;     // per document; the extractor is then killed
  uint64_t max_size = 20 << 20;    // decoded bytes; a larger attachment is not extracted
  uint64_t max_text = 4 << 20;     // text bytes kept of one attachment
  unsigned processes = 2;          // extractors running at once
  uint64_t cache_bytes = 32 << 20; // extracted texts kept in memory, by content hash
  // media type (lower case) -> argv ("%f": the attachment's file); empty: the built-in table
  std::vector<std::pair<std::string, std::vector<std::string>>> extractors;
};

struct Config {
  std::string data_dir = "var/loft";
  LogLevel log_level = LogLevel::info;
  std::string hostname = "localhost";             // shown in greetings
  std::vector<std::string> local_domains;         // lower-case; recipient domains we accept
  std::vector<std::string> quota_admins;          // lower-case accounts allowed IMAP SETQUOTA (RFC 9208)
  std::string tls_cert;                           // empty: self-signed in data_dir/tls/
  std::string tls_key;
  bool storage_sync = true;                       // fsync before acknowledging
  bool search_index = true;                       // [search] index: full-text index (docs/search.md)
  // [search] stem_languages: Snowball languages of SEARCH FUZZY (RFC 6203); loftd checks the names.
  std::vector<std::string> stem_languages{"english"};
  AttachmentConfig attachments;                   // [search.attachments]
  unsigned worker_threads = 16;                   // blocking store/crypto work
  LimitsConfig limits;
  AuthConfig auth;
  LmtpConfig lmtp;
  ImapConfig imap;
  MetadataConfig metadata;
  std::vector<ListenerConfig> listeners;
  // --- event loops (server/loop.h) ---
  unsigned loops = 0;                             // event-loop threads; 0 = one per core
  // --- logging ([log]; log_level above is its default level) ---
  std::vector<std::pair<std::string, LogLevel>> log_levels;  // [log.levels] component = level
  size_t log_queue_lines = 16384;                 // lines waiting for the writer before drops

  // Parses TOML text; source names the file in error messages.
  static Result<Config> parse(std::string_view text, std::string_view source);
  // Reads and parses a file.
  static Result<Config> load(const std::string& path);

  // The certificate and key actually used (the self-signed pair when unset).
  std::string cert_path() const;
  std::string key_path() const;
  // The RocksDB directory.
  std::string store_path() const;
  // The first listener of a protocol, or nullptr.
  const ListenerConfig* find_listener(ListenerProtocol p) const;
};

// Splits "host:port", "[v6]:port" or "unix:/path" into l (is_unix, host, port,
// unix_path). Errc::bad_input with a message on failure.
Result<void> parse_listener_address(std::string_view address, ListenerConfig* l);

}  // namespace loft
