// SeqSet: RFC 3501 §9 sequence-set parsing, resolution and text form.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/imap/seqset.h"

namespace protocol_imap_seqset_test {

using loft::proto::imap::kStar;
using loft::proto::imap::SeqRange;
using loft::proto::imap::SeqSet;

namespace {

std::string resolved(std::string_view text, uint32_t largest) {
  std::string out;
  for (const SeqRange& r : SeqSet::parse(text)->resolve(largest)) {
    if (!out.empty()) out += ",";
    out += std::to_string(r.lo) + ":" + std::to_string(r.hi);
  }
  return out;
}

}  // namespace

TEST_CASE("a sequence set parses numbers, ranges and stars as written") {
  auto s = SeqSet::parse("1:4,7,9:*,*:3");
  REQUIRE(s);
  REQUIRE(s->ranges.size() == 4);
  CHECK(s->ranges[0].lo == 1);
  CHECK(s->ranges[0].hi == 4);
  CHECK(s->ranges[1].lo == 7);
  CHECK(s->ranges[1].hi == 7);
  CHECK(s->ranges[2].hi == kStar);
  CHECK(s->ranges[3].lo == kStar);
  CHECK(s->ranges[3].hi == 3);
  CHECK(SeqSet::parse("*")->ranges[0].lo == kStar);
  CHECK(SeqSet::parse("4294967295")->ranges[0].lo == kStar);
}

TEST_CASE("malformed sequence sets are rejected") {
  for (const char* bad : {"", "0", "1:0", "0:*", ",", "1,", ",1", "1::2", "1:2:3", "a", "1 2", "-1", "01",
                          "4294967296", "99999999999", "1,,2", ":", "1:", ":1", "**", "1*"}) {
    CAPTURE(bad);
    CHECK_FALSE(SeqSet::parse(bad));
  }
}

TEST_CASE("a sequence set with more ranges than allowed is rejected") {
  CHECK(SeqSet::parse("1,2,3", 3));
  CHECK_FALSE(SeqSet::parse("1,2,3,4", 3));
}

TEST_CASE("resolve replaces the star, orders ends, sorts, merges and clips") {
  CHECK(resolved("1:4,7,9:*", 12) == "1:4,7:7,9:12");
  CHECK(resolved("4:2", 10) == "2:4");
  CHECK(resolved("*:3", 10) == "3:10");
  CHECK(resolved("5,1:3,4", 10) == "1:5");
  CHECK(resolved("8:9,1:2,2:8", 10) == "1:9");
  CHECK(resolved("7:20", 10) == "7:10");
  CHECK(resolved("559:*", 100) == "100:100");  // RFC 3501 §6.4.8
  CHECK(resolved("20:30", 10).empty());
  CHECK(resolved("1:*", 0).empty());
  CHECK(resolved("1:4294967295", 7) == "1:7");
}

TEST_CASE("contains treats the star as the largest number") {
  auto s = SeqSet::parse("2:4,9:*");
  REQUIRE(s);
  CHECK_FALSE(s->contains(1, 12));
  CHECK(s->contains(2, 12));
  CHECK(s->contains(4, 12));
  CHECK_FALSE(s->contains(5, 12));
  CHECK(s->contains(12, 12));
  CHECK_FALSE(s->contains(13, 12));
  CHECK_FALSE(s->contains(0, 12));
  CHECK(SeqSet::parse("*:5")->contains(6, 7));
  CHECK(SeqSet::parse("100:*")->contains(7, 7));
}

TEST_CASE("to_string gives the canonical text form") {
  CHECK(SeqSet::parse("1:4,7,9:*")->to_string() == "1:4,7,9:*");
  CHECK(SeqSet::parse("3:3,*,*:1")->to_string() == "3,*,*:1");
  CHECK(SeqSet{}.to_string().empty());
}

TEST_CASE("max_number ignores the star") {
  CHECK(SeqSet::parse("1:4,9:*")->max_number() == 9);
  CHECK(SeqSet::parse("*")->max_number() == 0);
  CHECK(SeqSet::parse("3,*:12")->max_number() == 12);
}

}  // namespace protocol_imap_seqset_test
