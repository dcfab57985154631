#include "base/config.h"

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "base/bytes.h"

namespace loft {

const char* protocol_name(ListenerProtocol p) {
  switch (p) {
    case ListenerProtocol::imap: return "imap";
    case ListenerProtocol::pop3: return "pop3";
    case ListenerProtocol::lmtp: return "lmtp";
    case ListenerProtocol::admin: return "admin";
  }
  return "?";
}

const char* tls_mode_name(TlsMode m) {
  switch (m) {
    case TlsMode::none: return "none";
    case TlsMode::starttls: return "starttls";
    case TlsMode::implicit: return "implicit";
  }
  return "?";
}

Result<void> parse_listener_address(std::string_view address, ListenerConfig* l) {
  if (address.rfind("unix:", 0) == 0) {
    l->is_unix = true;
    l->unix_path = std::string(address.substr(5));
    if (l->unix_path.empty()) return make_error(Errc::bad_input, "empty unix socket path");
    if (l->unix_path.size() > 100) return make_error(Errc::bad_input, "unix socket path longer than 100 bytes");
    return {};
  }
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return make_error(Errc::bad_input, "address needs host:port");
  std::string_view host = address.substr(0, colon), port = address.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return make_error(Errc::bad_input, "unterminated [ in address");
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return make_error(Errc::bad_input, "empty host in address");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return make_error(Errc::bad_input, "bad port in address");
  l->is_unix = false;
  l->host = std::string(host);
  l->port = static_cast<uint16_t>(value);
  return {};
}

namespace {

// Reads one table strictly: every key must be known, every value well typed.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

  template <class T>
  bool get(std::string_view key, T* out) {
    seen_.insert(std::string(key));
    const toml::node* n = t_.get(key);
    if (!n) return true;
    if constexpr (std::is_same_v<T, bool>) {
      if (auto v = n->value<bool>()) { *out = *v; return true; }
    } else if constexpr (std::is_integral_v<T>) {
      if (auto v = n->value<int64_t>(); v && *v >= 0) { *out = static_cast<T>(*v); return true; }
    } else {
      if (auto v = n->value<std::string>()) { *out = *v; return true; }
    }
    error_ = where_ + key_str(key) + ": wrong type";
    return false;
  }
  bool get_strings(std::string_view key, std::vector<std::string>* out) {
    seen_.insert(std::string(key));
    const toml::node* n = t_.get(key);
    if (!n) return true;
    const toml::array* a = n->as_array();
    if (!a) { error_ = where_ + key_str(key) + ": expected an array of strings"; return false; }
    for (const auto& e : *a) {
      auto v = e.value<std::string>();
      if (!v) { error_ = where_ + key_str(key) + ": expected an array of strings"; return false; }
      out->push_back(*v);
    }
    return true;
  }
  // Fails on any key not asked for, so typos are caught.
  bool no_unknown_keys(const std::set<std::string>& also_allowed = {}) {
    for (const auto& [k, v] : t_) {
      std::string key(k.str());
      if (!seen_.count(key) && !also_allowed.count(key)) {
        error_ = where_ + key_str(key) + ": unknown key";
        return false;
      }
    }
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  std::string key_str(std::string_view key) const { return std::string(where_.empty() ? "" : ".") + std::string(key); }
  const toml::table& t_;
  std::string where_;
  std::set<std::string> seen_;
  std::string error_;
};

Result<ListenerConfig> read_listener(const toml::table& t, size_t index) {
  TableReader r(t, "listener[" + std::to_string(index) + "]");
  ListenerConfig l;
  std::string protocol, tls = "none", mode;
  if (!r.get("protocol", &protocol) || !r.get("address", &l.address) || !r.get("tls", &tls) ||
      !r.get("allow_plaintext_auth", &l.allow_plaintext_auth) || !r.get("socket_mode", &mode) ||
      !r.get("socket_owner", &l.socket_owner) || !r.get("socket_group", &l.socket_group) || !r.no_unknown_keys())
    return make_error(Errc::bad_input, r.error());
  std::string where = "listener[" + std::to_string(index) + "]";
  if (!mode.empty()) {  // octal, as chmod takes it: "0660"
    uint32_t bits = 0;
    auto [end, ec] = std::from_chars(mode.data(), mode.data() + mode.size(), bits, 8);
    if (ec != std::errc() || end != mode.data() + mode.size() || bits == 0 || bits > 0777)
      return make_error(Errc::bad_input, where + ".socket_mode: expected octal permission bits such as \"0660\"");
    l.socket_mode = bits;
  }
  if (protocol == "imap") l.protocol = ListenerProtocol::imap;
  else if (protocol == "pop3") l.protocol = ListenerProtocol::pop3;
  else if (protocol == "lmtp") l.protocol = ListenerProtocol::lmtp;
  else if (protocol == "admin") l.protocol = ListenerProtocol::admin;
  else return make_error(Errc::bad_input, where + ".protocol: expected imap, pop3, lmtp or admin");
  if (tls == "none") l.tls = TlsMode::none;
  else if (tls == "starttls") l.tls = TlsMode::starttls;
  else if (tls == "implicit") l.tls = TlsMode::implicit;
  else return make_error(Errc::bad_input, where + ".tls: expected none, starttls or implicit");
  if (l.address.empty()) return make_error(Errc::bad_input, where + ".address is required");
  if (auto ok = parse_listener_address(l.address, &l); !ok)
    return make_error(Errc::bad_input, where + ".address: " + ok.error().message);
  if (l.protocol == ListenerProtocol::admin && !l.is_unix)
    return make_error(Errc::bad_input, where + ": the admin listener must be a unix: socket");
  if (l.is_unix && l.protocol != ListenerProtocol::admin && l.protocol != ListenerProtocol::lmtp)
    return make_error(Errc::bad_input, where + ": only lmtp and admin listen on unix sockets");
  if (!l.is_unix && (l.socket_mode || !l.socket_owner.empty() || !l.socket_group.empty()))
    return make_error(Errc::bad_input, where + ": socket_mode, socket_owner and socket_group are for unix: sockets");
  if (l.protocol == ListenerProtocol::admin && l.tls != TlsMode::none)
    return make_error(Errc::bad_input, where + ": the admin socket does not use TLS");
  // LMTP runs on a trusted local path (loopback or a UNIX socket) from the MTA.
  if (l.protocol == ListenerProtocol::lmtp && l.tls != TlsMode::none)
    return make_error(Errc::bad_input, where + ": LMTP listens without TLS (tls = \"none\")");
  return l;
}

// [log]: the default level, the writer's queue, and per-component levels.
// [search.attachments] and its [search.attachments.extractors] table of
// media type = ["program", "arg", ..., "%f", ...].
Result<void> read_attachments_table(const toml::table& t, AttachmentConfig* a) {
  TableReader r(t, "search.attachments");
  if (!r.get("enabled", &a->enabled) || !r.get("timeout_ms", &a->timeout_ms) || !r.get("max_size", &a->max_size) ||
      !r.get("max_text", &a->max_text) || !r.get("processes", &a->processes) ||
      !r.get("cache_bytes", &a->cache_bytes) || !r.no_unknown_keys({"extractors"}))
    return make_error(Errc::bad_input, r.error());
  if (a->timeout_ms < 100 || a->processes < 1 || a->max_size < 1 || a->max_text < 1)
    return make_error(Errc::bad_input,
                      "search.attachments: timeout_ms at least 100; processes, max_size and max_text at least 1");
  const toml::node* n = t.get("extractors");
  if (!n) return {};
  const toml::table* table = n->as_table();
  if (!table) return make_error(Errc::bad_input, "search.attachments.extractors must be a table of type = [argv]");
  for (const auto& [k, v] : *table) {
    std::string type = ascii_lower(k.str());
    const toml::array* argv = v.as_array();
    std::vector<std::string> args;
    bool file = false;
    for (size_t i = 0; argv != nullptr && i < argv->size(); ++i) {
      auto s = (*argv)[i].value<std::string>();
      if (!s) break;
      file |= *s == "%f";
      args.push_back(*s);
    }
    if (argv == nullptr || args.size() != argv->size() || args.empty() || !file ||
        type.find('/') == std::string::npos)
      return make_error(Errc::bad_input, "search.attachments.extractors." + std::string(k.str()) +
                                             ": a media type = [\"program\", ..., \"%f\", ...]");
    a->extractors.emplace_back(std::move(type), std::move(args));
  }
  return {};
}

Result<void> read_log_table(const toml::table& t, Config* c) {
  TableReader r(t, "log");
  std::string level;
  if (!r.get("level", &level) || !r.get("queue_lines", &c->log_queue_lines) || !r.no_unknown_keys({"levels"}))
    return make_error(Errc::bad_input, r.error());
  if (!level.empty() && !parse_log_level(level, &c->log_level))
    return make_error(Errc::bad_input, "log.level: expected debug, info, warn or error");
  if (c->log_queue_lines < 16) return make_error(Errc::bad_input, "log.queue_lines must be at least 16");
  const toml::node* n = t.get("levels");
  if (!n) return {};
  const toml::table* levels = n->as_table();
  if (!levels) return make_error(Errc::bad_input, "log.levels must be a table of component = level");
  for (const auto& [k, v] : *levels) {
    std::string name(k.str());
    auto text = v.value<std::string>();
    LogLevel l;
    if (!text || !parse_log_level(*text, &l))
      return make_error(Errc::bad_input, "log.levels." + name + ": expected debug, info, warn or error");
    bool ok = !name.empty();
    for (char ch : name) ok &= (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    if (!ok) return make_error(Errc::bad_input, "log.levels." + name + ": component names are [a-z0-9_]+");
    c->log_levels.emplace_back(name, l);
  }
  return {};
}

}  // namespace

Result<Config> Config::parse(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return make_error(Errc::bad_input, msg.str());
  }
  Config c;
  TableReader r(root, "");
  std::string level = "info";
  // --- event loops (server/loop.h) ---
  if (!r.get("loops", &c.loops)) return make_error(Errc::bad_input, std::string(source) + ": " + r.error());
  if (c.loops > 256) return make_error(Errc::bad_input, std::string(source) + ": loops must be 0..256");
  // ---
  if (!r.get("data_dir", &c.data_dir) || !r.get("log_level", &level) || !r.get("hostname", &c.hostname) ||
      !r.get_strings("local_domains", &c.local_domains) || !r.get("worker_threads", &c.worker_threads) ||
      !r.get_strings("quota_admins", &c.quota_admins) ||
      !r.no_unknown_keys({"tls", "limits", "auth", "storage", "listener", "log", "lmtp", "search", "imap", "metadata"}))
    return make_error(Errc::bad_input, std::string(source) + ": " + r.error());
  if (!parse_log_level(level, &c.log_level))
    return make_error(Errc::bad_input, std::string(source) + ": log_level: expected debug, info, warn or error");
  for (auto& d : c.local_domains) d = ascii_lower(d);
  for (auto& a : c.quota_admins) a = ascii_lower(a);  // account names are stored lower-case
  if (c.worker_threads < 1 || c.worker_threads > 256)
    return make_error(Errc::bad_input, std::string(source) + ": worker_threads must be 1..256");

  auto sub = [&](std::string_view name) -> const toml::table* {
    const toml::node* n = root.get(name);
    return n ? n->as_table() : nullptr;
  };
  if (root.get("tls") && !sub("tls")) return make_error(Errc::bad_input, std::string(source) + ": [tls] must be a table");
  if (const toml::table* t = sub("tls")) {
    TableReader tr(*t, "tls");
    if (!tr.get("cert", &c.tls_cert) || !tr.get("key", &c.tls_key) || !tr.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + tr.error());
    if (c.tls_cert.empty() != c.tls_key.empty())
      return make_error(Errc::bad_input, std::string(source) + ": tls.cert and tls.key go together");
  }
  if (const toml::table* t = sub("limits")) {
    TableReader lr(*t, "limits");
    auto& L = c.limits;
    if (!lr.get("max_line", &L.max_line) || !lr.get("max_message_size", &L.max_message_size) ||
        !lr.get("max_connections", &L.max_connections) || !lr.get("max_recipients", &L.max_recipients) ||
        !lr.get("idle_timeout_seconds", &L.idle_timeout_seconds) ||
        !lr.get("preauth_max_line", &L.preauth_max_line) || !lr.get("preauth_max_literal", &L.preauth_max_literal) ||
        !lr.get("login_timeout_seconds", &L.login_timeout_seconds) ||
        !lr.get("stall_timeout_seconds", &L.stall_timeout_seconds) ||
        !lr.get("max_connections_per_address", &L.max_connections_per_address) ||
        !lr.get("mailbox_cache_mb", &L.mailbox_cache_mb) ||
        !lr.get("max_append_messages", &L.max_append_messages) || !lr.get("max_append_total", &L.max_append_total) ||
        !lr.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + lr.error());
    if (L.max_line < 1024 || L.max_message_size < 1024 || L.max_connections < 1 || L.max_recipients < 1 ||
        L.max_connections_per_address < 1 || L.max_append_messages < 1 || L.max_append_total < L.max_message_size)
      return make_error(Errc::bad_input, std::string(source) + ": limits are too small to serve mail"
                                                               " (max_append_total must be at least max_message_size)");
    if (L.preauth_max_line < 512 || L.preauth_max_line > L.max_line || L.preauth_max_literal > L.max_message_size)
      return make_error(Errc::bad_input, std::string(source) +
                                             ": limits.preauth_max_line must be 512..max_line and "
                                             "limits.preauth_max_literal at most max_message_size");
    if (L.mailbox_cache_mb > 65536)
      return make_error(Errc::bad_input, std::string(source) + ": limits.mailbox_cache_mb must be 0..65536");
    if (L.login_timeout_seconds < 1 || L.stall_timeout_seconds < 1)
      return make_error(Errc::bad_input, std::string(source) + ": limits: timeouts must be at least 1 second");
  }
  if (root.get("imap") && !sub("imap")) return make_error(Errc::bad_input, std::string(source) + ": [imap] must be a table");
  if (const toml::table* t = sub("imap")) {
    TableReader ir(*t, "imap");
    if (!ir.get("imap4rev2", &c.imap.imap4rev2) || !ir.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + ir.error());
  }
  if (root.get("auth") && !sub("auth")) return make_error(Errc::bad_input, std::string(source) + ": [auth] must be a table");
  if (const toml::table* t = sub("auth")) {
    TableReader ar(*t, "auth");
    auto& A = c.auth;
    if (!ar.get("failure_delay_ms", &A.failure_delay_ms) || !ar.get("failure_delay_max_ms", &A.failure_delay_max_ms) ||
        !ar.get("lockout_failures", &A.lockout_failures) || !ar.get("lockout_seconds", &A.lockout_seconds) ||
        !ar.get("hash_concurrency", &A.hash_concurrency) || !ar.get("cache_seconds", &A.cache_seconds) ||
        !ar.get("cache_entries", &A.cache_entries) || !ar.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + ar.error());
    if (A.failure_delay_max_ms < A.failure_delay_ms || A.failure_delay_max_ms > 600000)
      return make_error(Errc::bad_input,
                        std::string(source) + ": auth.failure_delay_max_ms must be failure_delay_ms..600000");
    if (A.cache_seconds > 86400)
      return make_error(Errc::bad_input, std::string(source) + ": auth.cache_seconds must be 0..86400");
    if (A.cache_entries > 1000000)
      return make_error(Errc::bad_input, std::string(source) + ": auth.cache_entries must be 0..1000000");
    if (A.hash_concurrency > 256)
      return make_error(Errc::bad_input, std::string(source) + ": auth.hash_concurrency must be 0..256");
  }
  // --- logging: [log] level, queue_lines; [log.levels] component = level ---
  if (root.get("log") && !sub("log")) return make_error(Errc::bad_input, std::string(source) + ": [log] must be a table");
  if (const toml::table* t = sub("log")) {
    if (auto r = read_log_table(*t, &c); !r) return make_error(Errc::bad_input, std::string(source) + ": " + r.error().message);
  }
  // --- [lmtp]: delivery policy ---
  if (root.get("lmtp") && !sub("lmtp")) return make_error(Errc::bad_input, std::string(source) + ": [lmtp] must be a table");
  if (const toml::table* t = sub("lmtp")) {
    TableReader mr(*t, "lmtp");
    if (!mr.get("trace_headers", &c.lmtp.trace_headers) ||
        !mr.get("detail_separators", &c.lmtp.detail_separators) || !mr.get("aliases", &c.lmtp.aliases) ||
        !mr.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + mr.error());
    for (char ch : c.lmtp.detail_separators)
      if (ch <= ' ' || ch == '@' || ch == '"' || static_cast<unsigned char>(ch) >= 0x7f)
        return make_error(Errc::bad_input, std::string(source) + ": lmtp.detail_separators: printable ASCII other than @ and \"");
  }
  // ---
  if (const toml::table* t = sub("storage")) {
    TableReader sr(*t, "storage");
    if (!sr.get("sync", &c.storage_sync) || !sr.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + sr.error());
  }
  if (const toml::table* t = sub("search")) {
    TableReader sr(*t, "search");
    std::vector<std::string> langs;  // get_strings appends: the default is replaced, not extended
    if (!sr.get("index", &c.search_index) || !sr.get_strings("stem_languages", &langs) ||
        !sr.no_unknown_keys({"attachments"}))
      return make_error(Errc::bad_input, std::string(source) + ": " + sr.error());
    if (t->get("stem_languages") != nullptr) c.stem_languages = std::move(langs);
    if (const toml::node* n = t->get("attachments")) {
      if (!n->as_table()) return make_error(Errc::bad_input, std::string(source) + ": [search.attachments] must be a table");
      if (auto r = read_attachments_table(*n->as_table(), &c.attachments); !r)
        return make_error(Errc::bad_input, std::string(source) + ": " + r.error().message);
    }
  }
  if (const toml::table* t = sub("metadata")) {
    TableReader mr(*t, "metadata");
    auto& M = c.metadata;
    if (!mr.get("max_value_size", &M.max_value_size) || !mr.get("max_entries", &M.max_entries) ||
        !mr.get("max_total_size", &M.max_total_size) || !mr.get("admin", &M.admin) || !mr.no_unknown_keys())
      return make_error(Errc::bad_input, std::string(source) + ": " + mr.error());
    if (M.max_value_size < 1 || M.max_entries < 1 || M.max_total_size < M.max_value_size)
      return make_error(Errc::bad_input, std::string(source) +
                                             ": metadata: max_value_size and max_entries must be at least 1, "
                                             "max_total_size at least max_value_size");
  }
  if (const toml::node* n = root.get("listener")) {
    const toml::array* arr = n->as_array();
    if (!arr) return make_error(Errc::bad_input, std::string(source) + ": listener must be [[listener]] tables");
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::table* t = (*arr)[i].as_table();
      if (!t) return make_error(Errc::bad_input, std::string(source) + ": listener must be [[listener]] tables");
      auto l = read_listener(*t, i);
      if (!l) return make_error(Errc::bad_input, std::string(source) + ": " + l.error().message);
      c.listeners.push_back(std::move(*l));
    }
  }
  if (c.data_dir.empty()) return make_error(Errc::bad_input, std::string(source) + ": data_dir is required");
  return c;
}

Result<Config> Config::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

std::string Config::cert_path() const { return tls_cert.empty() ? data_dir + "/tls/selfsigned.crt" : tls_cert; }
std::string Config::key_path() const { return tls_key.empty() ? data_dir + "/tls/selfsigned.key" : tls_key; }
std::string Config::store_path() const { return data_dir + "/store"; }

const ListenerConfig* Config::find_listener(ListenerProtocol p) const {
  for (const auto& l : listeners)
    if (l.protocol == p) return &l;
  return nullptr;
}

}  // namespace loft
