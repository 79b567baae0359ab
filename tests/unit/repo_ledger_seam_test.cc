// The seam between repo/ and the ledger (issue 17): the repository stores the
// snapshot's ledger totals as an opaque JSON object, byte for byte, and the
// ledger owns their fields (ledger::EncodeTotals/DecodeTotals); it checks a
// wal object's seal, header and name, and leaves its records to the check
// its reader passes in (replicate::CheckShippedRecords for journal lines).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/status.h"
#include "ledger/totals.h"
#include "replicate/shipped_records.h"
#include "repo/crypto.h"
#include "repo/snapshot.h"
#include "repo/wal.h"

namespace pb::testing {
namespace {

using Kind = Status::Kind;

// A snapshot file as paymentsctl before issue 17 wrote it (EncodeSnapshot's
// field order, compact JSON, totals with typed fields).
const std::string kStoredSnapshot =
    R"({"version":1,"time":"2026-11-24T13:36:05.123Z","host":"db-1","data_dir":"/srv/payments/data",)"
    R"("mode":"essential","tags":["nightly"],"tree":")" + std::string(64, 'a') +
    R"(","include_env":false,"ledger":{"seq":52872,"hash":")" + std::string(64, 'b') +
    R"(","checkpoint_seq":52000,"totals":{"orchestrators":40,"workloads":52000,)"
    R"("balance_wei":"123000000000000000"}},"stats":{"files":12,"bytes":1234,"new_bytes":56,"stored_bytes":40}})";

TEST(RepoLedgerSeam, TotalsRoundTripThroughTheLedgersOwnFormat) {
  ledger::LedgerTotals t{40, 52000, static_cast<Wei>(123000000000000000LL)};
  const std::string json = ledger::EncodeTotals(t);
  EXPECT_EQ(json, R"({"orchestrators":40,"workloads":52000,"balance_wei":"123000000000000000"})");
  auto back = ledger::DecodeTotals(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == t);
}

TEST(RepoLedgerSeam, MalformedTotalsAreCorruptionNamingTheField) {
  struct Case {
    std::string json;
    std::string names;
  };
  for (const Case& c : {Case{"[]", "not a JSON object"}, Case{"{", "not a JSON object"},
                        Case{R"({"workloads":1,"balance_wei":"0"})", "orchestrators"},
                        Case{R"({"orchestrators":-1,"workloads":1,"balance_wei":"0"})", "orchestrators"},
                        Case{R"({"orchestrators":1,"workloads":"1","balance_wei":"0"})", "workloads"},
                        Case{R"({"orchestrators":1,"workloads":1,"balance_wei":5})", "balance_wei"},
                        Case{R"({"orchestrators":1,"workloads":1,"balance_wei":"1.5"})", "balance_wei"}}) {
    auto t = ledger::DecodeTotals(c.json);
    EXPECT_EQ(t.status().kind(), Kind::kCorruption) << c.json;
    EXPECT_NE(t.status().message().find(c.names), std::string::npos) << c.json << ": " << t.status().ToString();
  }
}

TEST(RepoLedgerSeam, ASnapshotFileReadsAndIsWrittenBackByteForByte) {
  auto s = repo::DecodeSnapshot(kStoredSnapshot, "snapshots/x");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->ledger && s->ledger->totals);
  EXPECT_EQ(s->ledger->seq, 52872u);
  auto totals = ledger::DecodeTotals(*s->ledger->totals);
  ASSERT_TRUE(totals.ok()) << totals.status().ToString();
  EXPECT_EQ(totals->workloads, 52000u);
  EXPECT_EQ(repo::EncodeSnapshot(*s), kStoredSnapshot);
}

TEST(RepoLedgerSeam, TheRepositoryDoesNotInterpretTheTotalsObject) {
  std::string other = kStoredSnapshot;
  const std::string from = R"("totals":{"orchestrators":40,"workloads":52000,"balance_wei":"123000000000000000"})";
  other.replace(other.find(from), from.size(), R"("totals":{"later_field":[1,2],"balance_wei":"x"})");
  auto s = repo::DecodeSnapshot(other, "snapshots/x");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s->ledger->totals, R"({"later_field":[1,2],"balance_wei":"x"})");
  EXPECT_EQ(repo::EncodeSnapshot(*s), other);
  EXPECT_EQ(ledger::DecodeTotals(*s->ledger->totals).status().kind(), Kind::kCorruption);

  std::string not_object = kStoredSnapshot;
  not_object.replace(not_object.find(from), from.size(), R"("totals":"40 orchestrators")");
  auto bad = repo::DecodeSnapshot(not_object, "snapshots/x");
  EXPECT_EQ(bad.status().kind(), Kind::kCorruption);
  EXPECT_NE(bad.status().message().find("totals"), std::string::npos) << bad.status().ToString();
}

repo::WalObject OpaqueObject() {
  repo::WalObject obj;
  obj.host = "host-a";
  obj.data_dir = "/srv/payments/data";
  obj.segment = "00000000000000000001.journal";
  obj.first_seq = 1;
  obj.last_seq = 2;
  obj.records = "not a journal line\nnor this\n";
  return obj;
}

TEST(RepoLedgerSeam, AWalObjectsRecordsAreCheckedByTheCheckItsReaderGives) {
  repo::MasterKey key;
  key.encryption.fill(7);
  const repo::WalObject obj = OpaqueObject();
  const std::string stored = repo::EncodeWalObject(key, obj);
  Digest marker;
  marker.fill(0x5a);
  int calls = 0;
  auto accept = [&](repo::WalObject* o) {
    ++calls;
    EXPECT_EQ(o->records, obj.records);
    o->last_hash = marker;
    return Status::Ok();
  };
  auto back = repo::DecodeWalObject(key, stored, "", "wal/x", accept);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(back->last_hash, marker);

  auto refuse = [](repo::WalObject*) { return Status::Corruption("record seq 2: the hash chain breaks"); };
  auto refused = repo::DecodeWalObject(key, stored, "", "wal/x", refuse);
  EXPECT_EQ(refused.status().kind(), Kind::kCorruption);
  EXPECT_EQ(refused.status().message(), "wal/x: record seq 2: the hash chain breaks");

  // The journal-line check refuses these records, naming the record.
  auto journal = repo::DecodeWalObject(key, stored, "", "wal/x", replicate::CheckShippedRecords);
  EXPECT_EQ(journal.status().kind(), Kind::kCorruption);
  EXPECT_NE(journal.status().message().find("wal/x: record seq 1 (segment 00000000000000000001.journal byte offset 0)"),
            std::string::npos)
      << journal.status().ToString();
}

}  // namespace
}  // namespace pb::testing
