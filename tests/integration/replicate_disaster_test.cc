// The disaster: a backend under continuous credit load replicating to a
// repository; kill -9 of the backend (and of the replicator), rm -rf of the
// data directory, restore from the repository alone. Proved from the
// replicator's own reports, not from the clock: its shipped seq advanced while
// credits arrived, and the restore holds every record up to the shipped seq it
// reported before the kill (so only records it had not yet shipped can be
// missing). The loss window in time (age of the oldest missing credit at the
// kill) depends on the machine's load: it is printed and recorded, not
// asserted. The repository is a local directory, or an s3:// prefix on a real
// s3rver on 127.0.0.1 (the disaster: restore from S3 alone).
#include <filesystem>
#include <iostream>
#include <regex>
#include <thread>

#include "common/time_util.h"
#include "support/backup_fixture.h"
#include "support/replication_fixture.h"
#include "support/s3rver_fixture.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

constexpr auto kLoad = 10s;

// The unsigned number after "name": in `json`; 0 when absent.
uint64_t JsonUInt(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\":([0-9]+)"))) return 0;
  return std::stoull(m[1].str());
}

struct DisasterOutcome {
  size_t acknowledged = 0;
  size_t missing = 0;
  int64_t max_missing_age_ms = -1;  // at the kill; -1: none missing
  int64_t restore_ms = 0;
  uint64_t shipped_early = 0;  // the replicator's shipped seq early in the load
  uint64_t shipped = 0;        // its last report before the kill
  uint64_t restored_seq = 0;   // the restored journal's last seq
};

class ReplicateDisasterTest : public ReplicateTest {
 protected:
  // `in_process`: payments-backend --replicate-to; else a separate
  // paymentsctl replicate beside it.
  DisasterOutcome Run(bool in_process) {
    DisasterOutcome outcome;
    const std::string data = dir_.Sub("data");
    std::vector<std::string> args;
    if (in_process) args = {"--replicate-to", target_.repo};
    auto backend = StartBackend(data, args);
    if (backend == nullptr) return outcome;
    Register(backend->port(), "orch-1");
    std::unique_ptr<Child> replicator;
    if (!in_process) replicator = StartReplicator(data);
    ChildResult ok = WaitForState(data, "ok");
    EXPECT_EQ(ok.exit_code, 0) << ok.Describe();

    AckedCredits load(backend->port(), "orch-1", "wl", 2, kLoad + 5s);
    std::this_thread::sleep_for(kLoad / 2);
    outcome.shipped_early = JsonUInt(ReplicateStatus(data).out, "shipped_seq");
    std::this_thread::sleep_for(kLoad / 2);
    const ChildResult before_kill = ReplicateStatus(data);
    outcome.shipped = JsonUInt(before_kill.out, "shipped_seq");
    const int64_t kill_ms = NowMillis();
    EXPECT_EQ(backend->Kill9(), 137);
    if (replicator) replicator->Kill9();
    load.Stop();
    std::filesystem::remove_all(data);

    const auto started = std::chrono::steady_clock::now();
    ChildResult restored = Ctl({"restore", "latest", "--to", data, "--json"}, 120s);
    outcome.restore_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(restored.exit_code, 0) << restored.Describe();
    outcome.restored_seq = JsonUInt(restored.out, "journal_seq");
    RunOutput verify = RunVerify(data);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;

    std::set<std::string> ids = WorkloadIds(data);
    auto acks = load.acks();
    outcome.acknowledged = acks.size();
    for (const Ack& a : acks) {
      if (ids.count(a.workload_id)) continue;
      ++outcome.missing;
      outcome.max_missing_age_ms = std::max(outcome.max_missing_age_ms, kill_ms - a.ack_ms);
    }
    std::cout << "[ disaster ] " << (in_process ? "--replicate-to" : "paymentsctl replicate") << ": "
              << outcome.acknowledged << " credits acknowledged in " << kLoad.count() << " s, " << outcome.missing
              << " missing after restore; loss window (oldest missing credit, acknowledged before the kill): "
              << (outcome.missing ? std::to_string(outcome.max_missing_age_ms) + " ms" : "none")
              << "; restore took " << outcome.restore_ms << " ms; shipped seq " << outcome.shipped_early
              << " mid-load, " << outcome.shipped << " before the kill, restored seq " << outcome.restored_seq << "\n"
              << "[ disaster ] restore: " << restored.out;
    RecordProperty("acknowledged", static_cast<int>(outcome.acknowledged));
    RecordProperty("missing", static_cast<int>(outcome.missing));
    RecordProperty("loss_window_ms", static_cast<int>(outcome.max_missing_age_ms));
    RecordProperty("restore_ms", static_cast<int>(outcome.restore_ms));
    return outcome;
  }

  // What every variant must show, from the programs' own reports.
  static void ExpectNothingShippedIsLost(const DisasterOutcome& o) {
    EXPECT_GT(o.acknowledged, 0u);
    EXPECT_GT(o.shipped_early, 0u) << "the replicator reported nothing shipped while credits arrived";
    EXPECT_GT(o.shipped, o.shipped_early) << "shipping did not continue during the load";
    EXPECT_GE(o.restored_seq, o.shipped)
        << "records the replicator reported shipped before the kill are missing from the restore";
  }
};

// The same disaster with the repository on an S3 endpoint: s3rver, started
// before SetUp initialises the repository there.
class ReplicateDisasterS3Test : public ReplicateDisasterTest {
 protected:
  ReplicationTarget MakeTarget() override {
    Status started = s3_.Start();
    EXPECT_TRUE(started.ok()) << started.ToString() << "\n" << FileTail(dir_.Sub("s3rver.log"));
    if (!started.ok()) return {};
    ReplicationTarget target = LocalReplicationTarget(dir_);  // for its password variable
    target.repo = std::string("s3://") + S3rver::kBucket + "/replica";
    for (const std::string& kv : s3_.ClientEnv()) target.env.push_back(kv);
    return target;
  }

  S3rver s3_{dir_.Sub("store"), dir_.Sub("s3rver.log")};
};

TEST_F(ReplicateDisasterS3Test, KillNineAndRmRfOfABackendReplicatingToS3LosesNoRecordTheReplicatorReportedShipped) {
  ExpectNothingShippedIsLost(Run(/*in_process=*/true));
}

TEST_F(ReplicateDisasterTest, KillNineAndRmRfOfABackendWithReplicateToLosesNoRecordTheReplicatorReportedShipped) {
  ExpectNothingShippedIsLost(Run(/*in_process=*/true));
}

TEST_F(ReplicateDisasterTest, KillNineOfBackendAndSeparateReplicatorLosesNoRecordTheReplicatorReportedShipped) {
  ExpectNothingShippedIsLost(Run(/*in_process=*/false));
}

}  // namespace
}  // namespace pb::integration
