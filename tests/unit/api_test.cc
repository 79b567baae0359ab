// The JSON API, in-process through Api::Handle (fixture: api_fixture.h).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api_fixture.h"
#include "server/openapi.h"

namespace pb::server::api_test {
namespace {

// ------------------------------------------------------------ service routes

TEST_F(ApiTest, HealthReportsOkAndTheJournalPositions) {
  Seed();
  Reply reply = Get("/health");
  EXPECT_EQ(reply.response.status, 200);
  EXPECT_EQ(reply.wait_seq, 0u);
  auto j = Parse(reply.response.body);
  EXPECT_EQ(Str((*j)["status"]), "ok");
  EXPECT_EQ(uint64_t((*j)["journal_seq"]), 4u);
  EXPECT_EQ(uint64_t((*j)["durable_seq"]), 4u);
  EXPECT_EQ(uint64_t((*j)["orchestrators"]), 2u);
  EXPECT_EQ(uint64_t((*j)["workloads"]), 2u);
}

TEST_F(ApiTest, OpenApiListsExactlyTheRoutesTheApiServes) {
  Seed();
  Reply reply = Get("/openapi.json");
  ASSERT_EQ(reply.response.status, 200);
  EXPECT_EQ(reply.response.body, OpenApiDocument());
  auto j = Parse(reply.response.body);
  const std::set<std::string> served = {
      "GET /health",
      "GET /health/primary",
      "GET /health/standby",
      "GET /openapi.json",
      "GET /metrics",
      "POST /api/orchestrators/register",
      "GET /api/orchestrators",
      "GET /api/orchestrators/{id}",
      "POST /api/workloads",
      "GET /api/workloads",
      "GET /api/workloads/{id}",
      "GET /api/workloads/summary",
      "GET /api/ledger/events",
      "GET /api/balances",
      "POST /api/ledger/adjustments",
  };
  std::set<std::string> documented;
  simdjson::dom::object paths;
  ASSERT_EQ((*j)["paths"].get_object().get(paths), simdjson::SUCCESS);
  for (auto [path, item] : paths) {
    simdjson::dom::object methods;
    ASSERT_EQ(item.get_object().get(methods), simdjson::SUCCESS);
    for (auto [method, op] : methods) {
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      documented.insert(upper + " " + std::string(path));
    }
  }
  EXPECT_EQ(documented, served);

  // Every documented operation is routed (neither 404 "no such route" nor 405).
  const std::map<std::string, std::string> bodies = {
      {"/api/orchestrators/register", RegisterBody("orch-2")},
      {"/api/workloads", WorkloadBody("w-9", "orch-1", "0.1")},
      {"/api/ledger/adjustments", AdjustBody("orch-1", "0.1")},
  };
  for (const auto& op : documented) {
    std::string method = op.substr(0, op.find(' '));
    std::string path = op.substr(op.find(' ') + 1);
    std::string target = path;
    if (auto at = target.find("{id}"); at != std::string::npos) {
      target.replace(at, 4, path.find("orchestrators") != std::string::npos ? "orch-1" : "w-1");
    }
    Reply r = method == "POST" ? Post(target, bodies.at(path)) : Get(target);
    if (op == "GET /health/standby") {  // routed; a node outside a cluster is a primary, not a standby
      EXPECT_EQ(r.response.status, 503) << r.response.body;
      EXPECT_NE(r.response.body.find("\"role\":\"primary\""), std::string::npos) << r.response.body;
      continue;
    }
    EXPECT_GE(r.response.status, 200) << op;
    EXPECT_LT(r.response.status, 300) << op << ": " << r.response.body;
  }
  // And what is not documented is not served.
  EXPECT_EQ(Call("PATCH", "/api/workloads/w-1", "{}").response.status, 405);
  EXPECT_EQ(Call("DELETE", "/api/balances").response.status, 405);
  EXPECT_EQ(Get("/api/ledger").response.status, 404);
  EXPECT_EQ(Get("/nope").response.status, 404);
}

// ------------------------------------------------------------ orchestrators

TEST_F(ApiTest, RegisterCreatesWith201AndReRegisterAnswers200WithCountTwo) {
  Reply first = Post("/api/orchestrators/register", RegisterBody("orch-1", kAddr1));
  ASSERT_EQ(first.response.status, 201) << first.response.body;
  auto a = Parse(first.response.body);
  EXPECT_EQ(Str((*a)["orchestrator_id"]), "orch-1");
  EXPECT_EQ(Str((*a)["address"]), kAddr1);
  EXPECT_EQ(uint64_t((*a)["registration_count"]), 1u);
  EXPECT_TRUE(bool((*a)["eligible_for_payments"]));
  EXPECT_FALSE(bool((*a)["denylisted"]));
  EXPECT_EQ(Str((*a)["balance"]), "0");

  Reply again = Post("/api/orchestrators/register", RegisterBody("orch-1", kAddr2));
  ASSERT_EQ(again.response.status, 200) << again.response.body;
  auto b = Parse(again.response.body);
  EXPECT_EQ(uint64_t((*b)["registration_count"]), 2u);
  EXPECT_EQ(Str((*b)["address"]), kAddr2);
  EXPECT_EQ(Str((*b)["registered_at"]), Str((*a)["registered_at"]));
  EXPECT_EQ((*ledger_)->last_seq(), 2u);
}

TEST_F(ApiTest, ListOrchestratorsShowsEveryOrchestratorWithItsBalance) {
  Seed();
  Reply reply = Get("/api/orchestrators");
  ASSERT_EQ(reply.response.status, 200);
  auto j = Parse(reply.response.body);
  simdjson::dom::array list = (*j)["orchestrators"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(Str(list.at(0)["orchestrator_id"]), "orch-1");
  EXPECT_EQ(Str(list.at(0)["balance"]), "1");
  EXPECT_EQ(Str(list.at(1)["orchestrator_id"]), "orch-full");
  EXPECT_EQ(Str(list.at(1)["balance"]), "1000000000000");
}

TEST_F(ApiTest, GetOrchestratorShowsItsBalanceOr404) {
  Seed();
  Post("/api/workloads", WorkloadBody("w-2", "orch-1", "0.000123"));
  Reply reply = Get("/api/orchestrators/orch-1");
  ASSERT_EQ(reply.response.status, 200);
  auto j = Parse(reply.response.body);
  EXPECT_EQ(Str((*j)["balance"]), "1.000123");
  EXPECT_EQ(Str((*j)["address"]), kAddr1);
  EXPECT_EQ(Get("/api/orchestrators/orch%2D1").response.body, reply.response.body);  // %-escapes decoded

  Reply missing = Get("/api/orchestrators/orch-404");
  EXPECT_EQ(missing.response.status, 404);
  ExpectErrorShape(missing);
}

// Found by the api_request fuzzer: an id from the path is echoed in the 404
// message, and a byte that is not UTF-8 made the answer invalid JSON.
TEST_F(ApiTest, AnswersAreJsonWhateverBytesThePathHolds) {
  for (const std::string& target : {std::string("/api/orchestrators/o\xb1x"), std::string("/api/workloads/w\xff\xfe"),
                                   std::string("/api/orchestrators/o%B1x"), std::string("/api/workloads/%ED%A0%80"),
                                   std::string("/api/orchestrators/\xe2\x82")}) {
    Reply reply = Get(target);
    EXPECT_GE(reply.response.status, 400) << target;
    ExpectErrorShape(reply);
  }
  // Well-formed UTF-8 is echoed as it is.
  Reply euro = Get("/api/orchestrators/%E2%82%AC");
  EXPECT_NE(euro.response.body.find("\xe2\x82\xac"), std::string::npos) << euro.response.body;
}

// ---------------------------------------------------------------- workloads

TEST_F(ApiTest, PostWorkloadCreditsOnceAndAnIdenticalRetryGetsTheSameAnswer) {
  Seed();
  const std::string body = R"({"workload_id":"w-2","orchestrator_id":"orch-1","amount":"0.000123","duration_ms":1500})";
  Reply first = Post("/api/workloads", body);
  ASSERT_EQ(first.response.status, 201) << first.response.body;
  auto j = Parse(first.response.body);
  EXPECT_EQ(Str((*j)["workload_id"]), "w-2");
  EXPECT_EQ(Str((*j)["orchestrator_id"]), "orch-1");
  EXPECT_EQ(Str((*j)["amount"]), "0.000123");
  EXPECT_EQ(uint64_t((*j)["duration_ms"]), 1500u);
  EXPECT_EQ(Str((*j)["status"]), "credited");
  EXPECT_TRUE(bool((*j)["credited"]));
  EXPECT_EQ(uint64_t((*j)["seq"]), first.wait_seq);

  const auto before = Snap();
  Reply retry = Post("/api/workloads", body);
  EXPECT_EQ(retry.response.status, 200);
  EXPECT_EQ(retry.response.body, first.response.body);
  EXPECT_EQ(Snap(), before);
  EXPECT_EQ(Str((*Parse(Get("/api/orchestrators/orch-1").response.body))["balance"]), "1.000123");
}

TEST_F(ApiTest, TheSameWorkloadIdWithADifferentBodyIsAConflict) {
  Seed();
  ASSERT_EQ(Post("/api/workloads", WorkloadBody("w-2", "orch-1", "0.5")).response.status, 201);
  const auto before = Snap();
  for (const std::string& body :
       {WorkloadBody("w-2", "orch-1", "0.6"), WorkloadBody("w-2", "orch-full", "0.5"),
        std::string(R"({"workload_id":"w-2","orchestrator_id":"orch-1","amount":"0.5","duration_ms":10})")}) {
    Reply reply = Post("/api/workloads", body);
    EXPECT_EQ(reply.response.status, 409) << body;
    ExpectErrorShape(reply);
  }
  EXPECT_EQ(Snap(), before);
}

TEST_F(ApiTest, AWorkloadForAnUnknownOrchestratorIs422) {
  Seed();
  const auto before = Snap();
  Reply reply = Post("/api/workloads", WorkloadBody("w-2", "orch-404", "1"));
  EXPECT_EQ(reply.response.status, 422);
  ExpectErrorShape(reply);
  EXPECT_EQ(Snap(), before);
}

TEST_F(ApiTest, ListWorkloadsPagesWithOffsetAndLimit) {
  Seed();
  for (int i = 2; i <= 5; ++i) Post("/api/workloads", WorkloadBody("w-" + std::to_string(i), "orch-1", "0.1"));
  Reply reply = Get("/api/workloads?offset=2&limit=2");
  ASSERT_EQ(reply.response.status, 200);
  auto j = Parse(reply.response.body);
  simdjson::dom::array page = (*j)["workloads"];
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(Str(page.at(0)["workload_id"]), "w-2");  // recording order: w-1, w-full, w-2, ...
  EXPECT_EQ(Str(page.at(1)["workload_id"]), "w-3");
  EXPECT_EQ(uint64_t((*j)["total"]), 6u);
  EXPECT_EQ(uint64_t((*j)["offset"]), 2u);
  EXPECT_EQ(uint64_t((*j)["limit"]), 2u);

  auto all = Parse(Get("/api/workloads").response.body);
  EXPECT_EQ(simdjson::dom::array((*all)["workloads"]).size(), 6u);
  EXPECT_EQ(uint64_t((*all)["limit"]), 100u);
  auto past = Parse(Get("/api/workloads?offset=10").response.body);
  EXPECT_EQ(simdjson::dom::array((*past)["workloads"]).size(), 0u);
}

TEST_F(ApiTest, GetWorkloadReturnsWhatThePostReturnedOr404) {
  Seed();
  Reply posted = Post("/api/workloads", WorkloadBody("w-2", "orch-1", "0.25"));
  Reply got = Get("/api/workloads/w-2");
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(got.response.body, posted.response.body);
  Reply missing = Get("/api/workloads/w-404");
  EXPECT_EQ(missing.response.status, 404);
  ExpectErrorShape(missing);
}

TEST_F(ApiTest, WorkloadSummaryCountsAndTotalsExactly) {
  Seed();
  Post("/api/workloads", WorkloadBody("w-2", "orch-1", "0.000000000000000001"));
  auto j = Parse(Get("/api/workloads/summary").response.body);
  EXPECT_EQ(uint64_t((*j)["total"]), 3u);
  EXPECT_EQ(uint64_t((*j)["credited"]), 3u);
  EXPECT_EQ(uint64_t((*j)["imported"]), 0u);
  EXPECT_EQ(Str((*j)["total_credited"]), "1000000000001.000000000000000001");
}

// ------------------------------------------------------------- ledger views

TEST_F(ApiTest, LedgerEventsPagesThroughJournalRecords) {
  Seed();  // seq 1..4
  Post("/api/ledger/adjustments", AdjustBody("orch-1", "-0.5", "payout"));  // seq 5
  auto p1 = Parse(Get("/api/ledger/events?after_seq=0&limit=2").response.body);
  simdjson::dom::array e1 = (*p1)["events"];
  ASSERT_EQ(e1.size(), 2u);
  EXPECT_EQ(uint64_t(e1.at(0)["seq"]), 1u);
  EXPECT_EQ(Str(e1.at(0)["type"]), "register");
  EXPECT_EQ(uint64_t(e1.at(1)["seq"]), 2u);
  EXPECT_EQ(Str(e1.at(1)["type"]), "workload");
  EXPECT_EQ(Str(e1.at(1)["amount"]), "1000000000000000000");  // journal bodies: integer wei
  EXPECT_EQ(uint64_t((*p1)["next_after_seq"]), 2u);

  auto p2 = Parse(Get("/api/ledger/events?after_seq=2&limit=2").response.body);
  simdjson::dom::array e2 = (*p2)["events"];
  ASSERT_EQ(e2.size(), 2u);
  EXPECT_EQ(uint64_t(e2.at(0)["seq"]), 3u);
  EXPECT_EQ(uint64_t((*p2)["next_after_seq"]), 4u);

  auto p3 = Parse(Get("/api/ledger/events?after_seq=4&limit=2").response.body);
  simdjson::dom::array e3 = (*p3)["events"];
  ASSERT_EQ(e3.size(), 1u);
  EXPECT_EQ(Str(e3.at(0)["type"]), "adjustment");
  EXPECT_EQ(Str(e3.at(0)["delta"]), "-500000000000000000");
  EXPECT_EQ(uint64_t((*p3)["next_after_seq"]), 5u);

  auto done = Parse(Get("/api/ledger/events?after_seq=5").response.body);
  EXPECT_EQ(simdjson::dom::array((*done)["events"]).size(), 0u);
  EXPECT_EQ(uint64_t((*done)["next_after_seq"]), 5u);
  auto all = Parse(Get("/api/ledger/events").response.body);
  EXPECT_EQ(simdjson::dom::array((*all)["events"]).size(), 5u);
}

TEST_F(ApiTest, LedgerEventsPageThroughManyRecordsWithoutGapsOrRepeats) {
  // More records than the journal index's stride (256), read while the
  // journal keeps growing.
  ASSERT_EQ(Post("/api/orchestrators/register", RegisterBody("orch-1")).response.status, 201);
  auto submit = [&](int from, int to) {
    uint64_t last = 0;
    for (int i = from; i <= to; ++i) {
      last = Call("POST", "/api/workloads", WorkloadBody("w-" + std::to_string(i), "orch-1", "0.001")).wait_seq;
    }
    ASSERT_TRUE(ledger_->WaitDurable(last));
  };
  submit(1, 400);  // seq 2..401
  uint64_t after = 0;
  uint64_t expected = 1;
  auto read_pages = [&](uint64_t through) {
    while (after < through) {
      auto page = Parse(Get("/api/ledger/events?after_seq=" + std::to_string(after) + "&limit=97").response.body);
      simdjson::dom::array events = (*page)["events"];
      ASSERT_GT(events.size(), 0u) << "after_seq " << after;
      for (auto e : events) EXPECT_EQ(uint64_t(e["seq"]), expected++);
      after = uint64_t((*page)["next_after_seq"]);
      ASSERT_EQ(after, expected - 1);
    }
  };
  read_pages(200);
  submit(401, 700);  // seq 402..701
  read_pages(701);
  EXPECT_EQ(after, 701u);
  auto big = Parse(Get("/api/ledger/events?after_seq=255&limit=1000").response.body);
  simdjson::dom::array all = (*big)["events"];
  ASSERT_EQ(all.size(), 446u);
  EXPECT_EQ(uint64_t(all.at(0)["seq"]), 256u);
  EXPECT_EQ(uint64_t(all.at(445)["seq"]), 701u);
  EXPECT_EQ(Str(all.at(445)["workload_id"]), "w-700");
}

TEST_F(ApiTest, LedgerEventsShowOnlyRecordsTheApiKnowsAreDurable) {
  Seed();
  forward_durable_ = false;  // from here on the test decides what the API has heard
  api_->SetDurableSeq(4);
  Reply w = Call("POST", "/api/workloads", WorkloadBody("w-2", "orch-1", "0.1"));  // seq 5
  ASSERT_EQ(w.wait_seq, 5u);
  ASSERT_TRUE(ledger_->WaitDurable(5));  // on disk, but not yet reported to the API

  auto before = Parse(Get("/api/ledger/events?after_seq=3").response.body);
  simdjson::dom::array ev = (*before)["events"];
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(uint64_t(ev.at(0)["seq"]), 4u);
  EXPECT_EQ(uint64_t((*before)["next_after_seq"]), 4u);

  api_->SetDurableSeq(5);
  auto after = Parse(Get("/api/ledger/events?after_seq=3").response.body);
  EXPECT_EQ(simdjson::dom::array((*after)["events"]).size(), 2u);
}

TEST_F(ApiTest, BalancesComeAsAPageWhoseBalancesMemberIsShapedLikeBalancesJson) {
  Seed();
  Post("/api/workloads", WorkloadBody("w-2", "orch-1", "0.000123"));
  Reply reply = Get("/api/balances");
  ASSERT_EQ(reply.response.status, 200);
  EXPECT_EQ(reply.response.body,
            R"({"balances":{"orch-1":"1.000123","orch-full":"1000000000000"},)"
            R"("total":2,"offset":0,"limit":100,"next_offset":null})");
}

// -------------------------------------------------------------- adjustments

TEST_F(ApiTest, AdjustmentsAddASignedDeltaAndNeverGoBelowZero) {
  Seed();
  const std::string tx = "0x" + std::string(64, 'f');
  Reply pay = Post("/api/ledger/adjustments",
                   R"({"orchestrator_id":"orch-1","delta":"-0.25","reason":"payout","tx_hash":")" + tx + R"("})");
  ASSERT_EQ(pay.response.status, 201) << pay.response.body;
  auto j = Parse(pay.response.body);
  EXPECT_EQ(uint64_t((*j)["seq"]), pay.wait_seq);
  EXPECT_EQ(Str((*j)["delta"]), "-0.25");
  EXPECT_EQ(Str((*j)["balance"]), "0.75");
  EXPECT_EQ(Str((*j)["reason"]), "payout");
  EXPECT_EQ(Str((*j)["tx_hash"]), tx);

  Reply up = Post("/api/ledger/adjustments", AdjustBody("orch-1", "+0.25"));
  ASSERT_EQ(up.response.status, 201) << up.response.body;
  EXPECT_EQ(Str((*Parse(up.response.body))["balance"]), "1");

  Reply to_zero = Post("/api/ledger/adjustments", AdjustBody("orch-1", "-1"));
  ASSERT_EQ(to_zero.response.status, 201) << to_zero.response.body;
  EXPECT_EQ(Str((*Parse(to_zero.response.body))["balance"]), "0");

  const auto before = Snap();
  Reply below = Post("/api/ledger/adjustments", AdjustBody("orch-1", "-0.000000000000000001"));
  EXPECT_EQ(below.response.status, 422);
  ExpectErrorShape(below);
  EXPECT_EQ(Snap(), before);
}

TEST_F(ApiTest, AZeroDeltaIs400) {
  Seed();
  const auto before = Snap();
  for (const char* zero : {"0", "-0", "+0.000"}) {
    Reply reply = Post("/api/ledger/adjustments", AdjustBody("orch-1", zero));
    EXPECT_EQ(reply.response.status, 400) << zero;
    ExpectErrorShape(reply);
  }
  EXPECT_EQ(Snap(), before);
}

// -------------------------------------------------------------- bad input

struct BadRequest {
  const char* name;
  std::string method, target, body;
  int status;
};

void PrintTo(const BadRequest& b, std::ostream* os) { *os << b.name; }

class ApiBadInput : public ApiTest, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(ApiBadInput, IsRejectedWithAnErrorObjectAndChangesNothing) {
  Seed();
  const auto before = Snap();
  const BadRequest& bad = GetParam();
  Reply reply = Call(bad.method, bad.target, bad.body);
  EXPECT_EQ(reply.response.status, bad.status) << reply.response.body;
  ExpectErrorShape(reply);
  EXPECT_EQ(Snap(), before);
}

std::string Id(size_t n) { return std::string(n, 'a'); }
const std::string kReg = "/api/orchestrators/register";
const std::string kWork = "/api/workloads";
const std::string kAdj = "/api/ledger/adjustments";

INSTANTIATE_TEST_SUITE_P(
    Api, ApiBadInput,
    ::testing::Values(
        // body syntax, for each POST route
        BadRequest{"RegisterMalformedJson", "POST", kReg, R"({"orchestrator_id":"o","address":)", 400},
        BadRequest{"RegisterArrayBody", "POST", kReg, R"([{"orchestrator_id":"o"}])", 400},
        BadRequest{"RegisterStringBody", "POST", kReg, R"("orch")", 400},
        BadRequest{"RegisterEmptyBody", "POST", kReg, "", 400},
        BadRequest{"RegisterTrailingGarbage", "POST", kReg, RegisterBody("orch-2") + " {}", 400},
        BadRequest{"RegisterInvalidUtf8", "POST", kReg, RegisterBody("orch-\xff"), 400},
        BadRequest{"RegisterNullId", "POST", kReg,
                   R"({"orchestrator_id":null,"address":"0x1111111111111111111111111111111111111111"})", 400},
        BadRequest{"RegisterUnknownField", "POST", kReg,
                   R"({"orchestrator_id":"o","address":"0x1111111111111111111111111111111111111111","admin":true})", 400},
        BadRequest{"WorkloadMalformedJson", "POST", kWork, "{workload_id: 1}", 400},
        BadRequest{"WorkloadArrayBody", "POST", kWork, "[]", 400},
        BadRequest{"WorkloadUnknownField", "POST", kWork,
                   R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","bonus":"1"})", 400},
        BadRequest{"AdjustmentMalformedJson", "POST", kAdj, "{", 400},
        BadRequest{"AdjustmentArrayBody", "POST", kAdj, "[1]", 400},
        BadRequest{"AdjustmentUnknownField", "POST", kAdj,
                   R"({"orchestrator_id":"orch-1","delta":"1","reason":"x","force":true})", 400},
        // ids
        BadRequest{"RegisterEmptyId", "POST", kReg, RegisterBody(""), 400},
        BadRequest{"RegisterId129Chars", "POST", kReg, RegisterBody(Id(129)), 400},
        BadRequest{"RegisterIdWithSpace", "POST", kReg, RegisterBody("orch 2"), 400},
        BadRequest{"RegisterIdWithControlCharacter", "POST", kReg, RegisterBody("orch\\u00012"), 400},
        BadRequest{"RegisterIdWithNewline", "POST", kReg, RegisterBody("orch\\n2"), 400},
        BadRequest{"RegisterIdWithSlash", "POST", kReg, RegisterBody("orch/2"), 400},
        BadRequest{"RegisterIdNonAscii", "POST", kReg, RegisterBody("orch-\xc3\xa9"), 400},
        BadRequest{"RegisterIdAsNumber", "POST", kReg,
                   R"({"orchestrator_id":7,"address":"0x1111111111111111111111111111111111111111"})", 400},
        BadRequest{"RegisterMissingId", "POST", kReg, R"({"address":"0x1111111111111111111111111111111111111111"})",
                   400},
        BadRequest{"WorkloadEmptyWorkloadId", "POST", kWork, WorkloadBody("", "orch-1", "1"), 400},
        BadRequest{"WorkloadWorkloadId129Chars", "POST", kWork, WorkloadBody(Id(129), "orch-1", "1"), 400},
        BadRequest{"WorkloadWorkloadIdWithSpace", "POST", kWork, WorkloadBody("w 9", "orch-1", "1"), 400},
        BadRequest{"WorkloadWorkloadIdWithControlCharacter", "POST", kWork, WorkloadBody("w\\t9", "orch-1", "1"),
                   400},
        BadRequest{"WorkloadEmptyOrchestratorId", "POST", kWork, WorkloadBody("w-9", "", "1"), 400},
        BadRequest{"AdjustmentEmptyOrchestratorId", "POST", kAdj, AdjustBody("", "1"), 400},
        BadRequest{"AdjustmentOrchestratorId129Chars", "POST", kAdj, AdjustBody(Id(129), "1"), 400},
        // addresses and transaction hashes
        BadRequest{"AddressTooShort", "POST", kReg, RegisterBody("orch-2", "0x1234"), 400},
        BadRequest{"AddressWithout0x", "POST", kReg, RegisterBody("orch-2", std::string(42, '1')), 400},
        BadRequest{"AddressNotHex", "POST", kReg, RegisterBody("orch-2", "0x" + std::string(40, 'g')), 400},
        BadRequest{"AddressTooLong", "POST", kReg, RegisterBody("orch-2", "0x" + std::string(41, '1')), 400},
        BadRequest{"AddressMissing", "POST", kReg, R"({"orchestrator_id":"orch-2"})", 400},
        BadRequest{"TxHashTooShort", "POST", kAdj,
                   R"({"orchestrator_id":"orch-1","delta":"-0.1","reason":"payout","tx_hash":"0x)" +
                       std::string(63, 'a') + R"("})",
                   400},
        BadRequest{"TxHashNotHex", "POST", kAdj,
                   R"({"orchestrator_id":"orch-1","delta":"-0.1","reason":"payout","tx_hash":"0x)" +
                       std::string(64, 'z') + R"("})",
                   400},
        BadRequest{"TxHashAsNumber", "POST", kAdj,
                   R"({"orchestrator_id":"orch-1","delta":"-0.1","reason":"payout","tx_hash":12})", 400},
        // amounts
        BadRequest{"AmountAsJsonNumber", "POST", kWork,
                   R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":0.5})", 400},
        BadRequest{"AmountNegative", "POST", kWork, WorkloadBody("w-9", "orch-1", "-0.5"), 400},
        BadRequest{"AmountZero", "POST", kWork, WorkloadBody("w-9", "orch-1", "0"), 400},
        BadRequest{"AmountNineteenPlaces", "POST", kWork, WorkloadBody("w-9", "orch-1", "0.0000000000000000001"),
                   400},
        BadRequest{"AmountExponent", "POST", kWork, WorkloadBody("w-9", "orch-1", "1e-7"), 400},
        BadRequest{"AmountWithSpace", "POST", kWork, WorkloadBody("w-9", "orch-1", " 1"), 400},
        BadRequest{"AmountEmpty", "POST", kWork, WorkloadBody("w-9", "orch-1", ""), 400},
        BadRequest{"AmountAboveTenToTheTwelveEth", "POST", kWork, WorkloadBody("w-9", "orch-1", "1000000000000.1"),
                   400},
        BadRequest{"AmountMissing", "POST", kWork, R"({"workload_id":"w-9","orchestrator_id":"orch-1"})", 400},
        BadRequest{"CreditPushingABalanceAboveTheMaximum", "POST", kWork,
                   WorkloadBody("w-9", "orch-full", "0.000000000000000001"), 422},
        BadRequest{"DurationNegative", "POST", kWork,
                   R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","duration_ms":-1})", 400},
        BadRequest{"DurationAsString", "POST", kWork,
                   R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","duration_ms":"5"})", 400},
        BadRequest{"DurationFractional", "POST", kWork,
                   R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","duration_ms":1.5})", 400},
        BadRequest{"DeltaAsJsonNumber", "POST", kAdj, R"({"orchestrator_id":"orch-1","delta":-1,"reason":"x"})",
                   400},
        BadRequest{"DeltaNineteenPlaces", "POST", kAdj, AdjustBody("orch-1", "-0.0000000000000000001"), 400},
        BadRequest{"DeltaAboveTheMaximum", "POST", kAdj, AdjustBody("orch-1", "-1000000000001"), 400},
        BadRequest{"DeltaBelowZeroBalance", "POST", kAdj, AdjustBody("orch-1", "-1.000000000000000001"), 422},
        BadRequest{"DeltaPushingABalanceAboveTheMaximum", "POST", kAdj,
                   AdjustBody("orch-full", "0.000000000000000001"), 422},
        BadRequest{"DeltaZero", "POST", kAdj, AdjustBody("orch-1", "0"), 400},
        BadRequest{"AdjustmentForAnUnknownOrchestrator", "POST", kAdj, AdjustBody("orch-404", "1"), 404},
        BadRequest{"ReasonEmpty", "POST", kAdj, AdjustBody("orch-1", "1", ""), 400},
        BadRequest{"ReasonWithControlCharacter", "POST", kAdj, AdjustBody("orch-1", "1", "a\\u0007b"), 400},
        BadRequest{"ReasonTooLong", "POST", kAdj, AdjustBody("orch-1", "1", std::string(257, 'r')), 400},
        BadRequest{"ReasonMissing", "POST", kAdj, R"({"orchestrator_id":"orch-1","delta":"1"})", 400},
        // query parameters and paths
        BadRequest{"WorkloadsLimitNotANumber", "GET", "/api/workloads?limit=abc", "", 400},
        BadRequest{"WorkloadsLimitAbove1000", "GET", "/api/workloads?limit=1001", "", 400},
        BadRequest{"WorkloadsOffsetNegative", "GET", "/api/workloads?offset=-1", "", 400},
        BadRequest{"WorkloadsLimitFractional", "GET", "/api/workloads?limit=1.5", "", 400},
        BadRequest{"EventsAfterSeqNotANumber", "GET", "/api/ledger/events?after_seq=x", "", 400},
        BadRequest{"EventsAfterSeqHuge", "GET", "/api/ledger/events?after_seq=99999999999999999999", "", 400},
        BadRequest{"EventsLimitHex", "GET", "/api/ledger/events?limit=0x10", "", 400},
        BadRequest{"EventsLimitAbove1000", "GET", "/api/ledger/events?limit=5000", "", 400},
        BadRequest{"MalformedPercentEscape", "GET", "/api/orchestrators/%zz", "", 400},
        BadRequest{"UnknownRoute", "GET", "/api/nothing-here", "", 404},
        BadRequest{"WrongMethodOnRegister", "GET", "/api/orchestrators/register", "", 405},
        BadRequest{"WrongMethodOnBalances", "POST", "/api/balances", "{}", 405},
        BadRequest{"WrongMethodOnOrchestrator", "DELETE", "/api/orchestrators/orch-1", "", 405},
        BadRequest{"WrongMethodOnAdjustments", "GET", "/api/ledger/adjustments", "", 405}),
    [](const ::testing::TestParamInfo<BadRequest>& info) { return std::string(info.param.name); });

// ----------------------------------------------------------- admin token

TEST_F(ApiTest, WithAnAdminTokenEveryApiRouteNeedsTheRightHeader) {
  StartApi("s3cret-token");
  ASSERT_EQ(Post("/api/orchestrators/register", RegisterBody("orch-1")).response.status, 201);
  const auto before = Snap();
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/orchestrators"},        {"GET", "/api/orchestrators/orch-1"}, {"GET", "/api/workloads"},
      {"GET", "/api/workloads/summary"},    {"GET", "/api/workloads/w-1"},        {"GET", "/api/ledger/events"},
      {"GET", "/api/balances"},             {"POST", "/api/orchestrators/register"},
      {"POST", "/api/workloads"},           {"POST", "/api/ledger/adjustments"},  {"GET", "/api/nothing-here"}};
  const std::map<std::string, std::string> bodies = {{"/api/orchestrators/register", RegisterBody("orch-2")},
                                                     {"/api/workloads", WorkloadBody("w-1", "orch-1", "1")},
                                                     {"/api/ledger/adjustments", AdjustBody("orch-1", "1")}};
  for (const auto& [method, target] : routes) {
    std::string body = method == "POST" ? bodies.at(target) : "";
    for (const std::string& token : {std::string(), std::string("wrong"), std::string("s3cret-token "),
                                     std::string("s3cret-tokeN")}) {
      Reply reply = CallWithToken(method, target, body, token);
      EXPECT_EQ(reply.response.status, 401) << method << " " << target << " token '" << token << "'";
      ExpectErrorShape(reply);
    }
  }
  EXPECT_EQ(Snap(), before);
  EXPECT_EQ(CallWithToken("GET", "/health", "", "").response.status, 200);
  EXPECT_EQ(CallWithToken("GET", "/openapi.json", "", "").response.status, 200);
  EXPECT_EQ(CallWithToken("GET", "/api/balances", "", "s3cret-token").response.status, 200);
}

// ------------------------------------------------------ wait_seq semantics

TEST_F(ApiTest, APostWaitsForItsOwnRecordAndAReadForEverythingItMayShow) {
  Reply reg = Call("POST", "/api/orchestrators/register", RegisterBody("orch-1"));
  EXPECT_EQ(reg.wait_seq, 1u);
  Reply credit = Call("POST", "/api/workloads", WorkloadBody("w-1", "orch-1", "1"));
  EXPECT_EQ(credit.wait_seq, 2u);
  Reply adj = Call("POST", "/api/ledger/adjustments", AdjustBody("orch-1", "-0.5"));
  EXPECT_EQ(adj.wait_seq, 3u);
  Reply again = Call("POST", "/api/orchestrators/register", RegisterBody("orch-1"));
  EXPECT_EQ(again.wait_seq, 4u);
  EXPECT_EQ((*ledger_)->last_seq(), 4u);

  // Each reads wait for the last record (it may show any of them).
  for (const char* target : {"/api/orchestrators", "/api/orchestrators/orch-1", "/api/workloads",
                             "/api/workloads/w-1", "/api/workloads/summary", "/api/balances"}) {
    EXPECT_EQ(Get(target).wait_seq, 4u) << target;
  }
  // An identical retry is a read of the first result.
  EXPECT_EQ(Call("POST", "/api/workloads", WorkloadBody("w-1", "orch-1", "1")).wait_seq, 4u);
  // Health, the document and the journal events (durable records only) need no wait.
  EXPECT_EQ(Get("/health").wait_seq, 0u);
  EXPECT_EQ(Get("/openapi.json").wait_seq, 0u);
  EXPECT_EQ(Get("/api/ledger/events").wait_seq, 0u);

  ASSERT_TRUE(ledger_->WaitDurable(4));
  // The seq a POST waited for is its own record.
  auto ev = Parse(Get("/api/ledger/events?after_seq=1&limit=1").response.body);
  simdjson::dom::array list = (*ev)["events"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(uint64_t(list.at(0)["seq"]), credit.wait_seq);
  EXPECT_EQ(Str(list.at(0)["workload_id"]), "w-1");
}

TEST_F(ApiTest, WritesAreRefusedAfterAJournalFailureAndHealthSaysSo) {
  Seed();
  const auto before = Snap();
  api_->SetFailed("fdatasync failed: EIO");
  Reply health = Get("/health");
  EXPECT_EQ(health.response.status, 503);
  EXPECT_EQ(Str((*Parse(health.response.body))["status"]), "failed");
  Reply reply = Call("POST", "/api/workloads", WorkloadBody("w-9", "orch-1", "1"));
  EXPECT_EQ(reply.response.status, 503);
  ExpectErrorShape(reply);
  EXPECT_EQ(Snap(), before);
}

// An adopted Python-era orchestrator marked denylisted gets no credits.
TEST(ApiAdopted, ADenylistedOrchestratorIsNotCredited) {
  TempDir tmp;
  testing::WriteAll(tmp.Sub("registry.json"),
                    R"({"orch-bad": {"orchestrator_id": "orch-bad", "address": "0x1111111111111111111111111111111111111111",)"
                    R"( "registration_count": 1, "eligible_for_payments": false, "denylisted": true}})");
  testing::WriteAll(tmp.Sub("balances.json"), R"({"orch-bad": "1E-7"})");
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  Api api(h.get(), "");
  const uint64_t last = h->last_seq();
  Request r{"POST", "/api/workloads", WorkloadBody("w-1", "orch-bad", "1"), ""};
  Reply reply = api.Handle(r);
  EXPECT_EQ(reply.response.status, 422);
  EXPECT_NE(reply.response.body.find("denylisted"), std::string::npos) << reply.response.body;
  EXPECT_EQ(h->last_seq(), last);
  Reply balances = api.Handle({"GET", "/api/balances", "", ""});
  RenderNow(&balances);
  EXPECT_EQ(balances.response.body,
            R"({"balances":{"orch-bad":"0.0000001"},"total":1,"offset":0,"limit":100,"next_offset":null})");
}

}  // namespace
}  // namespace pb::server::api_test
