// What a protocol (IMAP, LMTP, admin) does with a connection. Every call runs
// on the loop thread; a session never blocks: disk and crypto work goes
// through Connection::offload.
#pragma once

#include <string_view>

namespace loft::server {

class Session {
 public:
  virtual ~Session() = default;
  // The connection is ready (after the implicit TLS handshake, if any): greet.
  virtual void on_open() = 0;
  // Plaintext bytes arrived. The session buffers what it cannot handle yet.
  virtual void on_data(std::string_view bytes) = 0;
  // The output backlog fell below the low-water mark: resume streaming and
  // taking commands (input processing stops while the backlog is high).
  virtual void on_drain() {}
  // The connection idled past the limit; say goodbye (it closes after flushing).
  virtual void on_idle_timeout() {}
  // The server is stopping; say goodbye (it closes after flushing).
  virtual void on_shutdown() {}
  // True while a command is in progress (the connection is then never idle).
  virtual bool busy() const { return false; }
  // True while the client is in the middle of sending something the session
  // waits for (a partial command line, a literal, message data): the
  // connection then acknowledges what arrived at once (see Connection::on_read).
  virtual bool mid_input() const { return false; }
  // False until the client logged in; an unauthenticated connection is closed
  // after limits.login_timeout_seconds. Protocols without a login say true.
  virtual bool authenticated() const { return true; }
  // The login timeout passed: say goodbye (it closes after flushing).
  virtual void on_login_timeout() { on_idle_timeout(); }
};

}  // namespace loft::server
