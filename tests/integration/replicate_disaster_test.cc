// The disaster: a backend under continuous credit load replicating to a
// repository; kill -9 of the backend (and of the replicator), rm -rf of the
// data directory, restore from the repository alone. No credit acknowledged
// more than 1 s before the kill may be missing. The repository is a local
// directory, or an s3:// prefix on a real s3rver on 127.0.0.1 (the issue's
// disaster: restore from S3 alone).
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/time_util.h"
#include "support/backup_fixture.h"
#include "support/replication_fixture.h"
#include "support/s3rver_fixture.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

constexpr auto kLoad = 10s;
constexpr int64_t kRpoMillis = 1000;

struct DisasterOutcome {
  size_t acknowledged = 0;
  size_t missing = 0;
  int64_t max_missing_age_ms = -1;  // at the kill; -1: none missing
  int64_t restore_ms = 0;
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

    CreditLoad load(backend->port(), "orch-1", "wl", 2, kLoad + 5s);
    std::this_thread::sleep_for(kLoad);
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
              << "; restore took " << outcome.restore_ms << " ms\n"
              << "[ disaster ] restore: " << restored.out;
    RecordProperty("acknowledged", static_cast<int>(outcome.acknowledged));
    RecordProperty("missing", static_cast<int>(outcome.missing));
    RecordProperty("loss_window_ms", static_cast<int>(outcome.max_missing_age_ms));
    RecordProperty("restore_ms", static_cast<int>(outcome.restore_ms));
    return outcome;
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

TEST_F(ReplicateDisasterS3Test, KillNineAndRmRfOfABackendReplicatingToS3LosesNothingOlderThanOneSecond) {
  DisasterOutcome o = Run(/*in_process=*/true);
  EXPECT_GT(o.acknowledged, 500u);
  EXPECT_LE(o.max_missing_age_ms, kRpoMillis) << o.missing << " acknowledged credits are missing";
}

TEST_F(ReplicateDisasterTest, KillNineAndRmRfOfABackendWithReplicateToLosesNothingOlderThanOneSecond) {
  DisasterOutcome o = Run(/*in_process=*/true);
  EXPECT_GT(o.acknowledged, 500u);
  EXPECT_LE(o.max_missing_age_ms, kRpoMillis) << o.missing << " acknowledged credits are missing";
}

TEST_F(ReplicateDisasterTest, KillNineOfBackendAndSeparateReplicatorLosesNothingOlderThanOneSecond) {
  DisasterOutcome o = Run(/*in_process=*/false);
  EXPECT_GT(o.acknowledged, 500u);
  EXPECT_LE(o.max_missing_age_ms, kRpoMillis) << o.missing << " acknowledged credits are missing";
}

}  // namespace
}  // namespace pb::integration
