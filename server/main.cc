// loftd: the Loft mail server. Loads the config, opens the store, binds the
// listeners and runs the libuv loop until SIGTERM or SIGINT.
#include <malloc.h>
#include <signal.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "base/config.h"
#include "base/log.h"
#include "protocol/imap/stemmer.h"
#include "server/server.h"
#include "server/search/attachments.h"
#include "server/search/background.h"
#include "server/tls/ticket_keys.h"
#include "server/tls/tls_context.h"
#include "storage/store.h"

namespace {

using namespace loft;

// Exit status when the store failed (EX_TEMPFAIL): restart me.
constexpr int kStoreFailedExit = 75;
// How often the loop asks the store whether it failed.
constexpr uint64_t kHealthCheckMs = 1000;

// Writes one "<protocol> <tls> <address>" line per bound listener, atomically,
// so scripts and tests learn the real ports of "port 0" listeners.
bool write_ready_file(const std::string& path, const std::vector<server::BoundListener>& bound) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& b : bound)
      out << protocol_name(b.config->protocol) << ' ' << tls_mode_name(b.config->tls) << ' ' << b.address << '\n';
    if (!out.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Tells a person who just started the server how to use it.
void print_how_to_connect(const Config& config, const std::vector<server::BoundListener>& bound) {
  std::string domain = config.local_domains.empty() ? "" : "@" + config.local_domains.front();
  for (const auto& b : bound) {
    const ListenerConfig& l = *b.config;
    if (l.protocol == ListenerProtocol::imap)
      log_info("connect: IMAP ", b.address, l.tls == TlsMode::implicit ? " with SSL/TLS" : " with STARTTLS",
               " (Thunderbird: server ", l.host, ", port ", b.address.substr(b.address.rfind(':') + 1),
               ", normal password; accept the certificate if it is the self-signed one)");
    else if (l.protocol == ListenerProtocol::lmtp)
      log_info("deliver: LMTP at ", b.address, " (e.g. swaks --server ", b.address, " --protocol LMTP --to USER",
               domain, ")");
    else if (l.protocol == ListenerProtocol::admin)
      log_info("admin: loftctl --config FILE user add|list|passwd|delete (socket ", b.address, ")");
  }
}

// SIGTERM/SIGINT stop the server; SIGHUP reloads the aliases file and the TLS certificate and key
// (read on a worker: no loop waits on the disk) for new connections.
struct Signals {
  server::Server* srv;
  const Config& config;
  server::TicketKeys* tickets;
  bool tls;
  uv_signal_t term{}, intr{}, hup{};

  void start(uv_loop_t* loop) {
    for (auto* sig : {&term, &intr, &hup}) {
      uv_signal_init(loop, sig);
      sig->data = this;
    }
    auto on_stop = [](uv_signal_t* h, int signum) {
      log_info("received signal ", signum);
      auto* self = static_cast<Signals*>(h->data);
      self->srv->stop();
      self->close();
    };
    uv_signal_start_oneshot(&term, on_stop, SIGTERM);
    uv_signal_start_oneshot(&intr, on_stop, SIGINT);
    uv_signal_start(&hup, [](uv_signal_t* h, int) { static_cast<Signals*>(h->data)->reload(); }, SIGHUP);
    // The signal handles must not keep the loop alive once the server stopped.
    for (auto* sig : {&term, &intr, &hup}) uv_unref(reinterpret_cast<uv_handle_t*>(sig));
  }

  void close() {
    for (auto* sig : {&term, &intr, &hup})
      if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(sig))) uv_close(reinterpret_cast<uv_handle_t*>(sig), nullptr);
  }

  struct Reload {
    uv_work_t req{};
    Signals* self;
    Result<std::unique_ptr<server::TlsContext>> ctx = make_error(Errc::internal, "not loaded");
  };

  // [lmtp] aliases: read on a worker; a file that does not parse keeps the old table.
  void reload_aliases() {
    if (config.lmtp.aliases.empty()) return;
    auto* req = new uv_work_t{};
    req->data = srv;
    int r = uv_queue_work(
        hup.loop, req,
        [](uv_work_t* w) {
          auto* s = static_cast<server::Server*>(w->data);
          if (auto loaded = s->aliases().load(); !loaded)
            log_error("aliases reload failed, keeping the current table: ", loaded.error().message);
          else
            log_info("aliases reloaded from ", s->aliases().path());
        },
        [](uv_work_t* w, int) { delete w; });
    if (r != 0) delete req;
  }

  void reload() {
    if (srv->stopping()) return;
    reload_aliases();
    if (!tls) return;
    log_info("SIGHUP: reloading the TLS certificate ", config.cert_path());
    auto* job = new Reload{{}, this};
    job->req.data = job;
    int r = uv_queue_work(
        hup.loop, &job->req,
        [](uv_work_t* w) {
          auto* j = static_cast<Reload*>(w->data);
          j->ctx = server::TlsContext::load(j->self->config.cert_path(), j->self->config.key_path(),
                                            j->self->tickets);
        },
        [](uv_work_t* w, int) {
          std::unique_ptr<Reload> j(static_cast<Reload*>(w->data));
          if (!j->ctx) {  // a broken file must not take TLS down: keep serving the old one
            log_error("TLS reload failed, keeping the current certificate: ", j->ctx.error().message);
            return;
          }
          j->self->srv->set_tls(std::move(*j->ctx));
          log_info("TLS certificate reloaded; new connections use it");
        });
    if (r != 0) {
      delete job;
      log_error("TLS reload: ", uv_strerror(r));
    }
  }
};

int run(const std::string& config_path, const std::string& ready_file) {
  auto config = Config::load(config_path);
  if (!config) {
    std::cerr << "loftd: " << config.error().message << "\n";
    return 2;
  }
  set_log_level(config->log_level);
  for (const auto& [component, level] : config->log_levels) set_component_log_level(component, level);
  // From here no thread waits on stderr; every return path flushes (guard).
  start_log_thread(config->log_queue_lines);
  struct LogFlush {
    ~LogFlush() { stop_log_thread(); }
  } log_flush;
  // Workers run store and password work; sized before libuv starts its pool.
  setenv("UV_THREADPOOL_SIZE", std::to_string(config->worker_threads).c_str(), 1);
  signal(SIGPIPE, SIG_IGN);
  // Password hashing allocates 19 MiB per check on worker threads. A fixed
  // mmap threshold makes such blocks go back to the kernel when freed instead
  // of staying in per-thread malloc arenas (glibc raises the threshold
  // dynamically otherwise), so the server's resident size tracks its clients.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);

  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (ec) {
    log_error("cannot create data_dir ", config->data_dir, ": ", ec.message());
    return 1;
  }
  // Ticket keys outlive every TLS context, so tickets survive a reload.
  auto tickets = std::make_unique<server::TicketKeys>();
  std::shared_ptr<server::TlsContext> tls;
  bool needs_tls = false;
  for (const auto& l : config->listeners) needs_tls |= l.tls != TlsMode::none;
  if (needs_tls) {
    if (config->tls_cert.empty()) {
      if (auto r = server::ensure_self_signed(config->cert_path(), config->key_path(), config->hostname); !r) {
        log_error(r.error().message);
        return 1;
      }
    }
    auto ctx = server::TlsContext::load(config->cert_path(), config->key_path(), tickets.get());
    if (!ctx) {
      log_error(ctx.error().message);
      return 1;
    }
    tls = std::move(*ctx);
  }

  auto store = storage::Store::open({.path = config->store_path(), .sync = config->storage_sync});
  if (!store) {
    log_error("cannot open the store at ", config->store_path(), ": ", store.error().message);
    return 1;
  }

  // RFC 6203 FUZZY stems in the configured languages; an unknown name is a config error.
  for (const std::string& lang : config->stem_languages) {
    if (!proto::imap::stem_language_known(lang)) {
      log_error("[search] stem_languages: unknown Snowball language \"", lang, "\"");
      return 1;
    }
  }
  proto::imap::set_stem_languages(config->stem_languages);
  // PDF and office attachments, by external extractors, for the indexer and SEARCH alike.
  server::search::set_attachment_extractor(
      server::search::AttachmentExtractor::create(config->attachments, config->data_dir + "/tmp-attachments"));

  // The full-text indexer drains the store's index jobs on its own thread
  // (docs/search.md); it stops before the store closes.
  std::optional<server::search::BackgroundIndexer> indexer;
  if (config->search_index) {
    indexer.emplace(**store, config->data_dir);
    indexer->start();
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  int rc = 0;
  {
    server::Server srv(&loop, *config, **store, tls);
    srv.set_indexer(indexer ? &*indexer : nullptr);
    auto bound = srv.start();
    if (!bound) {
      log_error(bound.error().message);
      rc = 1;
    } else {
      for (const auto& b : *bound)
        log_info("listening: ", protocol_name(b.config->protocol), " ", b.address, " tls=", tls_mode_name(b.config->tls));
      if (!ready_file.empty() && !write_ready_file(ready_file, *bound)) {
        log_error("cannot write ", ready_file);
        srv.stop();
        rc = 1;
      }
      print_how_to_connect(*config, *bound);
      log_info("Loft ", LOFT_VERSION, " ready (data in ", config->data_dir, ", ", srv.loop_count(), " loops)");
    }
    // A store whose WAL write or sync failed acknowledges nothing more:
    // stop and exit non-zero, so that the supervisor (systemd
    // Restart=on-failure) restarts loftd and RocksDB recovers from its WAL.
    struct Health {
      server::Server* srv;
      storage::Store* store;
      int* rc;
    } health{&srv, store->get(), &rc};
    uv_timer_t health_timer;
    uv_timer_init(&loop, &health_timer);
    health_timer.data = &health;
    uv_timer_start(
        &health_timer,
        [](uv_timer_t* t) {
          auto* h = static_cast<Health*>(t->data);
          if (!h->store->failed()) return;
          log_error("the store has failed; stopping so that the supervisor restarts loftd");
          *h->rc = kStoreFailedExit;
          h->srv->stop();
          uv_timer_stop(t);
        },
        kHealthCheckMs, kHealthCheckMs);
    uv_unref(reinterpret_cast<uv_handle_t*>(&health_timer));
    Signals signals{&srv, *config, tickets.get(), needs_tls};
    signals.start(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    signals.close();
    uv_close(reinterpret_cast<uv_handle_t*>(&health_timer), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);  // run the close callbacks
    srv.join();                     // the other loops finish their own stop
  }
  indexer.reset();  // joins the indexer thread: it uses the store
  store->reset();  // drains the committer, then closes RocksDB
  uv_loop_close(&loop);
  log_info("stopped");
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"loftd: the Loft mail server (IMAP, LMTP)", "loftd"};
  std::string config_path = "/etc/loft/loft.toml";
  if (const char* env = std::getenv("LOFT_CONFIG")) config_path = env;
  std::string ready_file;
  app.add_option("-c,--config", config_path, "configuration file (TOML)")->capture_default_str();
  app.add_option("--ready-file", ready_file,
                 "once listening, write '<protocol> <tls> <address>' per listener to this file");
  app.set_version_flag("-V,--version", std::string("loftd ") + LOFT_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run(config_path, ready_file);
}
