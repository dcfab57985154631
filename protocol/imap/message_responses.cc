// Serialization of the message commands' responses (message_responses.h).
#include "protocol/imap/message_responses.h"

#include "protocol/imap/message_commands.h"
#include "protocol/imap/writer.h"

namespace loft::proto::imap {

void append_expunge(std::string* out, uint32_t seq) {
  out->append("* ").append(std::to_string(seq)).append(" EXPUNGE\r\n");
}

void FlagsFetch::serialize(std::string* out) const {
  std::vector<std::string_view> names;
  if (system & FlagList::kSeen) names.push_back("\\Seen");
  if (system & FlagList::kAnswered) names.push_back("\\Answered");
  if (system & FlagList::kFlagged) names.push_back("\\Flagged");
  if (system & FlagList::kDeleted) names.push_back("\\Deleted");
  if (system & FlagList::kDraft) names.push_back("\\Draft");
  if (recent) names.push_back("\\Recent");
  for (const auto& k : keywords) names.push_back(k);
  out->append("* ").append(std::to_string(seq)).append(" FETCH (FLAGS ");
  append_flag_list(out, names);
  if (uid != 0) out->append(" UID ").append(std::to_string(uid));
  out->append(")\r\n");
}

void append_uid_set(std::string* out, std::span<const uint32_t> uids) {
  for (size_t i = 0; i < uids.size();) {
    size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (i > 0) out->push_back(',');
    out->append(std::to_string(uids[i]));
    if (j > i) out->append(":").append(std::to_string(uids[j]));
    i = j + 1;
  }
}

void AppendUid::serialize(std::string* out) const {
  out->append("APPENDUID ").append(std::to_string(uidvalidity)).append(" ");
  append_uid_set(out, uids);
}

void CopyUid::serialize(std::string* out) const {
  std::vector<uint32_t> from, to;
  from.reserve(uids.size());
  to.reserve(uids.size());
  for (const auto& [f, t] : uids) {
    from.push_back(f);
    to.push_back(t);
  }
  out->append("COPYUID ").append(std::to_string(uidvalidity)).append(" ");
  append_uid_set(out, from);
  out->push_back(' ');
  append_uid_set(out, to);
}

void append_tagged_ok(std::string* out, std::string_view tag, std::string_view code, std::string_view text) {
  out->append(tag).append(" OK ");
  if (!code.empty()) out->append("[").append(code).append("] ");
  out->append(text).append("\r\n");
}

void append_untagged_ok(std::string* out, std::string_view code, std::string_view text) {
  append_tagged_ok(out, "*", code, text);
}

}  // namespace loft::proto::imap
