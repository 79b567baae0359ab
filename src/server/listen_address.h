// The --listen value of payments-backend: parsed strictly, so that a typo
// is refused at start instead of listening somewhere else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::server {

struct ListenAddress {
  std::string host;  // an IP address ("localhost" becomes 127.0.0.1; IPv6 without brackets)
  uint16_t port = 0;
};

// "HOST:PORT" with HOST an IPv4 address, "localhost" or a bracketed IPv6
// address ("[::1]:8081"), and PORT 0 to 65535 in decimal digits only (no
// sign, no blanks, at most 5 digits). Errors: InvalidArgument naming what
// is wrong and showing the expected form.
Result<ListenAddress> ParseListenAddress(std::string_view text);

// True for 127.0.0.0/8 and ::1. REQUIRES: `host` came from ParseListenAddress.
bool IsLoopbackHost(const std::string& host);

}  // namespace pb::server
