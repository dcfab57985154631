// RFC 5464 §4.2-§4.4 command arguments, responses and codes (grammar in §5).
#include "protocol/imap/metadata.h"

#include <algorithm>

#include "base/bytes.h"
#include "protocol/imap/mutf7.h"
#include "protocol/imap/reader.h"
#include "protocol/imap/writer.h"

namespace loft::proto::imap {
namespace {

// RFC 3501 §9 number: at most 2^32 - 1.
constexpr uint64_t kMaxNumber = 4294967295ull;

bool starts_with_scope(std::string_view e, std::string_view scope) {
  return e.size() >= scope.size() && iequals(e.substr(0, scope.size()), scope) &&
         (e.size() == scope.size() || e[scope.size()] == '/');
}

// Reads one entry (an astring, §5) and checks §3.2; BAD when it breaks a rule.
bool read_entry(Reader* r, bool settable, std::string* out) {
  if (!r->read_astring(out)) return false;
  if (!valid_metadata_entry(*out, settable)) return r->fail("Invalid metadata entry name");
  *out = ascii_lower(*out);
  return true;
}

// entries = entry / "(" entry *(SP entry) ")"
bool read_entries(Reader* r, std::vector<std::string>* out) {
  auto add = [&](std::string e) {
    if (std::find(out->begin(), out->end(), e) == out->end()) out->push_back(std::move(e));
  };
  std::string e;
  if (r->peek() != '(') {
    if (!read_entry(r, false, &e)) return false;
    add(std::move(e));
    return true;
  }
  if (!r->open_list()) return false;
  while (true) {
    if (out->size() == kMaxMetadataEntries) return r->fail("Too many metadata entries");
    if (!read_entry(r, false, &e)) return false;
    add(std::move(e));
    if (r->peek() == ')') return r->close_list();
    if (!r->expect_sp()) return false;
  }
}

// getmetadata-options = "(" option *(SP option) ")": MAXSIZE n, DEPTH 0/1/infinity.
bool read_options(Reader* r, CmdGetMetadata* out) {
  if (!r->open_list()) return false;
  bool seen_size = false, seen_depth = false;
  while (true) {
    std::string name;
    if (!r->read_atom(&name) || !r->expect_sp()) return false;
    if (iequals(name, "MAXSIZE")) {
      uint64_t n = 0;
      if (seen_size) return r->fail("MAXSIZE given twice");
      if (!r->read_number(kMaxNumber, &n)) return false;
      seen_size = true;
      out->max_size = n;
    } else if (iequals(name, "DEPTH")) {
      std::string v;
      if (seen_depth) return r->fail("DEPTH given twice");
      if (!r->read_astring(&v)) return false;
      if (v == "0") out->depth = MetadataDepth::zero;
      else if (v == "1") out->depth = MetadataDepth::one;
      else if (iequals(v, "infinity")) out->depth = MetadataDepth::infinity;
      else return r->fail("DEPTH must be 0, 1 or infinity");
      seen_depth = true;
    } else {
      return r->fail("Unknown GETMETADATA option");
    }
    if (r->peek() == ')') return r->close_list();
    if (!r->expect_sp()) return false;
  }
}

// The first byte of an option list: an option name, never an entry ("/...").
bool options_follow(Reader* r) { return r->peek() == '('; }

}  // namespace

bool valid_metadata_entry(std::string_view e, bool settable) {
  const bool priv = starts_with_scope(e, "/private");
  if (!priv && !starts_with_scope(e, "/shared")) return false;
  if (settable && e.size() == (priv ? 8u : 7u)) return false;
  if (e.back() == '/' || e.find("//") != std::string_view::npos) return false;
  if (e.find_first_of(std::string_view("*%\0", 3)) != std::string_view::npos) return false;
  return utf8_valid(e);
}

bool is_private_entry(std::string_view e) { return starts_with_scope(e, "/private"); }

bool parse_getmetadata(Reader* r, CmdGetMetadata* out) {
  if (!r->expect_sp()) return false;
  if (options_follow(r) && (!read_options(r, out) || !r->expect_sp())) return false;
  if (!r->read_astring(&out->mailbox) || !r->expect_sp()) return false;
  // RFC 5464 §4.2.1's examples give the options after the mailbox: a list
  // whose first item is not an entry name ("/...") is the options.
  if (r->peek() == '(') {
    Reader probe = *r;
    std::string first;
    if (probe.open_list() && probe.read_astring(&first) && !first.empty() && first[0] != '/') {
      if (!read_options(r, out) || !r->expect_sp()) return false;
    }
  }
  return read_entries(r, &out->entries);
}

bool parse_setmetadata(Reader* r, CmdSetMetadata* out) {
  if (!r->expect_sp() || !r->read_astring(&out->mailbox) || !r->expect_sp() || !r->open_list()) return false;
  while (true) {
    if (out->entries.size() == kMaxMetadataEntries) return r->fail("Too many metadata entries");
    std::string entry;
    std::optional<std::string> value;
    if (!read_entry(r, true, &entry) || !r->expect_sp() || !r->read_nstring(&value)) return false;
    out->entries.emplace_back(std::move(entry), std::move(value));
    if (r->peek() == ')') return r->close_list();
    if (!r->expect_sp()) return false;
  }
}

void MetadataResponse::serialize(std::string* out) const {
  *out += "* METADATA ";
  append_astring(out, mutf7_encode(mailbox));
  *out += " (";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) *out += ' ';
    append_astring(out, entries[i].first);
    *out += ' ';
    append_nstring(out, entries[i].second ? std::optional<std::string_view>(*entries[i].second) : std::nullopt);
  }
  *out += ")\r\n";
}

ResponseCode metadata_longentries(uint64_t n) { return {"METADATA", "LONGENTRIES " + std::to_string(n)}; }
ResponseCode metadata_maxsize(uint64_t n) { return {"METADATA", "MAXSIZE " + std::to_string(n)}; }
ResponseCode metadata_toomany() { return {"METADATA", "TOOMANY"}; }
ResponseCode metadata_noprivate() { return {"METADATA", "NOPRIVATE"}; }

}  // namespace loft::proto::imap
