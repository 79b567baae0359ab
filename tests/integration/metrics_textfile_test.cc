// paymentsctl backup, drill and doctor with --metrics-file: the
// node-exporter textfile each run leaves (outcome, duration, end time, last
// success carried over a failure, the backup's bytes and snapshot time,
// the drill's recovery time), accepted by `promtool check metrics`; a path
// the collector would not read is refused before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "common/process.h"
#include "metrics/exposition.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

class MetricsTextfile : public BackupTest {
 protected:
  void SetUp() override {
    PB_ASSERT_OK(MakeLedgerDataDir(Sub("data"), 50));
    InitRepo();
    fs::create_directories(Sub("textfiles"));
  }

  std::string File(const std::string& name) const { return Sub("textfiles/" + name); }

  // The value of payments_<job>_<suffix> with `labels` in the textfile at
  // `path` (nullopt when the file or the sample is absent).
  static std::optional<double> Sample(const std::string& path, const std::string& job, const std::string& suffix,
                                      const std::vector<std::pair<std::string, std::string>>& labels) {
    std::vector<std::string> names, values;
    for (const auto& [n, v] : labels) {
      names.push_back(n);
      values.push_back(v);
    }
    return metrics::FindSample(ReadFileOrEmpty(path), metrics::SeriesKey("payments_" + job + "_" + suffix, "", names, values));
  }
  std::optional<double> BackupSample(const std::string& path, const std::string& suffix) const {
    return Sample(path, "backup", suffix, {{"repo", Repo()}, {"data_dir", Sub("data")}, {"target", ""}});
  }
  std::optional<double> DrillSample(const std::string& path, const std::string& suffix) const {
    return Sample(path, "drill", suffix, {{"repo", Repo()}, {"host", ""}, {"path", ""}});
  }

  ChildResult BackupTo(const std::string& metrics_file, const std::string& password = kRepoPassword) const {
    return RunChild(CtlArgv({"backup", "--repo", Repo(), "--data-dir", Sub("data"), "--metrics-file", metrics_file}),
                    CtlEnv(password), std::chrono::seconds(120));
  }

  static void ExpectPromtoolAccepts(const std::string& path) {
    auto check = RunCaptured({"promtool", "check", "metrics"}, ReadFileOrEmpty(path), 30000);
    ASSERT_TRUE(check.ok()) << "promtool (scripts/setup.sh installs prometheus): " << check.status().ToString();
    EXPECT_EQ(check->exit_code, 0) << check->out << check->err << "\n--- " << path << ":\n" << ReadFileOrEmpty(path);
  }

  size_t SnapshotCount() {
    ChildResult r = Ctl({"snapshots", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return JsonDoc(r.out).Strings("snapshots", "id").size();
  }
};

TEST_F(MetricsTextfile, BackupRecordsSuccessDurationEndBytesAndSnapshotTime) {
  const std::string path = File("payments-backup.prom");
  ChildResult r = BackupTo(path);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(BackupSample(path, "success"), 1) << ReadFileOrEmpty(path);
  const double end = BackupSample(path, "end_timestamp_seconds").value_or(-1);
  EXPECT_GT(end, 1.6e9) << ReadFileOrEmpty(path);
  EXPECT_EQ(BackupSample(path, "last_success_timestamp_seconds"), end);
  EXPECT_GE(BackupSample(path, "duration_seconds").value_or(-1), 0);
  EXPECT_GT(BackupSample(path, "added_bytes").value_or(-1), 0);
  const double snapshot_time = BackupSample(path, "snapshot_timestamp_seconds").value_or(-1);
  EXPECT_GT(snapshot_time, 1.6e9);
  EXPECT_LE(snapshot_time, end);
  ExpectPromtoolAccepts(path);
  EXPECT_EQ(DirEntries(Sub("textfiles")).size(), 1u) << "a temporary file was left";
}

TEST_F(MetricsTextfile, FailedBackupRecordsTheFailureAndKeepsTheLastSuccessTime) {
  const std::string path = File("payments-backup.prom");
  ASSERT_EQ(BackupTo(path).exit_code, 0);
  const double last_success = BackupSample(path, "last_success_timestamp_seconds").value_or(-1);
  ChildResult failed = BackupTo(path, "a wrong password");
  ASSERT_EQ(failed.exit_code, 1) << failed.Describe();
  EXPECT_EQ(BackupSample(path, "success"), 0) << ReadFileOrEmpty(path);
  EXPECT_EQ(BackupSample(path, "last_success_timestamp_seconds"), last_success) << ReadFileOrEmpty(path);
  EXPECT_GE(BackupSample(path, "end_timestamp_seconds").value_or(-1), last_success);
  EXPECT_EQ(BackupSample(path, "added_bytes"), std::nullopt) << "no snapshot, no bytes:\n" << ReadFileOrEmpty(path);
  ExpectPromtoolAccepts(path);
}

TEST_F(MetricsTextfile, ABackupThatNeverSucceededSaysSoWithZero) {
  const std::string path = File("payments-backup.prom");
  ASSERT_EQ(BackupTo(path, "a wrong password").exit_code, 1);
  EXPECT_EQ(BackupSample(path, "success"), 0) << ReadFileOrEmpty(path);
  EXPECT_EQ(BackupSample(path, "last_success_timestamp_seconds"), 0) << ReadFileOrEmpty(path);
}

TEST_F(MetricsTextfile, DrillRecordsItsOutcomeAndRecoveryTime) {
  ASSERT_FALSE(BackupId(Sub("data")).empty());
  fs::create_directories(Sub("work"));
  const std::string path = File("payments-drill.prom");
  ChildResult passed = Ctl({"drill", "latest", "--work-dir", Sub("work"), "--metrics-file", path});
  ASSERT_EQ(passed.exit_code, 0) << passed.Describe();
  EXPECT_EQ(DrillSample(path, "success"), 1) << ReadFileOrEmpty(path);
  EXPECT_GT(DrillSample(path, "recovery_seconds").value_or(-1), 0) << ReadFileOrEmpty(path);
  const double last_success = DrillSample(path, "last_success_timestamp_seconds").value_or(-1);
  EXPECT_EQ(last_success, DrillSample(path, "end_timestamp_seconds"));
  ExpectPromtoolAccepts(path);

  ChildResult failed = Ctl({"drill", "latest", "--work-dir", Sub("work"), "--backend", Sub("no-such-backend"),
                            "--metrics-file", path});
  ASSERT_EQ(failed.exit_code, 1) << failed.Describe();
  EXPECT_EQ(DrillSample(path, "success"), 0) << ReadFileOrEmpty(path);
  EXPECT_EQ(DrillSample(path, "recovery_seconds"), std::nullopt) << ReadFileOrEmpty(path);
  EXPECT_EQ(DrillSample(path, "last_success_timestamp_seconds"), last_success);
}

TEST_F(MetricsTextfile, DoctorRecordsWhetherItFoundAnError) {
  const std::string path = File("payments-doctor.prom");
  ChildResult r = RunChild(CtlArgv({"doctor", "--data-dir", Sub("data"), "--no-imds", "--metrics-file", path}),
                           CtlEnv(), std::chrono::seconds(60));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.Describe();
  EXPECT_EQ(Sample(path, "doctor", "success", {{"data_dir", Sub("data")}}), r.exit_code == 0 ? 1 : 0)
      << r.Describe() << ReadFileOrEmpty(path);
  ExpectPromtoolAccepts(path);
}

TEST_F(MetricsTextfile, APathTheCollectorWouldNotReadIsRefusedBeforeTheBackup) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {File("payments-backup.txt"), "must end in .prom"},
      {Sub("no-such-dir/payments-backup.prom"), "does not exist"}};
  for (const auto& [bad, why] : cases) {
    ChildResult r = BackupTo(bad);
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.err.find("--metrics-file"), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find(why), std::string::npos) << r.Describe();
    EXPECT_FALSE(fs::exists(bad));
  }
  EXPECT_EQ(SnapshotCount(), 0u) << "a refused --metrics-file must stop the backup before it starts";
}

TEST_F(MetricsTextfile, AMetricsFileThatCannotBeWrittenFailsTheRunAfterTheBackup) {
  const std::string path = File("payments-backup.prom");
  fs::create_directories(path);  // a directory where the file should be: the rename fails
  ChildResult r = BackupTo(path);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("could not be written"), std::string::npos) << r.Describe();
  EXPECT_EQ(SnapshotCount(), 1u) << "the backup itself was done";
}

}  // namespace
}  // namespace pb::integration
