// Golden test: for every corpus message in golden.dat (Dovecot 2.3's answers,
// made by make_golden.py), Loft's ENVELOPE, BODY and BODYSTRUCTURE must be
// byte for byte the same. The message is CRLF-normalised as LMTP stores it.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "protocol/imap/body_structure.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"

namespace protocol_mime_golden_test {

namespace mime = loft::proto::mime;
namespace imap = loft::proto::imap;

namespace {

std::string source_dir() {
  const char* d = std::getenv("LOFT_SOURCE_DIR");
  return d ? d : ".";
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// loftlib.normalize_crlf: every LF or CRLF becomes CRLF, and a final CRLF is added.
std::string normalize_crlf(const std::string& raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      if (out.empty() || out.back() != '\r' || (i > 0 && raw[i - 1] != '\r')) out += '\r';
      out += '\n';
    } else {
      out += raw[i];
    }
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

struct Golden {
  std::string path, item, value;
};

std::vector<Golden> load_golden() {
  std::string data = read_file(source_dir() + "/tests/protocol/mime/golden.dat");
  std::vector<Golden> out;
  size_t p = 0;
  while (p < data.size()) {
    size_t nl = data.find('\n', p);
    if (nl == std::string::npos) break;
    std::string head = data.substr(p, nl - p);
    size_t t1 = head.find('\t'), t2 = head.rfind('\t');
    size_t len = std::stoul(head.substr(t2 + 1));
    out.push_back({head.substr(0, t1), head.substr(t1 + 1, t2 - t1 - 1), data.substr(nl + 1, len)});
    p = nl + 1 + len + 1;
  }
  return out;
}

std::string corpus_dir() {
  const char* d = std::getenv("LOFT_CORPUS");
  return d ? d : source_dir() + "/../shared/corpus";
}

// Differences from Dovecot pinned here, each explained in docs/imap-differences.md
// ("Message structure"). The test fails if another one appears, and if one of
// these stops differing (then remove it here and there).
const std::set<std::string> kKnown = {
    // (none: every answer of the corpus is Dovecot's)
};

}  // namespace

TEST_CASE("ENVELOPE, BODY and BODYSTRUCTURE of the corpus equal Dovecot's") {
  auto golden = load_golden();
  REQUIRE(golden.size() > 300);
  std::map<std::string, mime::Structure> parsed;
  size_t compared = 0, differ = 0;
  for (const auto& g : golden) {
    auto it = parsed.find(g.path);
    if (it == parsed.end()) {
      std::string raw = read_file(corpus_dir() + "/" + g.path);
      if (raw.empty()) continue;  // the corpus is not here
      it = parsed.emplace(g.path, mime::parse(normalize_crlf(raw))).first;
    }
    const mime::Structure& s = it->second;
    std::string mine;
    if (g.item == "ENVELOPE") imap::append_envelope(&mine, s.parts[0].envelope);
    else imap::append_body_structure(&mine, s, g.item == "BODYSTRUCTURE");
    ++compared;
    std::string key = g.path + " " + g.item;
    if (mine != g.value) {
      ++differ;
      INFO(key);
      CHECK(kKnown.count(key) == 1);
      if (!kKnown.count(key) || std::getenv("LOFT_GOLDEN_SHOW")) CHECK(mine == g.value);
    } else {
      INFO(key << " now equals Dovecot's: remove it from kKnown");
      CHECK(kKnown.count(key) == 0);
    }
  }
  MESSAGE(compared << " compared, " << differ << " differ (known: " << kKnown.size() << ")");
  CHECK(differ == kKnown.size());
  CHECK(compared > 800);
}

}  // namespace protocol_mime_golden_test
