// POP3 responses: status lines, RFC 2449 response codes, error mapping, CAPA.
#include <doctest/doctest.h>

#include <string>

#include "protocol/pop3/response.h"

namespace protocol_pop3_response_test {

using namespace loft;
using namespace loft::proto::pop3;

TEST_CASE("pop3 responses: +OK and -ERR lines") {
  CHECK(ok("") == "+OK\r\n");
  CHECK(ok("2 320") == "+OK 2 320\r\n");
  CHECK(err("no such message") == "-ERR no such message\r\n");
  CHECK(err(RespCode::in_use, "locked") == "-ERR [IN-USE] locked\r\n");
  CHECK(err(RespCode::auth, "Authentication failed.") == "-ERR [AUTH] Authentication failed.\r\n");
  CHECK(err(RespCode::sys_temp, "") == "-ERR [SYS/TEMP]\r\n");
  CHECK(err(RespCode::none, "x") == "-ERR x\r\n");
  // No text can start a new response line.
  CHECK(ok("a\r\n+OK forged") == "+OK a  +OK forged\r\n");
  CHECK(err("a\nb") == "-ERR a b\r\n");
}

TEST_CASE("pop3 responses: code names (RFC 2449 §8, RFC 3206)") {
  CHECK(std::string(resp_code_name(RespCode::none)).empty());
  CHECK(std::string(resp_code_name(RespCode::in_use)) == "IN-USE");
  CHECK(std::string(resp_code_name(RespCode::login_delay)) == "LOGIN-DELAY");
  CHECK(std::string(resp_code_name(RespCode::sys_temp)) == "SYS/TEMP");
  CHECK(std::string(resp_code_name(RespCode::sys_perm)) == "SYS/PERM");
  CHECK(std::string(resp_code_name(RespCode::auth)) == "AUTH");
}

TEST_CASE("pop3 responses: errors map once") {
  CHECK(error_response({Errc::temp, "disk busy"}) == "-ERR [SYS/TEMP] disk busy\r\n");
  CHECK(error_response({Errc::internal, "corrupt"}) == "-ERR [SYS/TEMP] corrupt\r\n");
  CHECK(error_response({Errc::in_use, "locked"}) == "-ERR [IN-USE] locked\r\n");
  CHECK(error_response({Errc::perm, "no"}) == "-ERR [SYS/PERM] no\r\n");
  CHECK(error_response({Errc::not_found, "no such message"}) == "-ERR no such message\r\n");
  CHECK(error_response({Errc::expunged, "gone"}) == "-ERR gone\r\n");
}

TEST_CASE("pop3 responses: CAPA (RFC 2449 §5)") {
  std::string capa = capa_response({false, "Loft"});
  CHECK(capa ==
        "+OK Capability list follows\r\nCAPA\r\nTOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
        "PIPELINING\r\nSASL PLAIN LOGIN\r\nEXPIRE NEVER\r\nLOGIN-DELAY 0\r\nIMPLEMENTATION Loft\r\n.\r\n");
  std::string with_stls = capa_response({true, ""});
  CHECK(with_stls.find("\r\nSTLS\r\n") != std::string::npos);
  CHECK(with_stls.find("IMPLEMENTATION") == std::string::npos);
  CHECK(with_stls.size() > 5);
  CHECK(with_stls.substr(with_stls.size() - 5) == "\r\n.\r\n");
}

TEST_CASE("pop3 responses: short multi-line lists") {
  CHECK(multiline("2 messages (320 octets)", {"1 120", "2 200"}) ==
        "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n");
  CHECK(multiline("", {}) == "+OK\r\n.\r\n");
}

}  // namespace protocol_pop3_response_test
