#include "server/lmtp/alias_source.h"

#include <fstream>
#include <sstream>

namespace loft::server::lmtp {

Result<void> AliasSource::load() {
  if (path_.empty()) return {};
  std::ifstream in(path_, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot read aliases file " + path_);
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = proto::lmtp::Aliases::parse(text.str());
  if (!parsed) return make_error(Errc::bad_input, path_ + ": " + parsed.error().message);
  auto table = std::make_shared<const proto::lmtp::Aliases>(std::move(*parsed));
  std::lock_guard<std::mutex> lock(mutex_);
  table_ = std::move(table);
  return {};
}

std::shared_ptr<const proto::lmtp::Aliases> AliasSource::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return table_;
}

}  // namespace loft::server::lmtp
