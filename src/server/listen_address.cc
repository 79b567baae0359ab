#include "server/listen_address.h"

#include <boost/asio/ip/address.hpp>

namespace pb::server {
namespace {

Status Bad(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("--listen '" + std::string(text) + "': " + why +
                                 "; expected HOST:PORT, e.g. 127.0.0.1:8081 or [::1]:8081");
}

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Bad(text, "no ':' before the port");
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (port.empty()) return Bad(text, "the port is missing");
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return Bad(text, "the port must be a number from 0 to 65535, in digits only");
  }
  uint32_t value = 0;
  for (char c : port) value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value > 65535) return Bad(text, "the port must be a number from 0 to 65535");
  ListenAddress out;
  out.port = static_cast<uint16_t>(value);
  bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (host.empty()) return Bad(text, "the host is missing");
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return Bad(text, "'" + std::string(host) + "' is not an IP address (or localhost)");
  if (address.is_v6() != bracketed) {
    return Bad(text, address.is_v6() ? "an IPv6 address goes in brackets, e.g. [::1]:8081"
                                     : "only an IPv6 address goes in brackets");
  }
  out.host = std::string(host);
  return out;
}

bool IsLoopbackHost(const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace pb::server
