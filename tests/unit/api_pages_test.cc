// Issue 16: every list route answers one bounded page (offset/limit, or
// after_seq/limit for the journal events), says where the next page starts,
// and refuses paging parameters it cannot honour with a 400 naming them.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "api_fixture.h"
#include "server/openapi.h"

namespace pb::server::api_test {
namespace {

// A paged list route: its path, the reply's member, and how an entry's id is read.
struct ListRoute {
  std::string path, member;
  bool entries_are_members;  // /api/balances: {"id":"eth",…}; the others: [{…"<id_key>":"id"…},…]
  std::string id_key;
};
const std::vector<ListRoute> kListRoutes = {
    {"/api/orchestrators", "orchestrators", false, "orchestrator_id"},
    {"/api/workloads", "workloads", false, "workload_id"},
    {"/api/balances", "balances", true, ""},
};

// One page as a client sees it.
struct PageSeen {
  int status = 0;
  std::vector<std::string> ids;
  uint64_t total = 0, offset = 0, limit = 0;
  bool last = false;  // next_offset is null
  uint64_t next_offset = 0;
  std::string body;
};

class ApiPages : public ApiTest {
 protected:
  // Orchestrators o-<from>..o-<to - 1>, each credited once by w-<same>, so
  // that every list gains to - from entries; written through the ledger and
  // durable on return.
  void Grow(int from, int to) {
    uint64_t last = 0;
    for (int i = from; i < to; ++i) {
      ledger_->Register(Name("o-", i));
      last = ledger_->Credit(Name("w-", i), Name("o-", i), "0.001");
    }
    ASSERT_TRUE(ledger_->WaitDurable(last));
  }
  static std::string Name(const char* prefix, int i) {
    std::string digits = std::to_string(i);
    return prefix + std::string(4 - std::min<size_t>(4, digits.size()), '0') + digits;
  }

  PageSeen Fetch(const ListRoute& route, const std::string& query) {
    PageSeen page;
    Reply reply = Get(route.path + query);
    page.status = reply.response.status;
    page.body = reply.response.body;
    if (page.status != 200) return page;
    auto j = Parse(reply.response.body);
    if (route.entries_are_members) {
      for (auto [id, value] : simdjson::dom::object((*j)[route.member])) page.ids.emplace_back(id);
    } else {
      for (auto entry : simdjson::dom::array((*j)[route.member])) page.ids.push_back(Str(entry[route.id_key]));
    }
    page.total = uint64_t((*j)["total"]);
    page.offset = uint64_t((*j)["offset"]);
    page.limit = uint64_t((*j)["limit"]);
    page.last = (*j)["next_offset"].is_null();
    if (!page.last) page.next_offset = uint64_t((*j)["next_offset"]);
    return page;
  }
  // GET route+query answers `count` entries from Grow()'s entry `first` on,
  // and next_offset `next` (nullopt: null, the last page).
  void ExpectPage(const ListRoute& route, const std::string& query, size_t count, int first,
                  std::optional<uint64_t> next) {
    PageSeen page = Fetch(route, query);
    const std::string where = route.path + query;
    ASSERT_EQ(page.status, 200) << where << ": " << page.body;
    ASSERT_EQ(page.ids.size(), count) << where;
    if (count > 0) {
      EXPECT_EQ(page.ids.front(), Expected(route, first)) << where;
      EXPECT_EQ(page.ids.back(), Expected(route, first + static_cast<int>(count) - 1)) << where;
    }
    EXPECT_EQ(page.last, !next.has_value()) << where << ": " << page.body;
    if (next) {
      EXPECT_EQ(page.next_offset, *next) << where;
    }
  }
  // The id of entry `i` of Grow() in `route`'s list.
  static std::string Expected(const ListRoute& route, int i) {
    return Name(route.member == "workloads" ? "w-" : "o-", i);
  }
};

TEST_F(ApiPages, ARequestWithoutParametersGetsTheFirst100EntriesAndWhereTheNextPageStarts) {
  Grow(0, 1050);  // more than the largest page
  for (const auto& route : kListRoutes) {
    PageSeen page = Fetch(route, "");
    ASSERT_EQ(page.status, 200) << route.path << ": " << page.body;
    ASSERT_EQ(page.ids.size(), 100u) << route.path;
    EXPECT_EQ(page.ids.front(), Expected(route, 0)) << route.path;
    EXPECT_EQ(page.ids.back(), Expected(route, 99)) << route.path;
    EXPECT_EQ(page.total, 1050u) << route.path;
    EXPECT_EQ(page.offset, 0u) << route.path;
    EXPECT_EQ(page.limit, 100u) << route.path;
    EXPECT_FALSE(page.last) << route.path;
    EXPECT_EQ(page.next_offset, 100u) << route.path;
  }
}

TEST_F(ApiPages, TheLargestPageHoldsAtMost1000Entries) {
  Grow(0, 1050);
  for (const auto& route : kListRoutes) {
    ExpectPage(route, "?limit=1000", 1000, 0, 1000);
    ExpectPage(route, "?offset=1000&limit=1000", 50, 1000, std::nullopt);
  }
}

TEST_F(ApiPages, NextAndLastPages) {
  Grow(0, 25);
  for (const auto& route : kListRoutes) {
    ExpectPage(route, "?offset=10&limit=10", 10, 10, 20);
    ExpectPage(route, "?offset=20&limit=10", 5, 20, std::nullopt);
    ExpectPage(route, "?offset=15&limit=10", 10, 15, std::nullopt);  // a page that reaches the end is the last
    for (const std::string query : {"?offset=25", "?offset=26&limit=1", "?offset=4294967295&limit=1000"}) {
      ExpectPage(route, query, 0, 0, std::nullopt);
      EXPECT_EQ(Fetch(route, query).total, 25u) << route.path << query;
    }
  }
}

TEST_F(ApiPages, FollowingNextOffsetVisitsEveryEntryOnceWhileEntriesArrive) {
  Grow(0, 40);
  int grown_to = 1000;  // entries 1000.. are added while a list is being read
  for (const auto& route : kListRoutes) {
    std::vector<std::string> seen;
    uint64_t offset = 0;
    for (int pages = 1;; ++pages) {
      ASSERT_LT(pages, 100) << route.path << ": next_offset never became null";
      PageSeen page = Fetch(route, "?offset=" + std::to_string(offset) + "&limit=7");
      ASSERT_EQ(page.status, 200) << route.path << ": " << page.body;
      seen.insert(seen.end(), page.ids.begin(), page.ids.end());
      if (page.last) break;
      EXPECT_EQ(page.next_offset, offset + 7) << route.path;
      offset = page.next_offset;
      if (pages == 3) {
        Grow(grown_to, grown_to + 5);
        grown_to += 5;
      }
    }
    std::vector<std::string> expected;
    for (int i = 0; i < 40; ++i) expected.push_back(Expected(route, i));
    for (int i = 1000; i < grown_to; ++i) expected.push_back(Expected(route, i));
    EXPECT_EQ(seen, expected) << route.path;
  }
}

// limit above the maximum, and every other value or form a client might send.
TEST_F(ApiPages, BadPagingParametersAre400NamingTheParameterAndItsRange) {
  Grow(0, 3);
  const auto before = Snap();
  struct Bad {
    std::string query, parameter, range;
  };
  const std::vector<Bad> bad = {
      {"?limit=1001", "limit", "from 1 to 1000"},
      {"?limit=5000", "limit", "from 1 to 1000"},
      {"?limit=0", "limit", "from 1 to 1000"},
      {"?limit=", "limit", "from 1 to 1000"},
      {"?limit", "limit", "from 1 to 1000"},
      {"?limit=-1", "limit", "from 1 to 1000"},
      {"?limit=+5", "limit", "from 1 to 1000"},
      {"?limit=%35", "limit", "from 1 to 1000"},
      {"?limit=1e3", "limit", "from 1 to 1000"},
      {"?limit=0x10", "limit", "from 1 to 1000"},
      {"?limit=5.0", "limit", "from 1 to 1000"},
      {"?limit=%205", "limit", "from 1 to 1000"},
      {"?limit=ten", "limit", "from 1 to 1000"},
      {"?limit=18446744073709551617", "limit", "from 1 to 1000"},
      {"?limit=5&limit=2000", "limit", "more than once"},
      {"?limit=5&limit=5", "limit", "more than once"},
      {"?offset=-1", "offset", "from 0 to 4294967295"},
      {"?offset=", "offset", "from 0 to 4294967295"},
      {"?offset=4294967296", "offset", "from 0 to 4294967295"},
      {"?offset=99999999999999999999999", "offset", "from 0 to 4294967295"},
      {"?offset=1.5", "offset", "from 0 to 4294967295"},
      {"?offset=abc&limit=5", "offset", "from 0 to 4294967295"},
      {"?offset=1&offset=2", "offset", "more than once"},
  };
  for (const auto& route : kListRoutes) {
    for (const auto& b : bad) {
      Reply reply = Get(route.path + b.query);
      EXPECT_EQ(reply.response.status, 400) << route.path << b.query << ": " << reply.response.body;
      ExpectErrorShape(reply);
      const std::string message = ErrorMessage(reply);
      EXPECT_NE(message.find("'" + b.parameter + "'"), std::string::npos) << route.path << b.query << ": " << message;
      EXPECT_NE(message.find(b.range), std::string::npos) << route.path << b.query << ": " << message;
    }
  }
  for (const std::string query : {"?limit=1001", "?limit=0", "?limit=", "?after_seq=-1", "?after_seq=1&after_seq=2",
                                  "?limit=1&limit=1"}) {
    Reply reply = Get("/api/ledger/events" + query);
    EXPECT_EQ(reply.response.status, 400) << query << ": " << reply.response.body;
    ExpectErrorShape(reply);
  }
  EXPECT_EQ(Snap(), before);
}

TEST_F(ApiPages, TheBoundsAreAcceptedAndUnknownQueryParametersAre400NamingThem) {
  Grow(0, 10);
  for (const auto& route : kListRoutes) {
    for (const std::string query : {"?limit=1", "?limit=1000", "?offset=0", "?offset=3&limit=2"}) {
      PageSeen page = Fetch(route, query);
      EXPECT_EQ(page.status, 200) << route.path << query << ": " << page.body;
    }
    EXPECT_EQ(Fetch(route, "?offset=007&limit=001").ids, std::vector<std::string>{Expected(route, 7)}) << route.path;
    // A typo would otherwise answer the default page as if it were asked for.
    for (const auto& [query, name] : std::vector<std::pair<std::string, std::string>>{
             {"?limt=5", "limt"}, {"?x=1&limit=2", "x"}, {"?offset=0&limitx=9999", "limitx"}, {"?after_seq=3", "after_seq"}}) {
      Reply reply = Get(route.path + query);
      EXPECT_EQ(reply.response.status, 400) << route.path << query << ": " << reply.response.body;
      ExpectErrorShape(reply);
      const std::string message = ErrorMessage(reply);
      EXPECT_NE(message.find("unknown query parameter '" + name + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("offset, limit"), std::string::npos) << message;
    }
  }
  Reply events = Get("/api/ledger/events?offset=5");
  EXPECT_EQ(events.response.status, 400) << events.response.body;
  EXPECT_NE(ErrorMessage(events).find("after_seq, limit"), std::string::npos) << events.response.body;
}

TEST_F(ApiPages, EventsSayWhetherMoreDurableRecordsFollow) {
  Grow(0, 60);  // seq 1..120
  auto first = Parse(Get("/api/ledger/events").response.body);
  EXPECT_EQ(simdjson::dom::array((*first)["events"]).size(), 100u);
  EXPECT_EQ(uint64_t((*first)["next_after_seq"]), 100u);
  EXPECT_TRUE(bool((*first)["more"]));
  auto last = Parse(Get("/api/ledger/events?after_seq=100&limit=1000").response.body);
  EXPECT_EQ(simdjson::dom::array((*last)["events"]).size(), 20u);
  EXPECT_EQ(uint64_t((*last)["next_after_seq"]), 120u);
  EXPECT_FALSE(bool((*last)["more"]));
  auto exact = Parse(Get("/api/ledger/events?after_seq=110&limit=10").response.body);
  EXPECT_FALSE(bool((*exact)["more"])) << "the page reached the last durable record";
  auto past = Parse(Get("/api/ledger/events?after_seq=500").response.body);
  EXPECT_EQ(simdjson::dom::array((*past)["events"]).size(), 0u);
  EXPECT_FALSE(bool((*past)["more"]));
}

// The OpenAPI document describes the paging of every list route.
TEST_F(ApiPages, TheOpenApiDocumentDeclaresThePagingOfEveryListRoute) {
  auto doc = Parse(OpenApiDocument());
  simdjson::dom::element limit = (*doc)["components"]["parameters"]["Limit"]["schema"];
  EXPECT_EQ(uint64_t(limit["maximum"]), 1000u);
  EXPECT_EQ(uint64_t(limit["default"]), 100u);
  EXPECT_EQ(uint64_t(limit["minimum"]), 1u);
  EXPECT_EQ(uint64_t((*doc)["components"]["parameters"]["Offset"]["schema"]["maximum"]), 4294967295u);
  for (const std::string path : {"/api/orchestrators", "/api/workloads", "/api/balances", "/api/ledger/events"}) {
    simdjson::dom::element get = (*doc)["paths"][path]["get"];
    std::vector<std::string> parameters;
    for (auto p : simdjson::dom::array(get["parameters"])) {
      std::string_view ref;
      parameters.push_back(p["$ref"].get_string().get(ref) == simdjson::SUCCESS ? std::string(ref) : Str(p["name"]));
    }
    EXPECT_NE(std::find(parameters.begin(), parameters.end(), "#/components/parameters/Limit"), parameters.end())
        << path;
    EXPECT_NE(Str(get["responses"]["400"]["$ref"]), "") << path;
    const std::string schema = Str(get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]);
    EXPECT_NE(schema.find("Page"), std::string::npos) << path << ": " << schema;
  }
}

}  // namespace
}  // namespace pb::server::api_test
