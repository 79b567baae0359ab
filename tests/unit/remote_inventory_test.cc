// The inventory: defaults, groups, and every hostile value refused before
// anything runs (docs/remote-operations.md, "Inventory").
#include <gtest/gtest.h>

#include <string>

#include "remote/inventory.h"

namespace pb::remote {
namespace {

std::string One(const std::string& fields) { return "{\"prod\": {" + fields + "}}"; }

TEST(InventoryTest, DefaultsApply) {
  auto inv = ParseInventory(One(R"("host": "203.0.113.10", "remote_path": "/home/ubuntu/payments/backend/")"));
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  const Target& t = inv->targets.at("prod");
  EXPECT_EQ(t.name, "prod");
  EXPECT_EQ(t.user, "ubuntu");
  EXPECT_EQ(t.port, 22);
  EXPECT_EQ(t.remote_path, "/home/ubuntu/payments/backend");
  EXPECT_EQ(t.DataDir(), "/home/ubuntu/payments/backend/data");
  EXPECT_EQ(t.compose, (std::vector<std::string>{"docker", "compose"}));
  EXPECT_EQ(t.health_url, "http://127.0.0.1:8081/health");
  EXPECT_EQ(t.Address(), "ubuntu@203.0.113.10:22");
}

TEST(InventoryTest, AllFieldsAndGroups) {
  auto inv = ParseInventory(R"({
    "a": {"host": "a.example.net", "user": "deploy", "port": 2222, "remote_path": "/srv/p",
          "compose": "/usr/local/bin/podman-compose --in-pod false", "health_url": "http://localhost:9000/health",
          "data_owner": "10001:10001"},
    "b": {"host": "::1", "remote_path": "/srv/q"},
    "all": ["a", "b"]})");
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  const Target& a = inv->targets.at("a");
  EXPECT_EQ(a.port, 2222);
  EXPECT_EQ(a.compose, (std::vector<std::string>{"/usr/local/bin/podman-compose", "--in-pod", "false"}));
  EXPECT_EQ(a.data_owner, "10001:10001");
  auto both = ResolveTargets(*inv, "all");
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  auto again = ResolveTargets(*inv, "b,all,a");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].name, "b");
  EXPECT_EQ((*again)[1].name, "a");
}

TEST(InventoryTest, UnknownTargetListsTheKnownOnes) {
  auto inv = ParseInventory(One(R"("host": "h", "remote_path": "/p")"));
  ASSERT_TRUE(inv.ok());
  auto r = ResolveTargets(*inv, "prd");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown target \"prd\""), std::string::npos);
  EXPECT_NE(r.status().message().find("prod"), std::string::npos);
  EXPECT_FALSE(ResolveTargets(*inv, ",").ok());
}

TEST(InventoryTest, MissingFieldsAreNamed) {
  auto no_host = ParseInventory(One(R"("remote_path": "/p")"));
  ASSERT_FALSE(no_host.ok());
  EXPECT_NE(no_host.status().message().find("\"host\" is missing"), std::string::npos);
  auto no_path = ParseInventory(One(R"("host": "h")"));
  ASSERT_FALSE(no_path.ok());
  EXPECT_NE(no_path.status().message().find("\"remote_path\" is missing"), std::string::npos);
  auto typo = ParseInventory(One(R"("host": "h", "remote_path": "/p", "hots": "x")"));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("\"hots\" is unknown"), std::string::npos);
  EXPECT_FALSE(ParseInventory(R"({"g": ["nope"]})").ok());
  EXPECT_FALSE(ParseInventory("[1]").ok());
  EXPECT_FALSE(ParseInventory("{\"prod\": 3}").ok());
}

// Each hostile value is refused with the field named.
TEST(InventoryTest, HostileValuesAreRefused) {
  const char* hostile[] = {"a b",  "a'b",      "a\\\"b",   "$(touch /tmp/pwned)", "a;b", "`id`", "a\\nb",
                           "-oProxyCommand=x", "a|b", "a&b", "a>b", "*", "a$b", ""};
  for (const char* field : {"host", "user", "remote_path", "compose", "health_url", "data_owner"}) {
    for (const char* value : hostile) {
      std::string v = value;
      if (std::string(field) == "remote_path" || std::string(field) == "compose") v = "/srv/" + v;
      if (std::string(field) == "health_url") v = "http://127.0.0.1:8081/" + v;
      std::string fields = R"("host": "h", "remote_path": "/p")";
      fields += ", \"" + std::string(field) + "\": \"" + v + "\"";
      if (std::string(field) == "host" || std::string(field) == "remote_path") {
        fields = std::string(field) == "host" ? R"("remote_path": "/p", "host": ")" + v + "\""
                                              : R"("host": "h", "remote_path": ")" + v + "\"";
      }
      auto inv = ParseInventory(One(fields));
      if (v == "/srv/") continue;  // a plain directory, a plain path word
      if (std::string(field) == "compose" && std::string(value) == "a b") continue;  // two words
      if (std::string(field) == "health_url" && std::string(value).empty()) continue;  // ".../" is a path
      ASSERT_FALSE(inv.ok()) << field << " = " << v;
      EXPECT_EQ(inv.status().kind(), Status::Kind::kInvalidArgument);
      EXPECT_NE(inv.status().message().find(std::string("\"") + field + "\""), std::string::npos)
          << inv.status().message();
    }
  }
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "/p", "port": "22")")).ok());
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "/p", "port": 0)")).ok());
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "/p", "port": 65536)")).ok());
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "/p/../etc")")).ok());
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "relative/path")")).ok());
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "/p", "compose": "docker  compose")")).ok());
  EXPECT_FALSE(ParseInventory(One(R"("host": "h", "remote_path": "/p", "health_url": "http://10.0.0.1:80/h")")).ok());
  EXPECT_FALSE(ParseInventory(R"({"a b": {"host": "h", "remote_path": "/p"}})").ok());
}

}  // namespace
}  // namespace pb::remote
