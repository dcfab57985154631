// RFC 9208 §4.1 command arguments and §4.2 responses (grammar in §6).
#include "protocol/imap/quota.h"

#include "base/bytes.h"
#include "protocol/imap/mutf7.h"
#include "protocol/imap/reader.h"
#include "protocol/imap/writer.h"

namespace loft::proto::imap {
namespace {

// RFC 9208 §6: number64 is at most 2^63 - 1.
constexpr uint64_t kMaxNumber64 = 9223372036854775807ull;

}  // namespace

bool parse_getquota(Reader* r, CmdGetQuota* out) { return r->expect_sp() && r->read_astring(&out->root); }

bool parse_getquotaroot(Reader* r, CmdGetQuotaRoot* out) { return r->expect_sp() && r->read_astring(&out->mailbox); }

bool parse_setquota(Reader* r, CmdSetQuota* out) {
  if (!r->expect_sp() || !r->read_astring(&out->root) || !r->expect_sp() || !r->open_list()) return false;
  // setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
  if (r->peek() == ')') return r->close_list();
  while (true) {
    if (out->limits.size() == kMaxSetQuotaResources) return r->fail("Too many SETQUOTA resources");
    std::string name;
    uint64_t limit = 0;
    if (!r->read_atom(&name) || !r->expect_sp() || !r->read_number(kMaxNumber64, &limit)) return false;
    ascii_upper_in_place(&name);
    for (const auto& seen : out->limits) {
      if (seen.first == name) return r->fail("Resource " + name + " given twice");
    }
    out->limits.emplace_back(std::move(name), limit);
    if (r->peek() == ')') return r->close_list();
    if (!r->expect_sp()) return false;
  }
}

void QuotaResponse::serialize(std::string* out) const {
  *out += "* QUOTA ";
  append_astring(out, root);
  *out += " (";
  for (size_t i = 0; i < resources.size(); ++i) {
    if (i) *out += ' ';
    *out += resources[i].name;
    *out += ' ' + std::to_string(resources[i].usage) + ' ' + std::to_string(resources[i].limit);
  }
  *out += ")\r\n";
}

void QuotaRootResponse::serialize(std::string* out) const {
  *out += "* QUOTAROOT ";
  append_mailbox_name(out, mailbox, form);
  for (const std::string& root : roots) {
    *out += ' ';
    append_astring(out, root);
  }
  *out += "\r\n";
}

}  // namespace loft::proto::imap
