// Internal to server/: one admitted client connection.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "server/server_impl.h"

namespace pb::server {

// Serves `socket` until it closes: waits for a request under the idle
// timeout, reads its header and body under their timeouts, answers a
// malformed or too slow request itself (400, 408, 413, 431, then closes),
// hands the others to the API (HEAD as GET, without the body) and writes
// each answer under the write timeout, keep-alive. Counts what it closes in
// the server's stats. REQUIRES: the socket was counted as open (Admit);
// the session uncounts it when it closes.
void StartSession(boost::asio::ip::tcp::socket socket, HttpServer::Impl* server);

}  // namespace pb::server
