// SORT facts and order (RFC 5256 §2.2, §3; RFC 5957 §3).
#include "protocol/imap/sort.h"

#include <algorithm>

#include "base/bytes.h"
#include "protocol/imap/base_subject.h"
#include "protocol/imap/search_header.h"
#include "protocol/mime/address.h"
#include "protocol/mime/decode.h"

namespace loft::proto::imap {
namespace {

// The first address of a list as ENVELOPE shows it (RFC 3501 §7.4.2): for a
// group that is the group's start, whose addr-mailbox is the group name.
std::optional<mime::Address> first_mailbox(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  std::vector<mime::Address> list = mime::parse_address_list(*value);
  if (list.empty()) return std::nullopt;
  return std::move(list.front());
}

// RFC 5256 §3 FROM/TO/CC: the addr-mailbox of the first address.
std::string mailbox_key(const std::optional<mime::Address>& a) {
  return a && a->mailbox ? sort_fold(*a->mailbox) : std::string();
}

// RFC 5957 §3: the decoded display-name of the first address if it has a
// non-empty one, else its addr-mailbox "@" addr-host.
std::string display_key(const std::optional<mime::Address>& a) {
  if (!a) return {};
  if (a->name) {
    std::string name = mime::decode_header_value(*a->name);
    if (name.find_first_not_of(" \t") != std::string::npos) return sort_fold(name);
  }
  if (!a->domain) return sort_fold(a->mailbox.value_or(""));  // a group: its name
  return sort_fold(a->mailbox.value_or("") + "@" + *a->domain);
}

// The msg-ids ("<...>") of a field value in order, brackets and white space removed.
std::vector<std::string> msg_ids(std::string_view v) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = v.find('<', pos)) != std::string_view::npos) {
    size_t end = v.find('>', pos + 1);
    if (end == std::string_view::npos) break;
    std::string id;
    int depth = 0;  // comments and white space inside are obsolete syntax (RFC 5322 §4.5.4)
    for (char c : v.substr(pos + 1, end - pos - 1)) {
      if (c == '(') ++depth;
      else if (c == ')' && depth > 0) --depth;
      else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') id.push_back(c);
    }
    if (!id.empty() && id.find('<') == std::string::npos) out.push_back(std::move(id));
    pos = end + 1;
  }
  return out;
}

int compare_facts(const SortFacts& a, const SortFacts& b, SortKey key) {
  auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : y < x ? 1 : 0; };
  switch (key) {
    case SortKey::arrival: return cmp(a.arrival, b.arrival);
    case SortKey::cc: return cmp(a.cc, b.cc);
    case SortKey::date: return cmp(a.sent, b.sent);
    case SortKey::from: return cmp(a.from, b.from);
    case SortKey::size: return cmp(a.size, b.size);
    case SortKey::subject: return cmp(a.subject, b.subject);
    case SortKey::to: return cmp(a.to, b.to);
    case SortKey::display_from: return cmp(a.display_from, b.display_from);
    case SortKey::display_to: return cmp(a.display_to, b.display_to);
    // RFC 6203 §4: more relevant first, unlike the other keys' ascending order.
    case SortKey::relevancy: return cmp(b.relevancy, a.relevancy);
  }
  return 0;
}

}  // namespace

SortFacts sort_facts_from_header(std::string_view header_block, int64_t internal_date, uint64_t size) {
  SortFacts f;
  f.arrival = internal_date;
  f.size = size;
  std::optional<std::string> date, subject, from, to, cc, message_id, in_reply_to, references;
  for (HeaderField& h : parse_header_fields(header_block)) {
    // The first occurrence of each field counts.
    auto take = [&h](std::optional<std::string>* slot) {
      if (!*slot) *slot = std::move(h.value);
    };
    if (iequals(h.name, "Date")) take(&date);
    else if (iequals(h.name, "Subject")) take(&subject);
    else if (iequals(h.name, "From")) take(&from);
    else if (iequals(h.name, "To")) take(&to);
    else if (iequals(h.name, "Cc")) take(&cc);
    else if (iequals(h.name, "Message-ID")) take(&message_id);
    else if (iequals(h.name, "In-Reply-To")) take(&in_reply_to);
    else if (iequals(h.name, "References")) take(&references);
  }
  // RFC 5256 §2.2: the Date: field in UTC, else the INTERNALDATE.
  std::optional<int64_t> sent = date ? parse_rfc5322_datetime(*date) : std::nullopt;
  f.sent = sent.value_or(internal_date);
  BaseSubject base = base_subject(subject.value_or(""));
  f.subject = sort_fold(base.text);
  f.reply = base.reply;
  std::optional<mime::Address> first_from = first_mailbox(from), first_to = first_mailbox(to);
  f.from = mailbox_key(first_from);
  f.to = mailbox_key(first_to);
  f.cc = mailbox_key(first_mailbox(cc));
  f.display_from = display_key(first_from);
  f.display_to = display_key(first_to);
  if (message_id) {
    std::vector<std::string> ids = msg_ids(*message_id);
    if (!ids.empty()) f.message_id = std::move(ids.front());
  }
  // RFC 5256 §3 REFERENCES step 1: the References field, else the first
  // msg-id of In-Reply-To.
  if (references) f.references = msg_ids(*references);
  if (f.references.empty() && in_reply_to) {
    std::vector<std::string> ids = msg_ids(*in_reply_to);
    if (!ids.empty()) f.references.push_back(std::move(ids.front()));
  }
  return f;
}

std::vector<size_t> sort_order(std::span<const SortFacts> msgs, std::span<const SortCriterion> criteria) {
  std::vector<size_t> order(msgs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    for (const SortCriterion& c : criteria) {
      int r = compare_facts(msgs[x], msgs[y], c.key);
      if (r != 0) return c.reverse ? r > 0 : r < 0;
    }
    return msgs[x].seq < msgs[y].seq;  // RFC 5256 §3: ties in sequence order
  });
  return order;
}

void append_sort_response(std::string* out, std::span<const uint32_t> numbers) {
  out->append("* SORT");
  for (uint32_t n : numbers) out->append(" ").append(std::to_string(n));
  out->append("\r\n");
}

}  // namespace loft::proto::imap
