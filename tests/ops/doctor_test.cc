// paymentsctl doctor: the checks as functions (src/ops/doctor.h) and through
// the real binary, with the recording fake AWS CLI (tests/ops/fake-aws) first
// on PATH. The instance metadata service is never asked (PAYMENTS_NO_IMDS).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ops/doctor.h"
#include "support/backup_fixture.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using ops::Finding;
using ops::Severity;

constexpr char kInstance[] = "i-0123456789abcdef0";
constexpr char kRegion[] = "eu-west-1";

const Finding* Find(const std::vector<Finding>& findings, const std::string& check, Severity severity) {
  for (const Finding& f : findings) {
    if (f.check == check && f.severity == severity) return &f;
  }
  return nullptr;
}

class DoctorTest : public BackupTest {
 protected:
  void SetUp() override {
    data_ = Sub("app/data");
    PB_ASSERT_OK(MakeLedgerDataDir(data_, 50));
    fs::create_directories(Sub("fakebin"));
    fs::create_directories(Sub("aws-state"));
    fs::create_symlink(SourcePath("tests/ops/fake-aws"), Sub("fakebin/aws"));
    std::ofstream(Sub("plan")).flush();
  }

  // The next call the AWS CLI must get, and the fixture it answers with.
  void Plan(int exit_code, const std::string& response, const std::vector<std::string>& args) {
    std::ofstream plan(Sub("plan"), std::ios::app);
    plan << exit_code << '\t' << response;
    for (const std::string& a : args) plan << '\t' << a;
    plan << '\n';
  }
  void ExpectPlanDone() {
    EXPECT_EQ(ReadFileOrEmpty(Sub("aws-state/failures")), "");
    size_t planned = Lines(ReadFileOrEmpty(Sub("plan"))).size();
    std::string made = ReadFileOrEmpty(Sub("aws-state/next"));
    EXPECT_EQ(made.empty() ? 0 : std::stoul(made), planned) << "aws calls made vs planned";
  }

  // paymentsctl doctor --data-dir data_ --json --owner <this test's user>
  // <extra>, the fake aws first on PATH.
  ChildResult Doctor(std::vector<std::string> extra, const std::string& path_dirs = "") {
    std::vector<std::string> argv = {"doctor", "--data-dir", data_, "--json", "--owner",
                                     std::to_string(::geteuid()) + ":" + std::to_string(::getegid())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildOptions env = CtlEnv();
    const char* path = std::getenv("PATH");
    env.set_env.push_back("PATH=" + (path_dirs.empty() ? Sub("fakebin") + ":" + path : path_dirs));
    env.set_env.push_back("PAYMENTS_NO_IMDS=1");
    env.set_env.push_back("FAKE_AWS_PLAN=" + Sub("plan"));
    env.set_env.push_back("FAKE_AWS_STATE=" + Sub("aws-state"));
    env.set_env.push_back("FAKE_AWS_FIXTURES=" + SourcePath("tests/ops/fixtures"));
    env.unset_env = {"AWS_REGION", "AWS_DEFAULT_REGION", "PAYMENTS_EC2_INSTANCE_ID"};
    return RunChild(CtlArgv(argv), env, std::chrono::seconds(60));
  }

  // The finding of `check` in doctor --json output: "severity|what|fix".
  static std::string FindingOf(const std::string& json, const std::string& check) {
    JsonDoc doc(json);
    simdjson::dom::array findings;
    if (!doc.ok() || doc.root()["findings"].get_array().get(findings) != simdjson::SUCCESS) return "not JSON: " + json;
    for (auto f : findings) {
      std::string_view c, sev, what, fix;
      if (f["check"].get_string().get(c) != simdjson::SUCCESS || c != check) continue;
      if (f["severity"].get_string().get(sev) || f["what"].get_string().get(what) ||
          f["fix"].get_string().get(fix)) {
        return "malformed finding in " + json;
      }
      return std::string(sev) + "|" + std::string(what) + "|" + std::string(fix);
    }
    return "no " + check + " finding in " + json;
  }

  bool DataOnRootFilesystem() const {
    struct stat data, root;
    return ::stat(data_.c_str(), &data) == 0 && ::stat("/", &root) == 0 && data.st_dev == root.st_dev;
  }

  // CheckDisk of data_ with `root_path` as the root filesystem.
  std::vector<Finding> DiskFindings(const std::string& root_path) const {
    ops::DiskCheckOptions o;
    o.data_dir = data_;
    o.root_path = root_path;
    return ops::CheckDisk(o);
  }

  std::vector<std::string> AwsArgs() const {
    return {"--instance-id", kInstance, "--region", kRegion};
  }
  void PlanDescribeInstances(int exit_code, const std::string& response) {
    Plan(exit_code, response,
         {"ec2", "describe-instances", "--instance-ids", kInstance, "--region", kRegion, "--output", "json"});
  }

  std::string data_;
};

TEST_F(DoctorTest, SameFilesystemAsRootIsAWarningWithTheFix) {
  auto findings = DiskFindings(fs::path(data_).parent_path().string());  // certainly the same filesystem
  const Finding* f = Find(findings, "volume", Severity::kWarn);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->what.find("is on the same filesystem as"), std::string::npos) << f->what;
  EXPECT_NE(f->fix.find("aws ec2 create-volume"), std::string::npos) << f->fix;
}

TEST_F(DoctorTest, OwnFilesystemIsRecognisedAndItsMountNamed) {
  auto findings = DiskFindings("/proc");  // a filesystem data/ is certainly not on
  const Finding* f = Find(findings, "volume", Severity::kOk);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->what.find("is on its own filesystem"), std::string::npos) << f->what;
  EXPECT_NE(f->what.find("mounted at /"), std::string::npos) << f->what;
}

TEST_F(DoctorTest, CliReportsTheVolumeAsTheFilesystemsSay) {
  ChildResult r = Doctor({"--no-imds"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::string volume = FindingOf(r.out, "volume");
  EXPECT_EQ(volume.substr(0, volume.find('|')), DataOnRootFilesystem() ? "warn" : "ok") << volume;
  EXPECT_EQ(FindingOf(r.out, "permissions").substr(0, 3), "ok|");
}

TEST_F(DoctorTest, FreeSpaceThresholds) {
  const uint64_t mib = 1 << 20;
  EXPECT_EQ(ops::FreeSpaceFinding("/d", 100 * mib, 1 * mib, 2.0).severity, Severity::kError);
  EXPECT_EQ(ops::FreeSpaceFinding("/d", 1000 * mib, 600 * mib, 2.0).severity, Severity::kWarn);
  EXPECT_EQ(ops::FreeSpaceFinding("/d", 1300 * mib, 600 * mib, 2.0).severity, Severity::kOk);
  Finding low = ops::FreeSpaceFinding("/d", 100 * mib, 1 * mib, 2.0);
  EXPECT_NE(low.fix.find("aws ec2 modify-volume"), std::string::npos) << low.fix;
}

TEST_F(DoctorTest, BadPermissionsAreFoundWithTheirFixes) {
  fs::permissions(data_ + "/balances.json", fs::perms::others_write, fs::perm_options::add);
  fs::permissions(data_ + "/audit", fs::perms::owner_write, fs::perm_options::remove);
  std::ofstream(Sub("app/.env")) << "PAYMENTS_API_ADMIN_TOKEN=x\n";
  fs::permissions(Sub("app/.env"), fs::perms::others_read, fs::perm_options::add);
  ChildResult r = Doctor({"--no-imds"});
  fs::permissions(data_ + "/audit", fs::perms::owner_write, fs::perm_options::add);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(FindingOf(r.out, "env-file"), "warn|" + Sub("app/.env") + " (secrets) is readable by other users|chmod 600 '" +
                                              Sub("app/.env") + "'");
  EXPECT_NE(r.out.find("entries lack owner read/write (directories also search): " + data_ + "/audit"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chmod -R u+rwX '" + data_ + "'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("entries are writable by every user: " + data_ + "/balances.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chmod o-w '" + data_ + "/balances.json'"), std::string::npos) << r.out;
}

TEST_F(DoctorTest, EntriesOfAnotherUserAreAnError) {
  ops::DiskCheckOptions o;
  o.data_dir = data_;
  o.owner = ops::ServiceUser{::geteuid() + 4242, ::getegid(), "a test"};
  auto findings = ops::CheckDisk(o);
  const Finding* f = Find(findings, "permissions", Severity::kError);
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->what.find("are not owned by"), std::string::npos) << f->what;
  EXPECT_EQ(f->fix.rfind("sudo chown -R " + std::to_string(::geteuid() + 4242) + ":", 0), 0u) << f->fix;
}

TEST_F(DoctorTest, SnapshotAgeIsOkWhenFreshAndAnErrorPastTheLimit) {
  repo::SnapshotRef s;
  s.id = "abcdef0123456789";
  s.snapshot.host = "h";
  s.snapshot.data_dir = data_;
  s.snapshot.time_ms = 1'700'000'000'000;
  const int64_t hour = 3600000;
  EXPECT_EQ(ops::CheckSnapshotAge({s}, "h", data_, "/r", s.snapshot.time_ms + 2 * hour, 26 * hour).severity,
            Severity::kOk);
  Finding old = ops::CheckSnapshotAge({s}, "h", data_, "/r", s.snapshot.time_ms + 27 * hour, 26 * hour);
  EXPECT_EQ(old.severity, Severity::kError);
  EXPECT_NE(old.what.find("is 27 h 0 min old, over the 26 h 0 min limit"), std::string::npos) << old.what;
  EXPECT_EQ(old.fix.rfind("paymentsctl backup --repo '/r' --data-dir '" + data_ + "'", 0), 0u) << old.fix;
  // Snapshots of another directory or host do not count.
  Finding none = ops::CheckSnapshotAge({s}, "other-host", data_, "/r", s.snapshot.time_ms, 26 * hour);
  EXPECT_EQ(none.severity, Severity::kError);
  EXPECT_NE(none.what.find("has no snapshot of"), std::string::npos) << none.what;
}

TEST_F(DoctorTest, CliReadsTheNewestSnapshotFromTheRepository) {
  InitRepo();
  ChildResult before = Doctor({"--no-imds", "--repo", Repo()});
  EXPECT_EQ(FindingOf(before.out, "snapshot-age").substr(0, 6), "error|") << before.out;
  EXPECT_EQ(before.exit_code, 1) << before.Describe();
  Backup(data_);
  ChildResult after = Doctor({"--no-imds", "--repo", Repo()});
  EXPECT_EQ(FindingOf(after.out, "snapshot-age").substr(0, 3), "ok|") << after.out;
}

TEST_F(DoctorTest, RepositoryThatCannotBeOpenedIsAnError) {
  ChildResult r = Doctor({"--no-imds", "--repo", Sub("no-repo")});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(FindingOf(r.out, "snapshot-age").substr(0, 6), "error|") << r.out;
}

TEST_F(DoctorTest, RootVolumeDeletedOnTerminationIsFoundThroughTheAwsCli) {
  PlanDescribeInstances(0, "describe-instances-dot-on.json");
  ChildResult r = Doctor(AwsArgs());
  std::string f = FindingOf(r.out, "ec2-root-volume");
  const bool on_root = DataOnRootFilesystem();
  EXPECT_EQ(f.substr(0, f.find('|')), on_root ? "error" : "warn") << f;
  EXPECT_EQ(r.exit_code, on_root ? 1 : 0) << r.Describe();
  EXPECT_NE(f.find("the root volume vol-0a1b2c3d4e5f60718 (/dev/xvda) of i-0123456789abcdef0 has "
                   "DeleteOnTermination on"),
            std::string::npos) << f;
  EXPECT_NE(f.find("|aws ec2 modify-instance-attribute --instance-id i-0123456789abcdef0 --region eu-west-1 "
                   "--block-device-mappings '[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"DeleteOnTermination\":false}}]'"),
            std::string::npos) << f;
  ExpectPlanDone();
}

TEST_F(DoctorTest, RootVolumeKeptOnTerminationIsOk) {
  PlanDescribeInstances(0, "describe-instances-dot-off.json");
  ChildResult r = Doctor(AwsArgs());
  EXPECT_EQ(FindingOf(r.out, "ec2-root-volume"),
            "ok|the root volume vol-0a1b2c3d4e5f60718 (/dev/xvda) of i-0123456789abcdef0 is kept when the instance "
            "terminates|");
  ExpectPlanDone();
}

TEST_F(DoctorTest, AwsCliFailureIsAWarningNamingTheCall) {
  PlanDescribeInstances(254, "describe-unauthorized.txt");
  ChildResult r = Doctor(AwsArgs());
  std::string f = FindingOf(r.out, "ec2-root-volume");
  EXPECT_EQ(f.rfind("warn|aws ec2 describe-instances --instance-ids i-0123456789abcdef0 failed (exit 254: An error "
                    "occurred (UnauthorizedOperation)",
                    0),
            0u)
      << f;
  ExpectPlanDone();
}

TEST_F(DoctorTest, RegionComesFromTheAwsCliConfiguration) {
  Plan(0, "configured-region.txt", {"configure", "get", "region"});
  Plan(0, "describe-instances-dot-off.json",
       {"ec2", "describe-instances", "--instance-ids", kInstance, "--region", "eu-central-1", "--output", "json"});
  ChildResult r = Doctor({"--instance-id", kInstance});
  EXPECT_EQ(FindingOf(r.out, "ec2-root-volume").substr(0, 3), "ok|") << r.out;
  ExpectPlanDone();
}

TEST_F(DoctorTest, NoRegionConfiguredIsAWarning) {
  Plan(1, "-", {"configure", "get", "region"});
  ChildResult r = Doctor({"--instance-id", kInstance});
  EXPECT_EQ(FindingOf(r.out, "ec2-root-volume").substr(0, 5), "warn|") << r.out;
  EXPECT_NE(r.out.find("aws configure set region REGION"), std::string::npos) << r.out;
  ExpectPlanDone();
}

TEST_F(DoctorTest, WithoutInstanceIdAndMetadataServiceTheCheckIsSkipped) {
  ChildResult r = Doctor({});
  EXPECT_EQ(FindingOf(r.out, "ec2-root-volume").substr(0, 5), "info|") << r.out;
  ExpectPlanDone();  // no aws call at all
}

TEST_F(DoctorTest, WithoutTheAwsCliTheCheckIsSkipped) {
  fs::create_directories(Sub("emptybin"));
  ChildResult r = Doctor(AwsArgs(), Sub("emptybin"));
  EXPECT_EQ(FindingOf(r.out, "ec2-root-volume").substr(0, 5), "info|") << r.out;
  EXPECT_NE(r.out.find("the AWS CLI is not installed"), std::string::npos) << r.out;
}

TEST_F(DoctorTest, MissingDataDirectoryIsAnError) {
  ChildResult r = RunChild(CtlArgv({"doctor", "--data-dir", Sub("nope"), "--no-imds"}), CtlEnv(),
                           std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("is not a directory"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace pb::integration
