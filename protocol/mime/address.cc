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
      if (lx_.at_end() || lx_.peek() != ',') break;
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
  struct Cur {
    Address a;
    bool invalid = false;
  };
  void add() {
    out_.push_back(std::move(cur_.a));
    cur_ = Cur{};
  }
  void add_fixed() {
    if (!cur_.a.mailbox) cur_.a.mailbox = "MISSING_MAILBOX";
    if (!cur_.a.domain || cur_.a.domain->empty()) cur_.a.domain = "MISSING_DOMAIN";
    add();
  }
  // RFC 5322 §4.4 obs-local-part, with dots anywhere (as mail in the wild has).
  int nonstrict_dot_atom(std::string* out) {
    int r = -1;
    do {
      while (lx_.peek() == '.' && !lx_.at_end()) {
        out->push_back('.');
        lx_.advance();
        if (lx_.at_end()) return 0;  // "@domain" is missing, the local part is read
        r = 1;
      }
      if (lx_.peek() == '@') break;
      r = lx_.atom(out);
    } while (r > 0 && lx_.peek() == '.');
    return r;
  }
  int local_part() {
    work_.clear();
    int r = lx_.peek() == '"' ? lx_.quoted_string(&work_) : nonstrict_dot_atom(&work_);
    if (r < 0) return -1;
    cur_.a.mailbox = work_;
    return r;
  }
  int domain() {
    std::string s;
    int r = lx_.domain(&s);
    if (r < 0) return -1;
    cur_.a.domain = std::move(s);
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
    cur_.a.route = std::move(route);
    return 1;
  }
  // "<" [ "@" route ":" ] local-part "@" domain ">"
  int angle_addr() {
    lx_.advance();
    if (lx_.skip_lwsp() <= 0) return -1;
    if (lx_.peek() == '@') {
      if (domain_list() > 0 && lx_.peek() == ':') {
        lx_.advance();
      } else {
        cur_.a.route = "INVALID_ROUTE";
        if (lx_.at_end()) return -1;
      }
      if (lx_.skip_lwsp() <= 0) return -1;
    }
    if (lx_.peek() != '>') {  // "<>" is no address
      if (local_part() <= 0) return -1;
      if (lx_.peek() == '@' && !lx_.at_end() && domain() <= 0) return -1;
    }
    if (lx_.at_end() || lx_.peek() != '>') return -1;
    lx_.advance();
    return lx_.skip_lwsp();
  }
  // name-addr = [display-name] angle-addr
  int name_addr() {
    std::string name;
    if (lx_.phrase(&name) <= 0 || lx_.peek() != '<') return -1;
    if (!name.empty()) cur_.a.name = std::move(name);  // "<address>" has no display name
    if (angle_addr() < 0) {
      cur_.a.domain = "SYNTAX_ERROR";
      cur_.invalid = true;
    }
    return lx_.at_end() ? 0 : 1;
  }
  int addr_spec() {
    int r2 = -2;
    comment_.clear();
    bool quoted = lx_.peek() == '"';
    int r = local_part();
    if (r <= 0) cur_.invalid = true;
    if (r != 0 && !lx_.at_end() && lx_.peek() == '@') {
      r2 = domain();
      if (r2 <= 0) r = r2;
    }
    if (!comment_.empty()) {
      // RFC 5322 §3.4 obsolete: "user@host (Real Name)" names the mailbox.
      cur_.a.name = comment_;
    } else if (r2 == -2) {
      // "user" alone is a mailbox, but words after it make a display name.
      work_.push_back(' ');
      size_t before = work_.size();
      lx_.phrase(&work_);
      if (work_.size() != before) {
        cur_.a.mailbox.reset();
        cur_.a.name = work_;
      } else if (!quoted) {
        cur_.a.domain = "";
      }
      cur_.invalid = true;
      r = -1;
    }
    return r;
  }
  int mailbox() {
    size_t start = lx_.pos();
    int r = name_addr();
    if (r < 0) {
      lx_.set_pos(start);
      cur_ = Cur{};
      r = addr_spec();
      if (cur_.invalid && !cur_.a.name && cur_.a.mailbox && !cur_.a.domain) {
        cur_.a.name = std::move(cur_.a.mailbox);
        cur_.a.mailbox.reset();
      }
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
    cur_ = Cur{};
    cur_.a.mailbox = std::move(name);
    add();
    if (r > 0 && lx_.peek() != ';') {
      for (size_t guard = 0; guard < 100000; ++guard) {
        mailbox();  // a broken mailbox: go on anyway
        if (lx_.at_end() || lx_.peek() != ',') break;
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
      cur_ = Cur{};
      r = mailbox();
    }
    return r;
  }

  Lexer lx_;
  std::string comment_;
  std::string work_;
  Cur cur_;
  std::vector<Address> out_;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) { return AddressParser(value).run(); }

}  // namespace loft::proto::mime
