// server::ParseListenAddress and ConnectionCap: what payments-backend
// accepts for --listen and how many connections its descriptors allow.
#include <gtest/gtest.h>

#include "server/listen_address.h"
#include "server/open_files.h"

namespace pb::server {
namespace {

TEST(ListenAddress, AcceptsIpv4LocalhostAndBracketedIpv6) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  };
  for (const Case& c : {Case{"127.0.0.1:8081", "127.0.0.1", 8081}, Case{"localhost:80", "127.0.0.1", 80},
                        Case{"[::1]:8081", "::1", 8081}, Case{"0.0.0.0:65535", "0.0.0.0", 65535},
                        Case{"127.0.0.1:0", "127.0.0.1", 0}, Case{"10.1.2.3:00443", "10.1.2.3", 443}}) {
    SCOPED_TRACE(c.text);
    auto a = ParseListenAddress(c.text);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
  }
}

TEST(ListenAddress, RefusesWhatWouldWrapOrGuess) {
  for (const char* text : {"127.0.0.1:4294988398", "127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:123456",
                           "127.0.0.1:", ":8081", "[]:8081", "127.0.0.1:+80", "127.0.0.1:-1", "127.0.0.1: 80",
                           "127.0.0.1:80 ", "127.0.0.1:0x50", "127.0.0.1", "", ":", "host.example:80", "::1:8081",
                           "[127.0.0.1]:80", "127.0.0.1.5:80", " 127.0.0.1:80"}) {
    SCOPED_TRACE(text);
    auto a = ParseListenAddress(text);
    ASSERT_FALSE(a.ok()) << "accepted as " << a->host << " port " << a->port;
    EXPECT_EQ(a.status().kind(), Status::Kind::kInvalidArgument);
    EXPECT_NE(a.status().message().find("expected HOST:PORT"), std::string::npos) << a.status().message();
  }
}

TEST(ListenAddress, LoopbackIs127Slash8AndIpv6One) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.8.9.10"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
}

TEST(ConnectionCap, TheLimitMinusTheReserveUnlessLess) {
  EXPECT_EQ(*ConnectionCap(1024, 128, 0), 896u);
  EXPECT_EQ(*ConnectionCap(1024, 128, 500), 500u);
  EXPECT_EQ(*ConnectionCap(1024, 128, 896), 896u);
  auto too_many = ConnectionCap(1024, 128, 897);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("use at most 896"), std::string::npos) << too_many.status().message();
  auto no_room = ConnectionCap(100, 128, 0);
  ASSERT_FALSE(no_room.ok());
  EXPECT_NE(no_room.status().message().find("ulimit -n"), std::string::npos) << no_room.status().message();
}

}  // namespace
}  // namespace pb::server
