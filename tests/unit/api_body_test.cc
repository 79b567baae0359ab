// Issue 16: a key given twice in a request body is refused (400 naming it),
// in nested objects too; what a proxy reading the last key would see can no
// longer differ from what is credited.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api_fixture.h"

namespace pb::server::api_test {
namespace {

class ApiDuplicateKeys : public ApiTest {
 protected:
  // POSTs `body` to `target`: expects a 400 whose message names `key` as a
  // duplicate, and nothing changed.
  void ExpectDuplicate(const std::string& target, const std::string& body, const std::string& key) {
    const auto before = Snap();
    Reply reply = Post(target, body);
    EXPECT_EQ(reply.response.status, 400) << body << " -> " << reply.response.body;
    ExpectErrorShape(reply);
    EXPECT_NE(ErrorMessage(reply).find("duplicate key '" + key + "'"), std::string::npos)
        << body << " -> " << ErrorMessage(reply);
    EXPECT_EQ(Snap(), before) << body;
  }
};

TEST_F(ApiDuplicateKeys, AnAmountGivenTwiceIsRefusedWhicheverComesFirst) {
  Seed();
  const std::string head = R"({"workload_id":"w-9","orchestrator_id":"orch-1",)";
  ExpectDuplicate("/api/workloads", head + R"("amount":"1","amount":"-5"})", "amount");
  ExpectDuplicate("/api/workloads", head + R"("amount":"-5","amount":"1"})", "amount");
  ExpectDuplicate("/api/workloads", head + R"("amount":"1","amount":"1"})", "amount");  // even the same value
  ExpectDuplicate("/api/workloads", head + R"("amount":"1","\u0061mount":"2"})", "amount");  // escaped: same key
  ExpectDuplicate("/api/workloads", R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1",)"
                                    R"("workload_id":"w-10"})",
                  "workload_id");
  ExpectDuplicate("/api/workloads", head + R"("amount":"1","duration_ms":5,"duration_ms":-1})", "duration_ms");
  EXPECT_EQ(Get("/api/workloads/w-9").response.status, 404);
}

TEST_F(ApiDuplicateKeys, EveryPostRouteRefusesThem) {
  Seed();
  ExpectDuplicate("/api/orchestrators/register",
                  R"({"orchestrator_id":"orch-2","address":"0x1111111111111111111111111111111111111111",)"
                  R"("orchestrator_id":"orch-3"})",
                  "orchestrator_id");
  ExpectDuplicate("/api/orchestrators/register",
                  R"({"orchestrator_id":"orch-2","address":"0x1111111111111111111111111111111111111111",)"
                  R"("address":"0x2222222222222222222222222222222222222222"})",
                  "address");
  ExpectDuplicate("/api/ledger/adjustments", R"({"orchestrator_id":"orch-1","delta":"1","delta":"-1","reason":"x"})",
                  "delta");
  ExpectDuplicate("/api/ledger/adjustments",
                  R"({"orchestrator_id":"orch-1","delta":"-0.1","reason":"payout","reason":"refund"})", "reason");
  ExpectDuplicate("/api/ledger/adjustments",
                  R"({"orchestrator_id":"orch-1","delta":"-0.1","reason":"payout","tx_hash":"0x)" +
                      std::string(64, 'a') + R"(","tx_hash":"0x)" + std::string(64, 'b') + R"("})",
                  "tx_hash");
}

// No route takes a nested object today; a duplicate inside one is named as
// such all the same (before "unknown field"), with its path.
TEST_F(ApiDuplicateKeys, NestedObjectsAndArraysAreCheckedToo) {
  Seed();
  const std::string head = R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1",)";
  ExpectDuplicate("/api/workloads", head + R"("meta":{"note":"a","note":"b"}})", "meta.note");
  ExpectDuplicate("/api/workloads", head + R"("meta":{"x":{"y":{"z":1,"z":2}}}})", "meta.x.y.z");
  ExpectDuplicate("/api/workloads", head + R"("meta":[{"k":1},{"k":1,"k":2}]})", "meta[1].k");
  ExpectDuplicate("/api/workloads", head + R"("meta":[[{"k":1,"k":2}]]})", "meta[0][0].k");
}

TEST_F(ApiDuplicateKeys, KeysThatDifferOnlyInCaseAreNotDuplicates) {
  Seed();
  const auto before = Snap();
  for (const std::string body :
       {R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","Amount":"-5"})",
        R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","meta":{"note":"a","Note":"b"}})",
        R"({"workload_id":"w-9","orchestrator_id":"orch-1","amount":"1","meta":[{"k":1,"K":2}]})"}) {
    Reply reply = Post("/api/workloads", body);
    EXPECT_EQ(reply.response.status, 400) << body;  // an unknown field, not a duplicate
    EXPECT_EQ(ErrorMessage(reply).find("duplicate"), std::string::npos) << body << " -> " << ErrorMessage(reply);
    EXPECT_NE(ErrorMessage(reply).find("unknown field"), std::string::npos) << body << " -> " << ErrorMessage(reply);
  }
  EXPECT_EQ(Snap(), before);
  // And a body whose keys are all distinct is credited as before.
  Reply ok = Post("/api/workloads", WorkloadBody("w-9", "orch-1", "0.5"));
  EXPECT_EQ(ok.response.status, 201) << ok.response.body;
}

}  // namespace
}  // namespace pb::server::api_test
