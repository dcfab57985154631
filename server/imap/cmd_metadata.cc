// RFC 5464 METADATA and METADATA-SERVER: GETMETADATA and SETMETADATA over
// the store's annotations (storage/metadata.h). Mailbox "" names the
// account's server annotations; any other name is resolved within the
// logged-in account only, so no command reaches another account's data.
// /shared entries are per account as well until ACL exists. The server's
// /shared/admin (RFC 5464 §3.2.1.1) comes from the config and is read-only.
#include <algorithm>
#include <set>

#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/metadata.h"
#include "server/connection.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

constexpr std::string_view kAdminEntry = "/shared/admin";

using Entry = std::pair<std::string, std::optional<std::string>>;

storage::MetadataDepth depth_of(pi::MetadataDepth d) {
  switch (d) {
    case pi::MetadataDepth::zero: return storage::MetadataDepth::exact;
    case pi::MetadataDepth::one: return storage::MetadataDepth::children;
    case pi::MetadataDepth::infinity: return storage::MetadataDepth::all;
  }
  return storage::MetadataDepth::exact;
}

// True if `name` is `entry` or lies below it within depth (RFC 5464 §4.2.2).
bool covered(std::string_view name, std::string_view entry, pi::MetadataDepth depth) {
  if (name == entry) return true;
  if (depth == pi::MetadataDepth::zero || name.size() <= entry.size() + 1) return false;
  if (name.substr(0, entry.size()) != entry || name[entry.size()] != '/') return false;
  return depth == pi::MetadataDepth::infinity || name.find('/', entry.size() + 1) == std::string_view::npos;
}

// The name of the mailbox argument in the store's form; "" is the server.
// nullopt when already answered (bad name).
std::optional<std::string> scope_name(ImapSession& s, const std::string& tag, const std::string& wire) {
  if (wire.empty()) return std::string();
  return checked_name(s, tag, pi::decode_mailbox_name(wire));
}

// The mailbox id of name in the account (0 for the server), on a worker.
Result<std::pair<storage::MailboxId, std::string>> resolve(storage::Store& store, storage::AccountId account,
                                                           const std::string& name) {
  if (name.empty()) return std::make_pair(storage::MailboxId{0}, std::string());
  auto info = store.find_mailbox(account, name);
  if (!info) return info.error();
  return std::make_pair(info->id, info->name);
}

// What GETMETADATA answers: the entries to show, and the largest value left out.
struct GetAnswer {
  std::string mailbox;
  std::vector<Entry> entries;
  uint64_t longest_left_out = 0;
};

Result<GetAnswer> get_entries(storage::Store& store, storage::AccountId account, const std::string& name,
                              const pi::CmdGetMetadata& c, const std::string& admin) {
  auto scope = resolve(store, account, name);
  if (!scope) return scope.error();
  GetAnswer out;
  out.mailbox = scope->second;
  std::set<std::string> shown;
  auto add = [&](std::string entry, std::optional<std::string> value) {
    if (!shown.insert(entry).second) return;
    // RFC 5464 §4.2.1: a value above MAXSIZE is left out and counted.
    if (value && c.max_size && value->size() > *c.max_size) {
      out.longest_left_out = std::max<uint64_t>(out.longest_left_out, value->size());
      return;
    }
    out.entries.emplace_back(std::move(entry), std::move(value));
  };
  for (const std::string& entry : c.entries) {
    auto got = store.get_metadata(account, scope->first, entry, depth_of(c.depth));
    if (!got) return got.error();
    std::vector<Entry> found;
    for (auto& e : *got) found.emplace_back(std::move(e.name), std::move(e.value));
    // The server's /shared/admin is the config's, never a stored value.
    if (scope->first == 0) {
      found.erase(std::remove_if(found.begin(), found.end(), [](const Entry& e) { return e.first == kAdminEntry; }),
                  found.end());
      if (!admin.empty() && covered(kAdminEntry, entry, c.depth)) {
        found.emplace_back(std::string(kAdminEntry), admin);
        std::sort(found.begin(), found.end());
      }
    }
    // An entry asked for alone (DEPTH 0) is answered NIL when it has no
    // value; a listing (DEPTH 1, infinity) shows only what exists (as Dovecot).
    if (c.depth == pi::MetadataDepth::zero && (found.empty() || found.front().first != entry))
      add(entry, std::nullopt);
    for (auto& e : found) add(std::move(e.first), std::move(e.second));
  }
  return out;
}

}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdGetMetadata& c) {
  auto name = scope_name(*this, tag, c.mailbox);
  if (!name) return;
  busy_ = true;
  struct Out {
    Result<GetAnswer> answer{Error{Errc::internal, "not run"}};
  };
  auto res = std::make_shared<Out>();
  conn_.offload(
      [this, res, c, id = account().id, name = *name, admin = conn_.server().config().metadata.admin] {
        res->answer = get_entries(store(), id, name, c, admin);
      },
      [this, res, tag, name = *name] {
        if (!res->answer) {
          tagged_mailbox_error(*this, tag, res->answer.error(), name);
        } else {
          const GetAnswer& a = *res->answer;
          std::string out;
          if (!a.entries.empty()) pi::MetadataResponse{a.mailbox, a.entries}.serialize(&out);
          send(out);
          if (a.longest_left_out > 0)
            tagged(tag, pi::Status::ok, pi::metadata_longentries(a.longest_left_out), "GETMETADATA completed");
          else
            tagged(tag, pi::Status::ok, "GETMETADATA completed");
        }
        finish();
      });
}

void ImapSession::handle(const std::string& tag, const pi::CmdSetMetadata& c) {
  auto name = scope_name(*this, tag, c.mailbox);
  if (!name) return;
  const MetadataConfig& conf = conn_.server().config().metadata;
  std::vector<storage::MetadataWrite> writes;
  for (const auto& [entry, value] : c.entries) {
    // RFC 5464 §3.2.1.1: the server's /shared/admin is read-only.
    if (name->empty() && entry == kAdminEntry) {
      tagged(tag, pi::Status::no, pi::ResponseCode::atom("NOPERM"), "/shared/admin is read-only");
      return;
    }
    // RFC 5464 §4.3: too large a value is NO [METADATA MAXSIZE n], n the bound.
    if (value && value->size() > conf.max_value_size) {
      tagged(tag, pi::Status::no, pi::metadata_maxsize(conf.max_value_size), "Annotation value too large");
      return;
    }
    writes.push_back(storage::MetadataWrite{entry, value});
  }
  busy_ = true;
  auto res = std::make_shared<Result<void>>();
  const storage::MetadataLimits limits{conf.max_value_size, conf.max_entries, conf.max_total_size};
  // A commit that waits for its fsync on a worker: under the write quota.
  conn_.server().store_write_quota().submit(
      conn_, false, [this, res, writes = std::move(writes), id = account().id, name = *name, limits] {
        auto scope = resolve(store(), id, name);
        if (!scope) *res = scope.error();
        else *res = store().set_metadata(id, scope->first, writes, limits);
      },
      [this, res, tag, name = *name, max_value = conf.max_value_size] {
        if (*res) tagged(tag, pi::Status::ok, "SETMETADATA completed");
        else if (res->error().code == Errc::limit)
          tagged(tag, pi::Status::no, pi::metadata_toomany(), "Too many annotations");
        else if (res->error().code == Errc::too_big)
          tagged(tag, pi::Status::no, pi::metadata_maxsize(max_value), "Annotation value too large");
        else tagged_mailbox_error(*this, tag, res->error(), name);
        finish();
      });
}

}  // namespace loft::server::imap
