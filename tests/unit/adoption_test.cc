// Adoption of a Python-era data directory (docs/journal-format.md, "Adopting
// a Python-era data directory"; the upstream facts: shared/docs/upstream-data-format.md).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace pb::ledger {
namespace {

using testing::Eth;
using testing::Exists;
using testing::LedgerHarness;
using testing::ReadAll;
using testing::SnapshotTree;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteAll;

// registry.json as the Python service writes it: indent 2, with cooldown and
// health fields this service does not know.
const char* const kRegistry = R"({
  "orch-0001": {
    "orchestrator_id": "orch-0001",
    "address": "0x1111111111111111111111111111111111111111",
    "registration_count": 3,
    "eligible_for_payments": true,
    "denylisted": false,
    "registered_at": "2025-06-01T10:00:00.123Z",
    "last_registered_at": "2025-06-03T10:00:00.000Z",
    "cooldown_until": null,
    "cooldown_reason": "",
    "health": {
      "status": "healthy",
      "last_check": "2025-06-03T10:00:00Z",
      "consecutive_failures": 0
    }
  },
  "orch-0002": {
    "orchestrator_id": "orch-0002",
    "address": "0x2222222222222222222222222222222222222222",
    "registration_count": 1,
    "eligible_for_payments": false,
    "denylisted": true,
    "registered_at": "2025-06-02T08:30:00.000Z",
    "cooldown_until": "2025-07-01T00:00:00Z",
    "health": {
      "status": "unreachable",
      "consecutive_failures": 7
    }
  }
})";

// balances.json: Decimal strings, including the exponent form str(Decimal)
// produces for small values, and an orchestrator no longer registered.
const char* const kBalances = R"({
  "orch-0001": "0.000123",
  "orch-0002": "1E-7",
  "orch-0003": "12.5"
})";

// workloads.json: indent 2, sorted keys; status/submitted_at/credited/credited_at + payload.
const char* const kWorkloads = R"({
  "wl-1": {
    "amount": "0.000123",
    "credited": true,
    "credited_at": "2025-06-02T10:00:01.500000Z",
    "duration_ms": 1200,
    "orchestrator_id": "orch-0001",
    "status": "credited",
    "submitted_at": "2025-06-02T10:00:00Z",
    "workload_id": "wl-1"
  },
  "wl-2": {
    "amount": "0.5",
    "credited": false,
    "credited_at": null,
    "orchestrator_id": "orch-0002",
    "status": "pending",
    "submitted_at": "2025-06-02T11:00:00Z",
    "workload_id": "wl-2"
  }
})";

const char* const kLedgerEvents =
    R"({"timestamp": "2025-06-02T10:00:01.500000Z", "event": "credit", "orchestrator_id": "orch-0001", "amount": "0.000123", "balance": "0.000123", "delta": "0.000123", "reason": "workload", "metadata": {"workload_id": "wl-1"}})"
    "\n"
    R"({"timestamp": "2025-06-02T12:00:00Z", "event": "set_balance", "orchestrator_id": "orch-0002", "amount": "1E-7", "balance": "1E-7", "delta": "1E-7", "reason": "adjustment"})"
    "\n";

const char* const kRegistryLogText =
    R"({"timestamp": "2025-06-01T10:00:00Z", "event": "register", "orchestrator_id": "orch-0001", "address": "0x1111111111111111111111111111111111111111"})"
    "\n"
    R"({"timestamp": "2025-06-02T08:30:00Z", "event": "register", "orchestrator_id": "orch-0002", "address": "0x2222222222222222222222222222222222222222"})"
    "\n";

void WritePythonEraDir(const std::string& dir, const char* balances = kBalances) {
  WriteAll(dir + "/registry.json", kRegistry);
  WriteAll(dir + "/balances.json", balances);
  WriteAll(dir + "/workloads.json", kWorkloads);
  WriteAll(dir + "/audit/ledger-events.log", kLedgerEvents);
  WriteAll(dir + "/audit/registry.log", kRegistryLogText);
}

simdjson::dom::element ParseFile(simdjson::dom::parser& parser, const std::string& path) {
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(simdjson::padded_string(ReadAll(path))).get(e), simdjson::SUCCESS) << path;
  return e;
}

TEST(Adoption, VerifyAcceptsAPythonEraDirectoryBeforeAdoption) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  const auto before = SnapshotTree(tmp.path());
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_TRUE(report.python_era);
  EXPECT_EQ(report.orchestrators, 2u);
  EXPECT_EQ(report.workloads, 2u);
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

TEST(Adoption, OpenImportsTheStateExactly) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  LedgerHarness h(tmp.path());
  Status st = h.Open();
  ASSERT_TRUE(st.ok()) << st.ToString();
  const LedgerState& s = h->state();
  EXPECT_TRUE(s.Balance("orch-0001") == Wei{123000000000000});
  EXPECT_TRUE(s.Balance("orch-0002") == Wei{100000000000});  // 1E-7 ETH
  EXPECT_TRUE(s.Balance("orch-0003") == Eth("12.5"));
  ASSERT_EQ(s.orchestrators().size(), 2u);
  const Orchestrator* o1 = s.FindOrchestrator("orch-0001");
  ASSERT_NE(o1, nullptr);
  EXPECT_EQ(o1->address, "0x1111111111111111111111111111111111111111");
  EXPECT_EQ(o1->registration_count, 3u);
  EXPECT_TRUE(o1->eligible_for_payments);
  EXPECT_FALSE(o1->denylisted);
  const Orchestrator* o2 = s.FindOrchestrator("orch-0002");
  ASSERT_NE(o2, nullptr);
  EXPECT_TRUE(o2->denylisted);
  EXPECT_FALSE(o2->eligible_for_payments);
  EXPECT_EQ(s.workloads().size(), 2u);
  EXPECT_NE(s.FindWorkload("wl-1"), nullptr);
  EXPECT_NE(s.FindWorkload("wl-2"), nullptr);
  EXPECT_EQ(s.credited_workloads(), 0u);  // adopted workloads are not credits of this service
}

TEST(Adoption, TheJournalStartsWithOneImportRecordPerEntry) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    EXPECT_EQ(h->last_seq(), 7u);
    h.Crash();
  }
  EXPECT_FALSE(Exists(tmp.Sub("journal.adopting")));
  auto records = testing::JournalRecords(tmp.path());
  ASSERT_EQ(records.size(), 7u);
  const std::vector<RecordType> types = {RecordType::kImportOrchestrator, RecordType::kImportOrchestrator,
                                         RecordType::kImportBalance,      RecordType::kImportBalance,
                                         RecordType::kImportBalance,      RecordType::kImportWorkload,
                                         RecordType::kImportWorkload};
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].seq, i + 1);
    EXPECT_EQ(records[i].type, types[i]) << "seq " << i + 1;
  }
  EXPECT_EQ(records[0].orchestrator_id, "orch-0001");
  EXPECT_NE(records[0].raw_record.find("\"health\":{\"status\":\"healthy\""), std::string::npos)
      << records[0].raw_record;
  EXPECT_EQ(records[3].orchestrator_id, "orch-0002");
  EXPECT_TRUE(records[3].balance == Wei{100000000000});
  EXPECT_EQ(records[6].workload_id, "wl-2");
  EXPECT_NE(records[6].raw_record.find("\"status\":\"pending\""), std::string::npos) << records[6].raw_record;
}

TEST(Adoption, OriginalsAreCopiedToAdoptedPythonEra) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(ReadAll(tmp.Sub("adopted-python-era/registry.json")), kRegistry);
  EXPECT_EQ(ReadAll(tmp.Sub("adopted-python-era/balances.json")), kBalances);
  EXPECT_EQ(ReadAll(tmp.Sub("adopted-python-era/workloads.json")), kWorkloads);
}

TEST(Adoption, OldAuditLogsKeepTheirBytesAndNewLinesAreAppendedAfterThem) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    EXPECT_EQ(ReadAll(tmp.Sub("audit/ledger-events.log")), kLedgerEvents);
    EXPECT_EQ(ReadAll(tmp.Sub("audit/registry.log")), kRegistryLogText);
    h.Register("orch-0004");
    uint64_t seq = h.Credit("wl-3", "orch-0004", "0.25");
    ASSERT_TRUE(h.WaitDurable(seq));
    ASSERT_TRUE(h.Shutdown().ok());
  }
  for (auto [name, old] : {std::pair{"audit/ledger-events.log", kLedgerEvents},
                           std::pair{"audit/registry.log", kRegistryLogText}}) {
    std::string now = ReadAll(tmp.Sub(name));
    ASSERT_EQ(now.substr(0, std::string(old).size()), old) << name;
    auto added = SplitLines(now.substr(std::string(old).size()));
    ASSERT_EQ(added.size(), 1u) << name << ":\n" << now;
    EXPECT_NE(added[0].find("\"orchestrator_id\":\"orch-0004\""), std::string::npos) << added[0];
    EXPECT_NE(added[0].find("\"seq\":"), std::string::npos) << added[0];
  }
  // A restart appends nothing twice.
  const std::string events = ReadAll(tmp.Sub("audit/ledger-events.log"));
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(ReadAll(tmp.Sub("audit/ledger-events.log")), events);
}

TEST(Adoption, ExtraRegistryFieldsArePreservedInRegistryJsonAfterACheckpoint) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    uint64_t seq = h.Register("orch-0001", "0x3333333333333333333333333333333333333333");  // re-registration
    ASSERT_TRUE(h.WaitDurable(seq));
    ASSERT_TRUE(h.Shutdown().ok());
  }
  simdjson::dom::parser parser;
  simdjson::dom::element registry = ParseFile(parser, tmp.Sub("registry.json"));
  simdjson::dom::element o1 = registry["orch-0001"];
  EXPECT_EQ(std::string_view(o1["address"]), "0x3333333333333333333333333333333333333333");
  EXPECT_EQ(uint64_t(o1["registration_count"]), 4u);
  EXPECT_EQ(std::string_view(o1["registered_at"]), "2025-06-01T10:00:00.123Z");
  EXPECT_TRUE(o1["cooldown_until"].is_null());
  EXPECT_EQ(std::string_view(o1["cooldown_reason"]), "");
  EXPECT_EQ(std::string_view(o1["health"]["status"]), "healthy");
  EXPECT_EQ(std::string_view(o1["health"]["last_check"]), "2025-06-03T10:00:00Z");
  EXPECT_EQ(int64_t(o1["health"]["consecutive_failures"]), 0);
  simdjson::dom::element o2 = registry["orch-0002"];
  EXPECT_TRUE(bool(o2["denylisted"]));
  EXPECT_EQ(std::string_view(o2["cooldown_until"]), "2025-07-01T00:00:00Z");
  EXPECT_EQ(int64_t(o2["health"]["consecutive_failures"]), 7);

  simdjson::dom::parser parser2;
  simdjson::dom::element balances = ParseFile(parser2, tmp.Sub("balances.json"));
  EXPECT_EQ(std::string_view(balances["orch-0002"]), "0.0000001");
  EXPECT_EQ(std::string_view(balances["orch-0003"]), "12.5");

  simdjson::dom::parser parser3;
  simdjson::dom::element workloads = ParseFile(parser3, tmp.Sub("workloads.json"));
  EXPECT_EQ(std::string_view(workloads["wl-2"]["status"]), "pending");  // exactly as it was, no seq
  EXPECT_FALSE(bool(workloads["wl-2"]["credited"]));
  EXPECT_TRUE(workloads["wl-2"]["credited_at"].is_null());
  EXPECT_EQ(workloads["wl-2"]["seq"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(uint64_t(workloads["wl-1"]["duration_ms"]), 1200u);
}

TEST(Adoption, VerifyPassesAfterAdoptionAndAfterTheFirstCheckpoint) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  auto report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_FALSE(report.python_era);
  EXPECT_EQ(report.journal_seq, 7u);
  ASSERT_TRUE(h.Shutdown().ok());
  report = VerifyDataDir(tmp.path());
  EXPECT_TRUE(report.ok()) << VerifyReportText(report);
  EXPECT_EQ(report.checkpoint_seq, 7u);
}

TEST(Adoption, AReopenedAdoptedDirectoryHasTheSameStateAndIsNotAdoptedAgain) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    h.Crash();  // before any checkpoint
  }
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->last_seq(), 7u);
  EXPECT_TRUE(h->state().Balance("orch-0002") == Wei{100000000000});
  EXPECT_EQ(h->state().workloads().size(), 2u);
}

TEST(Adoption, AnAdoptedWorkloadIsNeverCreditedAgain) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  Record r;
  r.type = RecordType::kWorkload;
  r.workload_id = "wl-1";
  r.orchestrator_id = "orch-0001";
  r.amount = Eth("0.000123");
  auto seq = h->Submit(r);
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(seq.status().kind(), Status::Kind::kConflict);
  EXPECT_EQ(h->last_seq(), 7u);
  EXPECT_TRUE(h->state().Balance("orch-0001") == Wei{123000000000000});
}

TEST(Adoption, AnInterruptedEarlierAdoptionIsStartedOver) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  // A crash during a previous adoption left its staging directory behind.
  WriteAll(tmp.Sub("journal.adopting/00000000000000000001.journal"), "half a rec");
  LedgerHarness h(tmp.path());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h->last_seq(), 7u);
  EXPECT_FALSE(Exists(tmp.Sub("journal.adopting")));
  EXPECT_TRUE(h->state().Balance("orch-0002") == Wei{100000000000});
}

TEST(Adoption, ANullMemberThisServiceWritesIsUnsetAndNeverAppearsTwice) {
  TempDir tmp;
  WriteAll(tmp.Sub("registry.json"), R"({
  "orch-0001": {
    "orchestrator_id": "orch-0001",
    "address": "0x1111111111111111111111111111111111111111",
    "registration_count": 1,
    "eligible_for_payments": true,
    "denylisted": false,
    "registered_at": "2025-06-01T10:00:00.000Z",
    "last_registered_at": null,
    "cooldown_until": null
  }
})");
  {
    LedgerHarness h(tmp.path());
    ASSERT_TRUE(h.Open().ok());
    EXPECT_EQ(h->state().FindOrchestrator("orch-0001")->last_registered_at_ms, 0);
    uint64_t seq = h.Register("orch-0001");  // sets last_registered_at
    ASSERT_TRUE(h.WaitDurable(seq));
    ASSERT_TRUE(h.Shutdown().ok());
  }
  const std::string registry = ReadAll(tmp.Sub("registry.json"));
  size_t first = registry.find("\"last_registered_at\"");
  ASSERT_NE(first, std::string::npos) << registry;
  EXPECT_EQ(registry.find("\"last_registered_at\"", first + 1), std::string::npos) << registry;
  EXPECT_NE(registry.find("\"cooldown_until\":null"), std::string::npos) << registry;  // unknown members stay
  simdjson::dom::parser parser;
  EXPECT_TRUE(ParseFile(parser, tmp.Sub("registry.json"))["orch-0001"]["last_registered_at"].is_string());
}

TEST(Adoption, ARegistryMemberWithAnUnusableValueStopsAdoptionNamingIt) {
  TempDir tmp;
  WritePythonEraDir(tmp.path());
  std::string registry = kRegistry;
  registry.replace(registry.find("\"registration_count\": 3"), 23, "\"registration_count\": \"3\"");
  WriteAll(tmp.Sub("registry.json"), registry);
  const auto before = SnapshotTree(tmp.path());
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("registry.json"), std::string::npos) << opened.status().message();
  EXPECT_NE(opened.status().message().find("'orch-0001'"), std::string::npos) << opened.status().message();
  EXPECT_NE(opened.status().message().find("'registration_count'"), std::string::npos) << opened.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
}

struct BadBalance {
  const char* name;
  const char* balances;
  const char* key;
};

void PrintTo(const BadBalance& b, std::ostream* os) { *os << b.name; }

class AdoptionRefuses : public ::testing::TestWithParam<BadBalance> {};

TEST_P(AdoptionRefuses, ABalanceThatIsNotExactNonNegativeWeiNamingFileAndKeyAndChangesNothing) {
  TempDir tmp;
  WritePythonEraDir(tmp.path(), GetParam().balances);
  const auto before = SnapshotTree(tmp.path());
  auto opened = Ledger::Open(tmp.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), Status::Kind::kInvalidArgument) << opened.status().ToString();
  EXPECT_NE(opened.status().message().find("balances.json"), std::string::npos) << opened.status().message();
  EXPECT_NE(opened.status().message().find(std::string("'") + GetParam().key + "'"), std::string::npos)
      << opened.status().message();
  EXPECT_EQ(SnapshotTree(tmp.path()), before);
  EXPECT_FALSE(Exists(tmp.Sub("journal")));
  // The verifier flags the same file before anyone starts the service.
  auto report = VerifyDataDir(tmp.path());
  EXPECT_FALSE(report.ok());
}

INSTANTIATE_TEST_SUITE_P(
    Adoption, AdoptionRefuses,
    ::testing::Values(BadBalance{"Negative", R"({"orch-0001": "0.1", "orch-0002": "-0.5"})", "orch-0002"},
                      BadBalance{"NegativeExponentForm", R"({"orch-0001": "-1E-7"})", "orch-0001"},
                      BadBalance{"NineteenPlaces", R"({"orch-0001": "0.0000000000000000001"})", "orch-0001"},
                      BadBalance{"ExponentBelowOneWei", R"({"orch-0001": "0.1", "orch-0003": "1E-19"})",
                                 "orch-0003"},
                      BadBalance{"NotANumber", R"({"orch-0001": "NaN"})", "orch-0001"},
                      BadBalance{"AboveTheMaximum", R"({"orch-0001": "1E+13"})", "orch-0001"}),
    [](const ::testing::TestParamInfo<BadBalance>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pb::ledger
