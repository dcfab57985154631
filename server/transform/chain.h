// The stack of transforms between a connection's socket and its session.
// layers_[0] touches the socket; the last layer is next to the session. Input
// goes outside-in through decode(), output inside-out through encode(). With
// no layer, bytes pass unchanged.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/transform/transform.h"

namespace loft::server {

class TransformChain {
 public:
  // Adds t as the innermost layer (next to the session). Layers are only
  // ever added inside: TLS (before login) under DEFLATE (after login).
  void push(std::unique_ptr<Transform> t) { layers_.push_back(std::move(t)); }
  bool empty() const { return layers_.empty(); }
  size_t size() const { return layers_.size(); }
  bool has(Transform::Kind kind) const;
  // Drops every layer (after close(), or when the connection is torn down).
  void clear() { layers_.clear(); }

  // Decodes bytes that arrived for layer `first` (0: bytes from the socket)
  // through it and every inner layer. Appends the session-side result to
  // *decoded and what must go to the socket (a layer's own replies, encoded
  // by the layers outside it) to *wire. failed: see error().
  Transform::Status decode(std::string_view in, std::string* decoded, std::string* wire, size_t first = 0);
  // Encodes session output through every layer, appending the socket bytes to *wire.
  Transform::Status encode(std::string_view in, std::string* wire);
  // A layer holds undecoded input: call decode() with no input to go on.
  bool pending() const;
  // Every layer can carry application bytes (the TLS handshake is done).
  bool ready() const;
  // Appends each layer's closing bytes (close_notify), encoded by the layers outside it.
  void close(std::string* wire);
  // The connection is quiet: let every layer free what it can rebuild.
  void release_idle();
  // Why the last failing call failed, with the failing layer's reason.
  const std::string& error() const { return error_; }

 private:
  // Encodes bytes produced by layer `layer` through the layers outside it.
  Transform::Status encode_outward(size_t layer, std::string_view in, std::string* wire);
  std::vector<std::unique_ptr<Transform>> layers_;
  std::string error_;
};

}  // namespace loft::server
