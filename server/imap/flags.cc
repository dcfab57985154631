#include "server/imap/flags.h"

#include "protocol/imap/response.h"
#include "storage/store.h"

namespace loft::server::imap {

// protocol/imap/response.h spells the system flags with the store's bits.
static_assert(uint32_t{proto::imap::kFlagSeen} == uint32_t{storage::kSeen});
static_assert(uint32_t{proto::imap::kFlagAnswered} == uint32_t{storage::kAnswered});
static_assert(uint32_t{proto::imap::kFlagFlagged} == uint32_t{storage::kFlagged});
static_assert(uint32_t{proto::imap::kFlagDeleted} == uint32_t{storage::kDeleted});
static_assert(uint32_t{proto::imap::kFlagDraft} == uint32_t{storage::kDraft});

void append_flags(std::string* out, uint32_t flags, const std::vector<std::string>& keywords, bool recent) {
  proto::imap::append_flags(out, flags, keywords, recent);
}

}  // namespace loft::server::imap
