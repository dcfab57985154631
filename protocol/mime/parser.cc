// The incremental MIME parser (see parser.h). Boundary and header rules follow
// RFC 2046 §5.1.1 as Dovecot's lib-mail applies them, so that offsets, sizes
// and line counts equal Dovecot's for well-formed and malformed messages.
#include "protocol/mime/parser.h"

#include <algorithm>
#include <iterator>

#include "base/bytes.h"

namespace loft::proto::mime {

namespace {
constexpr size_t kBodyLineKeep = kMaxBoundary + 4;  // "--" boundary "--"
}

std::vector<uint32_t> children_of(const Structure& s, uint32_t i) {
  std::vector<uint32_t> out;
  if (i >= s.parts.size()) return out;
  for (uint32_t j = i + 1; j < s.parts[i].end && j < s.parts.size(); j = std::max(j + 1, s.parts[j].end))
    out.push_back(j);
  return out;
}

Parser::Parser() {
  Part root;
  root.flags = Part::kHasEnvelope;
  s_.parts.push_back(std::move(root));
  stack_.push_back(0);
}

void Parser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    size_t take = nl == std::string_view::npos ? bytes.size() : nl + 1;
    size_t keep = in_header_ ? kMaxFieldBytes : kBodyLineKeep;
    if (line_.size() < keep) line_.append(bytes.substr(0, std::min(take, keep - line_.size())));
    line_len_ += take;
    if (nl == std::string_view::npos) {
      line_cr_ = bytes.back() == '\r';
      return;
    }
    // The byte before this LF: in this chunk, or the last one of the previous.
    line_cr_ = take >= 2 ? bytes[take - 2] == '\r' : line_cr_;
    bytes.remove_prefix(take);
    on_line(true);
  }
}

const Parser::Boundary* Parser::find_boundary(std::string_view line) const {
  if (line.size() < 2 || line[0] != '-' || line[1] != '-') return nullptr;
  line.remove_prefix(2);
  // RFC 2046 §5.1.1: only the beginning of the line has to match. The newest
  // boundary wins among equals; a longer match wins over a shorter one.
  const Boundary* best = nullptr;
  for (auto it = boundaries_.rbegin(); it != boundaries_.rend(); ++it) {
    if (it->text.size() <= line.size() && line.compare(0, it->text.size(), it->text) == 0 &&
        (!best || best->text.size() < it->text.size()))
      best = &*it;
  }
  return best;
}

bool Parser::own_boundary_wins(std::string_view line, const Boundary& other) const {
  const Part& p = s_.parts[stack_.back()];
  if (!p.has(Part::kMultipart) || !p.has(Part::kIsMime) || !hs_.have_boundary || hs_.boundary.size() > kMaxBoundary ||
      stack_.size() >= kMaxDepth)
    return false;
  const std::string& own = hs_.boundary;
  return own.size() >= other.text.size() && line.size() >= 2 + own.size() && line.compare(2, own.size(), own) == 0;
}

void Parser::on_line(bool has_lf) {
  const uint64_t len = line_len_;
  const unsigned nl = has_lf ? (line_cr_ ? 2 : 1) : 0;
  std::string_view line(line_);
  const Boundary* b = boundaries_.empty() ? nullptr : find_boundary(line);
  if (eoh_pending_) {
    // The line after the blank line decides where the header ends: when an
    // outer boundary follows at once, the blank line's newline belongs to
    // that boundary (RFC 2046 §5.1.1) and the header ends before it.
    eoh_pending_ = false;
    if (!b || own_boundary_wins(line, *b)) {
      end_header(offset_, lf_count_, true);
      b = boundaries_.empty() ? nullptr : find_boundary(line);
    }
  }
  if (b) {
    Boundary copy = *b;
    bool epilogue = line.size() >= 2 + copy.text.size() + 2 && line.compare(2 + copy.text.size(), 2, "--") == 0;
    on_boundary(copy, epilogue, offset_ + len);
  } else if (in_header_) {
    std::string_view content = line.substr(0, std::min<uint64_t>(line.size(), len - nl));
    if (len == nl && has_lf) {  // the blank line: RFC 5322 §2.1 end of the header
      end_field();
      eoh_pending_ = true;
      prev_hdr_nl_ = nl;
    } else {
      header_line(content, has_lf, len);
    }
  } else {
    prev_nl_ = nl;
  }
  if (has_lf) ++lf_count_;
  offset_ += len;
  line_.clear();
  line_len_ = 0;
  line_cr_ = false;
}

void Parser::header_line(std::string_view content, bool has_lf, uint64_t) {
  bool continuation = !hs_.field.empty() && !content.empty() && (content[0] == ' ' || content[0] == '\t');
  if (continuation) {
    // RFC 5322 §2.2.3 unfolding: the value keeps "\n" and the white space.
    if (hs_.field.size() < kMaxFieldBytes) {
      hs_.field += '\n';
      hs_.field.append(content.substr(0, kMaxFieldBytes - std::min(kMaxFieldBytes, hs_.field.size())));
    }
  } else {
    end_field();
    hs_.field.assign(content);
    if (hs_.field.empty()) hs_.field.push_back('\0');  // a field, though empty (e.g. a bare CR line)
  }
  prev_hdr_nl_ = has_lf ? (line_cr_ ? 2 : 1) : 0;
}

void Parser::end_field() {
  if (hs_.field.empty()) return;
  std::string field = std::move(hs_.field);
  hs_.field.clear();
  if (field.size() == 1 && field[0] == '\0') return;
  size_t first_nl = field.find('\n');
  size_t colon = field.find(':');
  if (colon == std::string::npos || colon > first_nl) {
    apply_field(std::string_view(field).substr(0, first_nl), {});  // no colon: the line is the name
    return;
  }
  size_t name_end = colon;
  while (name_end > 0 && (field[name_end - 1] == ' ' || field[name_end - 1] == '\t')) --name_end;
  if (stack_.size() == 1) keep_sort_field(std::string_view(field).substr(0, name_end), field);
  std::string_view value = std::string_view(field).substr(colon + 1);
  // Leading white space of the value is skipped, but one is left of a value
  // that is only white space (Dovecot's SKIP_INITIAL_LWSP).
  std::string_view first = value.substr(0, value.find('\n'));
  size_t ws = 0;
  while (ws < first.size() && (first[ws] == ' ' || first[ws] == '\t')) ++ws;
  if (ws == first.size() && ws > 0) ws = 1;
  value.remove_prefix(ws);
  apply_field(std::string_view(field).substr(0, name_end), value);
}

bool Parser::open_child(uint64_t header_offset, uint8_t flags) {
  if (s_.parts.size() >= kMaxParts || stack_.size() >= kMaxDepth) return false;
  Part c;
  c.flags = flags;
  c.header_offset = header_offset;
  s_.parts.push_back(std::move(c));
  stack_.push_back(static_cast<uint32_t>(s_.parts.size() - 1));
  hs_ = HeaderState{};
  in_header_ = true;
  prev_hdr_nl_ = 0;
  return true;
}

void Parser::keep_sort_field(std::string_view name, std::string_view field) {
  static constexpr std::string_view kNames[] = {"Date", "Subject", "From", "To", "Cc", "Message-ID",
                                                "In-Reply-To", "References"};
  if (!sort_header_) return;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (!iequals(name, kNames[i])) continue;
    if (sort_seen_ & (1u << i)) return;  // RFC 5256 readers take the first occurrence
    sort_seen_ |= static_cast<uint8_t>(1u << i);
    std::string& out = *sort_header_;
    for (char c : field) {
      if (c == '\n') out += '\r';
      out += c;
    }
    out += "\r\n";
    if (out.size() > kMaxSortHeader) sort_header_.reset();
    return;
  }
}

void Parser::end_header(uint64_t body_offset, uint64_t lines_start, bool open_children) {
  uint32_t idx = stack_.back();
  Part& p = s_.parts[idx];
  // A SORT reads at most kSortHeaderScope bytes of the header: past that,
  // which fields it sees depends on the cut, so none are kept.
  if (idx == 0 && body_offset > kSortHeaderScope) sort_header_.reset();
  p.body_offset = body_offset;
  p.body_lines = lines_start;  // the LF count at the body's start, until close_to
  if (!p.has(Part::kIsMime)) {
    // RFC 2045 §4: without MIME-Version the Content-* fields mean nothing.
    uint8_t keep = p.flags & Part::kHasEnvelope;
    Envelope env = std::move(p.envelope);
    uint64_t header_offset = p.header_offset;
    p = Part{};
    p.flags = keep;
    p.envelope = std::move(env);
    p.header_offset = header_offset;
    p.body_offset = body_offset;
    p.body_lines = lines_start;
    hs_.seen_type = false;
    hs_.have_boundary = false;
  }
  if (!hs_.seen_type || !p.has(Part::kIsMime)) {
    // RFC 2046 §5.1.5: in a digest the default is message/rfc822, else text/plain (RFC 2045 §5.2).
    bool digest = stack_.size() >= 2 && s_.parts[stack_[stack_.size() - 2]].has(Part::kDigest);
    p.flags |= digest ? Part::kMessage : Part::kText;
  }
  in_header_ = false;
  prev_nl_ = 0;
  if (!open_children) return;
  if (p.has(Part::kMultipart) && hs_.have_boundary && hs_.boundary.size() <= kMaxBoundary &&
      stack_.size() < kMaxDepth) {
    boundaries_.push_back({std::move(hs_.boundary), idx});
  } else if (p.has(Part::kMessage)) {
    open_child(body_offset, Part::kHasEnvelope);
  }
}

void Parser::close_to(size_t keep, uint64_t end_pos, uint64_t lf_end) {
  while (stack_.size() > keep) {
    Part& p = s_.parts[stack_.back()];
    p.body_end = std::max(end_pos, p.body_offset);
    p.body_lines = lf_end >= p.body_lines ? lf_end - p.body_lines : 0;
    p.end = static_cast<uint32_t>(s_.parts.size());
    stack_.pop_back();
  }
}

void Parser::on_boundary(const Boundary& b, bool epilogue, uint64_t line_end) {
  // RFC 2046 §5.1.1: the CRLF before a boundary belongs to the boundary.
  unsigned nl = in_header_ ? prev_hdr_nl_ : prev_nl_;
  uint64_t end_pos = offset_ - nl;
  uint64_t lf_end = lf_count_ - (nl > 0 ? 1 : 0);
  bool header_cut = in_header_;
  size_t cut_depth = stack_.size();
  if (in_header_) {
    // A boundary inside a header ends that header and leaves an empty body.
    end_field();
    bool message = false;
    end_header(end_pos, lf_end, false);
    message = s_.parts[stack_.back()].has(Part::kMessage);
    if (message && open_child(end_pos, Part::kHasEnvelope)) end_header(end_pos, lf_end, false);
  }
  size_t keep = 0;
  while (keep < stack_.size() && stack_[keep] != b.part) ++keep;
  if (header_cut) {
    // The part whose header the boundary cut ends before the newline, but
    // its enclosing message/rfc822 parts keep that newline (as Dovecot counts it).
    close_to(cut_depth - 1, end_pos, lf_end);
    end_pos = offset_;
    lf_end = lf_count_;
  }
  close_to(keep + 1, end_pos, lf_end);
  auto it = std::find_if(boundaries_.begin(), boundaries_.end(), [&](const Boundary& x) { return x.part == b.part; });
  boundaries_.erase(epilogue ? it : it + 1, boundaries_.end());
  in_header_ = false;
  prev_nl_ = 0;
  if (!epilogue) open_child(line_end, Part::kIsMime);
}

Structure Parser::finish() {
  if (finished_) return s_;
  if (line_len_ > 0) on_line(false);
  if (eoh_pending_) {
    eoh_pending_ = false;
    end_header(offset_, lf_count_, true);
  }
  if (in_header_) {
    end_field();
    end_header(offset_, lf_count_, false);
    if (s_.parts[stack_.back()].has(Part::kMessage) && open_child(offset_, Part::kHasEnvelope))
      end_header(offset_, lf_count_, false);
  }
  close_to(0, offset_, lf_count_);
  finished_ = true;
  return std::move(s_);
}

Structure parse(std::string_view message) {
  Parser p;
  p.feed(message);
  return p.finish();
}

}  // namespace loft::proto::mime
