#include "server/imap/flags.h"

#include <string_view>

#include "protocol/imap/writer.h"
#include "storage/store.h"

namespace loft::server::imap {

void append_flags(std::string* out, uint32_t flags, const std::vector<std::string>& keywords) {
  using namespace storage;
  std::vector<std::string_view> names;
  if (flags & kSeen) names.push_back("\\Seen");
  if (flags & kAnswered) names.push_back("\\Answered");
  if (flags & kFlagged) names.push_back("\\Flagged");
  if (flags & kDeleted) names.push_back("\\Deleted");
  if (flags & kDraft) names.push_back("\\Draft");
  for (const auto& k : keywords) names.push_back(k);
  proto::imap::append_flag_list(out, names);
}

}  // namespace loft::server::imap
