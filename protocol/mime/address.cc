// RFC 5322 §3.4 address-list parsing (see address.h), including the obsolete
// forms of §4.4 (routes, missing parts) that real mail still carries.
#include "protocol/mime/address.h"

#include "protocol/mime/lexer.h"

namespace loft::proto::mime {
namespace {

class AddressParser {
 public:
  explicit AddressParser(std::string_view v) : lx_(v) { lx_.record_comments(&comment_); }

  std::vector<Address> run() {
    if (lx_.skip_lwsp() <= 0) return {};
    // address-list = (address *("," address)) / obs-addr-list
    for (size_t guard = 0; guard < 100000; ++guard) {
      if (address() == 0) break;
      if (lx_.peek() != ',' || lx_.at_end()) break;
      lx_.advance();
      int r = lx_.skip_lwsp();
      if (r <= 0) {
        if (r < 0) add_fixed();  // ends with garbage
        break;
      }
    }
    return std::move(out_);
  }

 private:
  void add() {
    out_.push_back(std::move(cur_));
    cur_ = Address{};
  }
  void add_fixed() {
    if (!cur_.mailbox) cur_.mailbox = "MISSING_MAILBOX";
    if (!cur_.domain) cur_.domain = "MISSING_DOMAIN";
    add();
  }
  int local_part() {
    std::string s;
    int r = lx_.peek() == '"' ? lx_.quoted_string(&s) : lx_.dot_atom(&s);
    if (r < 0) return -1;
    cur_.mailbox = std::move(s);
    return r;
  }
  int domain() {
    std::string s;
    int r = lx_.domain(&s);
    if (r < 0) return -1;
    cur_.domain = std::move(s);
    return r;
  }
  // obs-domain-list = "@" domain *(*(CFWS / ",") [CFWS] "@" domain)
  int domain_list() {
    std::string route;
    for (;;) {
      if (lx_.at_end()) return 0;
      if (lx_.peek() != '@') break;
      if (!route.empty()) route.push_back(',');
      route.push_back('@');
      int r = lx_.domain(&route);
      if (r <= 0) return r;
      while (lx_.skip_lwsp() > 0 && lx_.peek() == ',') lx_.advance();
    }
    cur_.route = std::move(route);
    return 1;
  }
  // "<" [ "@" route ":" ] local-part "@" domain ">"
  int angle_addr() {
    lx_.advance();
    int r = lx_.skip_lwsp();
    if (r <= 0) return r;
    if (lx_.peek() == '@') {
      if (domain_list() <= 0 || lx_.peek() != ':') {
        cur_.route = "INVALID_ROUTE";
        return -1;
      }
      lx_.advance();
      if ((r = lx_.skip_lwsp()) <= 0) return r;
    }
    if ((r = local_part()) <= 0) return r;
    if (lx_.peek() == '@' && !lx_.at_end()) {
      if ((r = domain()) <= 0) return r;
    }
    if (lx_.at_end() || lx_.peek() != '>') return -1;
    lx_.advance();
    return lx_.skip_lwsp();
  }
  // name-addr = [display-name] angle-addr
  int name_addr() {
    std::string name;
    if (lx_.phrase(&name) <= 0 || lx_.peek() != '<') return -1;
    if (!name.empty()) cur_.name = std::move(name);  // "<address>" has no display name
    if (angle_addr() < 0) cur_.domain = "SYNTAX_ERROR";
    return lx_.at_end() ? 0 : 1;
  }
  int addr_spec() {
    comment_.clear();
    int r = local_part();
    if (r != 0 && !lx_.at_end() && lx_.peek() == '@') {
      int r2 = domain();
      if (r2 <= 0) r = r2;
    }
    // RFC 5322 §3.4 obsolete: "user@host (Real Name)" names the mailbox.
    if (!comment_.empty()) cur_.name = comment_;
    return r;
  }
  int mailbox() {
    size_t start = lx_.pos();
    int r = name_addr();
    if (r < 0) {
      lx_.set_pos(start);
      cur_ = Address{};
      r = addr_spec();
    }
    add_fixed();
    return r;
  }
  // group = display-name ":" [group-list] ";" [CFWS]
  int group() {
    std::string name;
    if (lx_.phrase(&name) <= 0 || lx_.peek() != ':') return -1;
    lx_.advance();
    int r = lx_.skip_lwsp();
    cur_ = Address{};
    cur_.mailbox = std::move(name);
    add();
    if (r > 0 && lx_.peek() != ';') {
      for (size_t guard = 0; guard < 100000; ++guard) {
        if (mailbox() <= 0) {
          r = -1;
          break;
        }
        if (lx_.peek() != ',' || lx_.at_end()) break;
        lx_.advance();
        if (lx_.skip_lwsp() <= 0) {
          r = -1;
          break;
        }
      }
    }
    if (r >= 0) {
      if (lx_.at_end() || lx_.peek() != ';') {
        r = -1;
      } else {
        lx_.advance();
        r = lx_.skip_lwsp();
      }
    }
    add();  // the end-of-group marker
    return r == 0 ? 0 : 1;
  }
  int address() {
    size_t start = lx_.pos();
    size_t n = out_.size();
    int r = group();
    if (r < 0) {
      lx_.set_pos(start);
      out_.resize(n);
      cur_ = Address{};
      r = mailbox();
    }
    return r;
  }

  Lexer lx_;
  std::string comment_;
  Address cur_;
  std::vector<Address> out_;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) { return AddressParser(value).run(); }

}  // namespace loft::proto::mime
