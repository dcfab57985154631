// Chooses the protocol Session for a new connection by its listener.
#pragma once

#include <memory>

#include "server/session.h"

namespace loft::server {

class Connection;

// A session for the connection's listener protocol. over_limit: the server is
// full; the session only says so (e.g. "* BYE Too many connections").
std::unique_ptr<Session> make_session(Connection& conn, bool over_limit);

}  // namespace loft::server
