// Result<T>: expected failures as values, with a protocol-neutral error code.
// Each protocol maps Errc once (IMAP: RFC 5530 response codes, LMTP: RFC 3463
// enhanced status codes); RocksDB Status and Xapian exceptions are converted
// into an Error at the edge of their folder and never travel further.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace loft {

// Why an operation failed, independent of any protocol.
enum class Errc {
  temp,       // transient: retry later (I/O error, busy)
  not_found,  // no such account, mailbox or message
  exists,     // already exists
  perm,       // not allowed for this user
  no_quota,   // over quota
  expunged,   // the message was expunged meanwhile
  in_use,     // locked by another session
  limit,      // a configured limit was reached (count, nesting, line length)
  too_big,    // a size limit was exceeded
  bad_input,  // malformed input from the peer
  internal,   // a bug or a corrupt store
};

// Stable lower-case name of a code, for logs and the admin protocol.
const char* errc_name(Errc code);
// Inverse of errc_name; Errc::internal for an unknown name.
Errc errc_from_name(const std::string& name);

// An expected failure: a code and a human-readable message (no secrets in it).
struct Error {
  Errc code;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Holds either a T or an Error. Constructed implicitly from either.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success carries nothing; failure carries an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(failed_); return err_; }

 private:
  Error err_{Errc::internal, {}};
  bool failed_ = false;
};

// Explicitly drops a result whose failure the caller has decided not to act on.
template <class T>
inline void ignore_result(const Result<T>&) {}

}  // namespace loft
