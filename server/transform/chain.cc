#include "server/transform/chain.h"

namespace loft::server {

bool TransformChain::has(Transform::Kind kind) const {
  for (const auto& t : layers_) {
    if (t->kind() == kind) return true;
  }
  return false;
}

bool TransformChain::pending() const {
  for (const auto& t : layers_) {
    if (t->pending()) return true;
  }
  return false;
}

bool TransformChain::ready() const {
  for (const auto& t : layers_) {
    if (!t->ready()) return false;
  }
  return true;
}

Transform::Status TransformChain::decode(std::string_view in, std::string* decoded, std::string* wire,
                                         size_t first) {
  std::string held;  // the previous layer's output, which `in` then views
  for (size_t i = first; i < layers_.size(); ++i) {
    Transform& t = *layers_[i];
    std::string out, reply;
    // A layer with neither new input nor held input has nothing to do; the
    // layers inside it may still hold input of their own.
    if (!in.empty() || t.pending()) {
      Transform::Status st = t.decode(in, &out, &reply);
      if (!reply.empty() && encode_outward(i, reply, wire) == Transform::Status::failed) return Transform::Status::failed;
      if (st == Transform::Status::failed) {
        error_ = t.error();
        return st;
      }
    }
    held = std::move(out);
    in = held;
  }
  decoded->append(in);
  return Transform::Status::ok;
}

Transform::Status TransformChain::encode(std::string_view in, std::string* wire) {
  return encode_outward(layers_.size(), in, wire);
}

Transform::Status TransformChain::encode_outward(size_t layer, std::string_view in, std::string* wire) {
  std::string held;
  for (size_t i = layer; i-- > 0;) {
    std::string out;
    if (layers_[i]->encode(in, &out) == Transform::Status::failed) {
      error_ = layers_[i]->error();
      return Transform::Status::failed;
    }
    held = std::move(out);
    in = held;
  }
  wire->append(in);
  return Transform::Status::ok;
}

void TransformChain::close(std::string* wire) {
  for (size_t i = layers_.size(); i-- > 0;) {
    std::string out;
    layers_[i]->close(&out);
    if (!out.empty()) (void)encode_outward(i, out, wire);  // best effort: the socket closes next
  }
}

void TransformChain::release_idle() {
  for (auto& t : layers_) t->release_idle();
}

}  // namespace loft::server
