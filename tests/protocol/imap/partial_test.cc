// RFC 9394 PARTIAL in the pure codec: the RETURN option's grammar (positive
// and negative ranges, either order, BAD forms), the window a range selects
// in a result, and the ESEARCH "PARTIAL (range set)" return data.
#include <doctest/doctest.h>

#include <numeric>
#include <string>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/esearch.h"

namespace protocol_imap_partial_test {

using namespace loft::proto::imap;
using loft::proto::imap::test::ret_of;

namespace {

std::string esearch(const SearchReturn& o, const std::vector<uint32_t>& hits, bool ascending = true) {
  std::string out;
  make_esearch("T", true, o, hits, ascending).serialize(&out);
  return out;
}

}  // namespace

TEST_CASE("PARTIAL ranges parse (RFC 9394 §4)") {
  auto r = ret_of("a UID SEARCH RETURN (PARTIAL 1:100) UNDELETED");
  REQUIRE(r);
  REQUIRE(r->partial);
  CHECK((r->partial->lo == 1 && r->partial->hi == 100 && !r->all));
  r = ret_of("a SEARCH RETURN (COUNT partial -1:-100 MIN MAX) ALL");
  REQUIRE(r);
  CHECK((r->partial->lo == -1 && r->partial->hi == -100 && r->count && r->min && r->max));
  CHECK(r->partial->to_string() == "-1:-100");
  CHECK(PartialRange{-100, -1}.to_string() == "-1:-100");
  CHECK(PartialRange{500, 400}.to_string() == "400:500");
  r = ret_of("a UID SORT RETURN (PARTIAL 4294967295:1) (DATE) UTF-8 ALL");
  REQUIRE(r);
  CHECK(r->partial->lo == 4294967295);
  for (const char* bad : {"a SEARCH RETURN (PARTIAL) ALL", "a SEARCH RETURN (PARTIAL 0:5) ALL",
                          "a SEARCH RETURN (PARTIAL 1:-5) ALL", "a SEARCH RETURN (PARTIAL -1:5) ALL",
                          "a SEARCH RETURN (PARTIAL 1) ALL", "a SEARCH RETURN (PARTIAL 1:4294967296) ALL",
                          "a SEARCH RETURN (PARTIAL -0:-3) ALL", "a SEARCH RETURN (PARTIAL 1:2 ALL) ALL",
                          "a SEARCH RETURN (ALL PARTIAL 1:2) ALL", "a SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL",
                          "a SEARCH RETURN (PARTIAL 1:*) ALL", "a SEARCH RETURN (PARTIAL 1,2) ALL"}) {
    CAPTURE(bad);
    CHECK_FALSE(ret_of(bad));
  }
}

TEST_CASE("A partial range selects positions in the result, from either end") {
  CHECK(PartialRange{1, 3}.window(10) == std::pair<size_t, size_t>{0, 3});
  CHECK(PartialRange{3, 1}.window(10) == std::pair<size_t, size_t>{0, 3});
  CHECK(PartialRange{9, 20}.window(10) == std::pair<size_t, size_t>{8, 10});
  CHECK(PartialRange{11, 20}.window(10) == std::pair<size_t, size_t>{10, 10});
  CHECK(PartialRange{-1, -3}.window(10) == std::pair<size_t, size_t>{7, 10});
  CHECK(PartialRange{-3, -1}.window(10) == std::pair<size_t, size_t>{7, 10});
  CHECK(PartialRange{-8, -20}.window(10) == std::pair<size_t, size_t>{0, 3});
  CHECK(PartialRange{-11, -20}.window(10) == std::pair<size_t, size_t>{10, 10});
  CHECK(PartialRange{1, 4294967295}.window(0) == std::pair<size_t, size_t>{0, 0});
  CHECK(PartialRange{-4294967295, -1}.window(3) == std::pair<size_t, size_t>{0, 3});
}

TEST_CASE("ESEARCH PARTIAL return data (RFC 9394 §3)") {
  std::vector<uint32_t> hits(10);
  std::iota(hits.begin(), hits.end(), 101);  // UIDs 101..110
  SearchReturn p;
  p.partial = PartialRange{1, 3};
  CHECK(esearch(p, hits) == "* ESEARCH (TAG \"T\") UID PARTIAL (1:3 101:103)\r\n");
  p.partial = PartialRange{-1, -2};
  p.count = true;
  p.min = true;
  CHECK(esearch(p, hits) == "* ESEARCH (TAG \"T\") UID MIN 101 PARTIAL (-1:-2 109:110) COUNT 10\r\n");
  p = SearchReturn{};
  p.partial = PartialRange{20, 11};
  CHECK(esearch(p, hits) == "* ESEARCH (TAG \"T\") UID PARTIAL (11:20 NIL)\r\n");
  CHECK(esearch(p, {}) == "* ESEARCH (TAG \"T\") UID PARTIAL (11:20 NIL)\r\n");
  // ESORT: positions in sort order, the set keeps that order.
  p.partial = PartialRange{2, 4};
  CHECK(esearch(p, {7, 3, 4, 5, 1}, false) == "* ESEARCH (TAG \"T\") UID PARTIAL (2:4 3:5)\r\n");
  p.partial = PartialRange{-1, -3};
  CHECK(esearch(p, {7, 3, 4, 5, 1}, false) == "* ESEARCH (TAG \"T\") UID PARTIAL (-1:-3 4:5,1)\r\n");
  CHECK(p.reports());
}

}  // namespace protocol_imap_partial_test
