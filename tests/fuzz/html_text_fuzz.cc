// libFuzzer target for the HTML-to-text reducer (protocol/mime/html_text.h):
// the data is fed whole, in pieces cut at points derived from it, and (when
// short) a byte at a time; all three must give the same text, what is held
// between pieces must stay within kMaxBuffer, and the text is never longer
// than the HTML (references shrink, nothing is added but single spaces that
// replace white space or a tag). Linked with replay_main.cc it replays a corpus.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/mime/html_text.h"

namespace {

using loft::proto::mime::HtmlText;

std::string reduce(std::string_view html, const std::vector<size_t>& cuts) {
  HtmlText r;
  std::string out;
  size_t pos = 0;
  for (size_t cut : cuts) {
    if (cut <= pos || cut > html.size()) continue;
    r.feed(html.substr(pos, cut - pos), &out);
    if (r.held_bytes() > HtmlText::kMaxBuffer) std::abort();
    pos = cut;
  }
  r.feed(html.substr(pos), &out);
  if (r.held_bytes() > HtmlText::kMaxBuffer) std::abort();
  r.finish(&out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view html(reinterpret_cast<const char*>(data), size);
  uint64_t x = 1469598103934665603ULL;
  for (unsigned char c : html) x = (x ^ c) * 1099511628211ULL;
  std::vector<size_t> cuts;
  for (int i = 0; i < 8 && size > 0; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    cuts.push_back(static_cast<size_t>(x >> 33) % (size + 1));
  }
  std::sort(cuts.begin(), cuts.end());
  std::string whole = reduce(html, {});
  if (whole.size() > html.size()) std::abort();
  if (reduce(html, cuts) != whole) std::abort();
  if (size <= 1024) {
    std::vector<size_t> bytewise;
    for (size_t i = 1; i < size; ++i) bytewise.push_back(i);
    if (reduce(html, bytewise) != whole) std::abort();
  }
  return 0;
}
