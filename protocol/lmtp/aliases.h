// The aliases file (conf/loft.toml [lmtp] aliases): which accounts a local
// recipient that is not itself an account delivers to. Pure: parsed from
// text; the server reads the file at start and on SIGHUP.
//
// Format, one alias per line, as /etc/aliases without its programs and files:
//   # comment
//   postmaster: alice
//   team@example.org: alice, bob
// The name is a local part (any local domain) or a full address (that domain
// only), case-insensitive; targets are account names or local addresses.
// Targets are not expanded again (no alias chains, no loops).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "protocol/lmtp/address.h"

namespace loft::proto::lmtp {

class Aliases {
 public:
  // Parses the whole file; Errc::bad_input naming the first bad line.
  static Result<Aliases> parse(std::string_view text);

  // The targets of an address (a full-address entry wins over a local-part
  // one), or nullptr when it is no alias.
  const std::vector<std::string>* find(const Address& address) const;

  size_t size() const { return map_.size(); }

 private:
  std::unordered_map<std::string, std::vector<std::string>> map_;  // lower-case name -> targets
};

}  // namespace loft::proto::lmtp
