// One layer of a connection's byte path: TLS today, DEFLATE (RFC 4978) under
// it after COMPRESS. A layer turns bytes from the peer side into bytes for the
// session side (decode) and back (encode); it touches no socket. Connection
// stacks layers in a TransformChain: plaintext -> DEFLATE -> TLS -> socket.
#pragma once

#include <string>
#include <string_view>

namespace loft::server {

class Transform {
 public:
  enum class Kind { tls, deflate };
  enum class Status { ok, failed };

  virtual ~Transform() = default;
  virtual Kind kind() const = 0;

  // Decodes bytes received from the peer side: appends what it yields for the
  // session side to *decoded and what this layer must send back by itself
  // (TLS handshake records, alerts) to *reply. A layer may keep part of the
  // input for a later call (see pending()). failed: the stream is unusable.
  virtual Status decode(std::string_view in, std::string* decoded, std::string* reply) = 0;
  // Encodes session-side bytes, appending them to *out. All of them must be
  // decodable by the peer once *out arrives (each call ends with a flush).
  virtual Status encode(std::string_view in, std::string* out) = 0;
  // True while the layer holds input it has not decoded yet: call decode()
  // again, with no new input, once the session can take more.
  virtual bool pending() const { return false; }
  // False until the layer can carry application bytes (TLS handshake).
  virtual bool ready() const { return true; }
  // Appends what the layer sends before the connection closes (close_notify).
  virtual void close(std::string*) {}
  // The connection is quiet (all output written, no command running): free
  // what the layer can rebuild later.
  virtual void release_idle() {}
  // Why the layer failed (for the log).
  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

}  // namespace loft::server
