// Executes admin requests against the store. Shared by loftd (requests from
// the admin socket) and loftctl --offline, so account rules live in one place.
// Blocking: it hashes passwords (argon2id) and writes the store, so call it
// from a worker thread, never from the event loop.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "protocol/admin/message.h"
#include "storage/store.h"

namespace loft::server {

class AdminService {
 public:
  // Longest password accepted: bounds the hashing work and fits one request line.
  static constexpr size_t kMaxPassword = 1024;

  explicit AdminService(storage::Store& store) : store_(store) {}

  // Runs one request; every failure is reported in the Response (errc + message).
  proto::admin::Response execute(const proto::admin::Request& request);

  // Lower-cases and checks an account name: 1..64 of [a-z0-9._+-], starting
  // with a letter or digit. Errc::bad_input with a message otherwise.
  static Result<std::string> normalize_name(std::string_view name);
  // Refuses empty and over-long passwords (Errc::bad_input).
  static Result<void> check_password(std::string_view password);

  // DELIVER, before any body byte: the account (not_found), the mailbox
  // (INBOX when none is given or it does not exist) and the flags (bad_input).
  Result<storage::DeliveryTarget> delivery_target(const proto::admin::Request& request);
  // DELIVER, after the body: links it (durable on return). One row: mailbox uid.
  proto::admin::Response deliver(storage::BodyWriter& body, const storage::DeliveryTarget& target);

 private:
  Result<void> user_add(std::string_view name, std::string_view password);
  Result<void> user_passwd(std::string_view name, std::string_view password);
  Result<void> user_delete(std::string_view name);
  // Store::check; one row per problem: check, subject, detail, found|repaired.
  proto::admin::Response check(bool repair);
  // QUOTA-GET (one row: bytes messages byte-limit message-limit) and QUOTA-SET.
  proto::admin::Response quota(const proto::admin::Request& request);

  storage::Store& store_;
};

}  // namespace loft::server
