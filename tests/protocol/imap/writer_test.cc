// Response helpers: strings, literals, flag lists, dates; RFC 5530 codes and
// the per-command table.
#include <doctest/doctest.h>

#include <array>
#include <string>

#include "protocol/imap/command_table.h"
#include "protocol/imap/response_code.h"
#include "protocol/imap/writer.h"

namespace protocol_imap_writer_test {

namespace imap = loft::proto::imap;
using loft::Errc;
using namespace std::literals;

namespace {

template <class F, class... A>
std::string out(F f, A... a) {
  std::string s = "x";
  f(&s, a...);
  return s;
}

}  // namespace

TEST_CASE("append_quoted escapes quotes and backslashes") {
  CHECK(out(imap::append_quoted, "a\"b\\c"sv) == "x\"a\\\"b\\\\c\"");
  CHECK(out(imap::append_quoted, ""sv) == "x\"\"");
}

TEST_CASE("append_literal_header writes {N} and CRLF") {
  CHECK(out(imap::append_literal_header, uint64_t{0}) == "x{0}\r\n");
  CHECK(out(imap::append_literal_header, uint64_t{123456789012}) == "x{123456789012}\r\n");
}

TEST_CASE("append_string quotes safe short strings and sends others as literals") {
  CHECK(out(imap::append_string, "hello world"sv) == "x\"hello world\"");
  CHECK(out(imap::append_string, "a\r\nb"sv) == "x{4}\r\na\r\nb");
  CHECK(out(imap::append_string, "caf\xc3\xa9"sv) == "x{5}\r\ncaf\xc3\xa9");
  CHECK(out(imap::append_string, "a\0b"sv) == "x{3}\r\na\0b"s);
  std::string longs(imap::kMaxQuoted + 1, 'a');
  CHECK(out(imap::append_string, std::string_view(longs)) == "x{257}\r\n" + longs);
  std::string maxs(imap::kMaxQuoted, 'a');
  CHECK(out(imap::append_string, std::string_view(maxs)) == "x\"" + maxs + "\"");
}

TEST_CASE("append_astring uses an atom when it can") {
  CHECK(out(imap::append_astring, "INBOX"sv) == "xINBOX");
  CHECK(out(imap::append_astring, "a]b"sv) == "xa]b");
  CHECK(out(imap::append_astring, "Sent Items"sv) == "x\"Sent Items\"");
  CHECK(out(imap::append_astring, ""sv) == "x\"\"");
  CHECK(out(imap::append_astring, "nil"sv) == "x\"nil\"");
  CHECK(out(imap::append_astring, "a*"sv) == "x\"a*\"");
}

TEST_CASE("append_nstring writes NIL for nothing") {
  CHECK(out(imap::append_nstring, std::optional<std::string_view>{}) == "xNIL");
  CHECK(out(imap::append_nstring, std::optional<std::string_view>{"NIL"}) == "x\"NIL\"");
}

TEST_CASE("append_flag_list joins flags in parentheses") {
  std::array<std::string_view, 3> flags{"\\Seen", "\\Answered", "$Junk"};
  std::string s;
  imap::append_flag_list(&s, flags);
  CHECK(s == "(\\Seen \\Answered $Junk)");
  s.clear();
  imap::append_flag_list(&s, {});
  CHECK(s == "()");
}

TEST_CASE("format_internal_date follows the RFC 3501 date-time form") {
  // 1996-07-17 09:44:25 UTC, shown at -0700 (the RFC 3501 example).
  CHECK(imap::format_internal_date(837596665, -7 * 60) == "17-Jul-1996 02:44:25 -0700");
  CHECK(imap::format_internal_date(0, 0) == " 1-Jan-1970 00:00:00 +0000");
  CHECK(imap::format_internal_date(951782400, 0) == "29-Feb-2000 00:00:00 +0000");
  CHECK(imap::format_internal_date(-1, 0) == "31-Dec-1969 23:59:59 +0000");
  CHECK(imap::format_internal_date(1700000000, 330) == "15-Nov-2023 03:43:20 +0530");
  CHECK(imap::format_internal_date(0, -30) == "31-Dec-1969 23:30:00 -0030");
  CHECK(imap::format_internal_date(INT64_MAX, 0) == "31-Dec-9999 23:59:59 +0000");
  CHECK(imap::format_internal_date(INT64_MIN, 0) == " 1-Jan-0000 00:00:00 +0000");
  CHECK(imap::format_internal_date(0, 100000) == " 5-Jan-1970 03:59:00 +9959");  // zone clamped
}

TEST_CASE("every Errc maps to its RFC 5530 response code and NO or BAD") {
  CHECK(imap::response_code(Errc::temp) == "UNAVAILABLE"sv);
  CHECK(imap::response_code(Errc::not_found) == "NONEXISTENT"sv);
  CHECK(imap::response_code(Errc::exists) == "ALREADYEXISTS"sv);
  CHECK(imap::response_code(Errc::perm) == "NOPERM"sv);
  CHECK(imap::response_code(Errc::no_quota) == "OVERQUOTA"sv);
  CHECK(imap::response_code(Errc::expunged) == "EXPUNGEISSUED"sv);
  CHECK(imap::response_code(Errc::in_use) == "INUSE"sv);
  CHECK(imap::response_code(Errc::limit) == "LIMIT"sv);
  CHECK(imap::response_code(Errc::too_big) == "TOOBIG"sv);
  CHECK(imap::response_code(Errc::bad_input) == "CANNOT"sv);
  CHECK(imap::response_code(Errc::internal) == "SERVERBUG"sv);
  CHECK(imap::answered_bad(Errc::bad_input));
  CHECK_FALSE(imap::answered_bad(Errc::not_found));
  std::string s;
  imap::append_error_response(&s, "a1", loft::make_error(Errc::not_found, "No such\r\nmailbox"));
  CHECK(s == "a1 NO [NONEXISTENT] No such  mailbox\r\n");
  s.clear();
  imap::append_error_response(&s, "a2", loft::make_error(Errc::bad_input, "Bad name"));
  CHECK(s == "a2 BAD [CANNOT] Bad name\r\n");
}

TEST_CASE("the command table knows names, states and sequence-number use") {
  using imap::CommandBody;
  const auto& fetch = imap::command_info(CommandBody{imap::CmdFetch{}});
  CHECK(fetch.name == "FETCH"sv);
  CHECK(fetch.uses_msn);
  CHECK(imap::allowed_in(fetch, imap::kSelected));
  CHECK_FALSE(imap::allowed_in(fetch, imap::kAuthenticated));
  imap::CmdFetch uid_fetch;
  uid_fetch.uid = true;
  CHECK(imap::command_info(CommandBody{uid_fetch}).name == "UID FETCH"sv);
  CHECK_FALSE(imap::command_info(CommandBody{uid_fetch}).uses_msn);
  imap::CmdSelect examine;
  examine.read_only = true;
  CHECK(imap::command_info(CommandBody{examine}).name == "EXAMINE"sv);
  CHECK(imap::command_info(CommandBody{imap::CmdSelect{}}).name == "SELECT"sv);
  CHECK(imap::command_info(CommandBody{imap::CmdSelect{}}).states == (imap::kAuthenticated | imap::kSelected));
  // RFC 4978 §3: COMPRESS after login only.
  CHECK(imap::command_info(CommandBody{imap::CmdCompress{}}).name == "COMPRESS"sv);
  CHECK(imap::command_info(CommandBody{imap::CmdCompress{}}).states == (imap::kAuthenticated | imap::kSelected));
  for (const CommandBody& b : {CommandBody{imap::CmdLogin{}}, CommandBody{imap::CmdAuthenticate{}},
                               CommandBody{imap::CmdStartTls{}}}) {
    CHECK(imap::command_info(b).states == imap::kNotAuthenticated);
  }
  for (const CommandBody& b : {CommandBody{imap::CmdCapability{}}, CommandBody{imap::CmdNoop{}},
                               CommandBody{imap::CmdLogout{}}}) {
    CHECK(imap::command_info(b).states == imap::kAnyState);
    CHECK_FALSE(imap::command_info(b).uses_msn);
  }
}

}  // namespace protocol_imap_writer_test
