#include "storage/rocks/keys.h"

#include "base/bytes.h"

namespace loft::storage::rocks {

const char* const kCfNames[kCfCount] = {"default", "accounts", "mailbox_names", "mailboxes",
                                        "messages", "blobs",    "chunks",
                                        "pending_blobs", "structures", "subscriptions",
                                        "mailbox_keywords", "changes", "quotas", "index_jobs",
                                        "metadata"};

namespace {

// Every value starts with a format version so that a later release can
// change a layout without guessing.
constexpr char kVersion = 1;
// Mailbox records gained the special-use bits in schema 2.
constexpr char kMailboxVersion2 = 2;
// Message records gained the save date (RFC 8514) in schema 3.
constexpr char kMessageVersion2 = 2;

// Reads big-endian fields from a value, remembering whether it ran short.
class Reader {
 public:
  explicit Reader(std::string_view v) : v_(v) {}
  bool version() { return take(1) && v_[pos_ - 1] == kVersion; }
  // The version byte itself (0 when the value is empty).
  char any_version() { return take(1) ? v_[pos_ - 1] : 0; }
  uint32_t u32() { return take(4) ? get_be32(v_.data() + pos_ - 4) : 0; }
  uint64_t u64() { return take(8) ? get_be64(v_.data() + pos_ - 8) : 0; }
  std::string bytes(size_t n) { return take(n) ? std::string(v_.substr(pos_ - n, n)) : std::string(); }
  std::string rest() { std::string r(v_.substr(pos_)); pos_ = v_.size(); return r; }
  size_t remaining() const { return v_.size() - pos_; }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == v_.size(); }

 private:
  bool take(size_t n) {
    if (!ok_ || v_.size() - pos_ < n) { ok_ = false; return false; }
    pos_ += n;
    return true;
  }
  std::string_view v_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string start() { return std::string(1, kVersion); }

}  // namespace

uint32_t chunk_count(const BlobRecord& blob) {
  if (blob.chunk_size == 0) return 0;
  return static_cast<uint32_t>((blob.size + blob.chunk_size - 1) / blob.chunk_size);
}

std::string id_key(uint64_t id) {
  std::string k;
  put_be64(&k, id);
  return k;
}

std::string mailbox_name_key(AccountId account, std::string_view name) {
  std::string k = id_key(account);
  k.append(name);
  return k;
}

std::string message_key(MailboxId mailbox, uint32_t uid) {
  std::string k = id_key(mailbox);
  put_be32(&k, uid);
  return k;
}

std::string chunk_key(BlobId blob, uint32_t index) {
  std::string k = id_key(blob);
  put_be32(&k, index);
  return k;
}

std::string change_key(MailboxId mailbox, uint64_t modseq, uint32_t uid) {
  std::string k = id_key(mailbox);
  put_be64(&k, modseq);
  put_be32(&k, uid);
  return k;
}

std::string id_name_key(uint64_t id, std::string_view name) { return mailbox_name_key(id, name); }

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  // Drop trailing 0xff bytes and increment the last remaining one.
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;  // empty means "no upper bound"
}

std::string encode_counters(const Counters& c) {
  std::string v = start();
  put_be64(&v, c.next_account);
  put_be64(&v, c.next_mailbox);
  put_be64(&v, c.next_blob);
  put_be32(&v, c.last_uidvalidity);
  return v;
}

std::optional<Counters> decode_counters(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  Counters c;
  c.next_account = r.u64();
  c.next_mailbox = r.u64();
  c.next_blob = r.u64();
  c.last_uidvalidity = r.u32();
  if (!r.done()) return std::nullopt;
  return c;
}

std::string encode_account(const AccountRecord& a) {
  std::string v = start();
  put_be64(&v, a.id);
  v.append(a.password_hash);
  return v;
}

std::optional<AccountRecord> decode_account(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  AccountRecord a;
  a.id = r.u64();
  a.password_hash = r.rest();
  if (!r.ok()) return std::nullopt;
  return a;
}

std::string encode_mailbox(const MailboxInfo& m) {
  std::string v(1, kMailboxVersion2);
  put_be64(&v, m.account);
  put_be32(&v, m.uidvalidity);
  put_be32(&v, m.uidnext);
  put_be64(&v, m.highestmodseq);
  put_be32(&v, m.messages);
  put_be32(&v, m.unseen);
  put_be32(&v, m.special_use);
  v.append(m.name);
  return v;
}

std::optional<MailboxInfo> decode_mailbox(MailboxId id, std::string_view v) {
  Reader r(v);
  const char version = r.any_version();
  if (version != kVersion && version != kMailboxVersion2) return std::nullopt;
  MailboxInfo m;
  m.id = id;
  m.account = r.u64();
  m.uidvalidity = r.u32();
  m.uidnext = r.u32();
  m.highestmodseq = r.u64();
  m.messages = r.u32();
  m.unseen = r.u32();
  if (version == kMailboxVersion2) m.special_use = r.u32();
  m.name = r.rest();
  if (!r.ok()) return std::nullopt;
  return m;
}

std::string encode_message(const MessageMeta& m) {
  // A record without a save date keeps version 1 (its save date stays unknown).
  std::string v(1, m.save_date ? kMessageVersion2 : kVersion);
  put_be64(&v, m.modseq);
  put_be32(&v, m.flags);
  put_be64(&v, static_cast<uint64_t>(m.internal_date));
  put_be32(&v, static_cast<uint32_t>(m.tz_offset_minutes));
  put_be64(&v, m.size);
  put_be64(&v, m.header_size);
  put_be64(&v, m.blob);
  put_be32(&v, static_cast<uint32_t>(m.keywords.size()));
  for (const auto& k : m.keywords) {
    put_be32(&v, static_cast<uint32_t>(k.size()));
    v.append(k);
  }
  if (m.save_date) put_be64(&v, static_cast<uint64_t>(*m.save_date));
  return v;
}

std::optional<MessageMeta> decode_message(uint32_t uid, std::string_view v) {
  Reader r(v);
  char version = r.any_version();
  if (version != kVersion && version != kMessageVersion2) return std::nullopt;
  MessageMeta m;
  m.uid = uid;
  m.modseq = r.u64();
  m.flags = r.u32();
  m.internal_date = static_cast<int64_t>(r.u64());
  m.tz_offset_minutes = static_cast<int32_t>(r.u32());
  m.size = r.u64();
  m.header_size = r.u64();
  m.blob = r.u64();
  uint32_t n = r.u32();
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    uint32_t len = r.u32();
    if (len > r.remaining()) return std::nullopt;  // don't trust a corrupt length
    m.keywords.push_back(r.bytes(len));
  }
  if (version == kMessageVersion2) m.save_date = static_cast<int64_t>(r.u64());
  if (!r.done()) return std::nullopt;
  return m;
}

std::string encode_blob(const BlobRecord& b) {
  std::string v = start();
  put_be32(&v, b.refs);
  put_be64(&v, b.size);
  put_be32(&v, b.chunk_size);
  return v;
}

std::optional<BlobRecord> decode_blob(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  BlobRecord b;
  b.refs = r.u32();
  b.size = r.u64();
  b.chunk_size = r.u32();
  if (!r.done()) return std::nullopt;
  return b;
}

}  // namespace loft::storage::rocks

namespace loft::storage::rocks {

std::string encode_bytes(std::string_view payload) {
  std::string v = start();
  v.append(payload);
  return v;
}

std::optional<std::string> decode_bytes(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  return r.rest();
}

std::string encode_change(ChangeKind kind) {
  std::string v = start();
  v.push_back(static_cast<char>(kind));
  return v;
}

std::optional<ChangeKind> decode_change(std::string_view v) {
  if (v.size() != 2 || v[0] != kVersion) return std::nullopt;
  if (v[1] != static_cast<char>(ChangeKind::present) && v[1] != static_cast<char>(ChangeKind::expunged))
    return std::nullopt;
  return static_cast<ChangeKind>(v[1]);
}

std::string encode_index_job(const IndexJobRecord& j) {
  std::string v = start();
  v.push_back(j.add ? 1 : 2);
  put_be64(&v, j.account);
  put_be64(&v, j.blob);
  return v;
}

std::optional<IndexJobRecord> decode_index_job(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  IndexJobRecord j;
  std::string kind = r.bytes(1);
  j.account = r.u64();
  j.blob = r.u64();
  if (!r.done() || (kind != "\x01" && kind != "\x02")) return std::nullopt;
  j.add = kind == "\x01";
  return j;
}

std::string encode_quota(const QuotaRecord& q) {
  std::string v = start();
  put_be64(&v, q.bytes);
  put_be64(&v, q.messages);
  put_be64(&v, q.byte_limit);
  put_be64(&v, q.message_limit);
  return v;
}

std::optional<QuotaRecord> decode_quota(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  QuotaRecord q;
  q.bytes = r.u64();
  q.messages = r.u64();
  q.byte_limit = r.u64();
  q.message_limit = r.u64();
  if (!r.done()) return std::nullopt;
  return q;
}

std::string encode_u64(uint64_t n) {
  std::string v = start();
  put_be64(&v, n);
  return v;
}

std::optional<uint64_t> decode_u64(std::string_view v) {
  Reader r(v);
  if (!r.version()) return std::nullopt;
  uint64_t n = r.u64();
  if (!r.done()) return std::nullopt;
  return n;
}

}  // namespace loft::storage::rocks
