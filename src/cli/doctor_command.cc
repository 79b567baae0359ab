// paymentsctl doctor.
#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/command_line.h"
#include "cli/job_metrics.h"
#include "cli/ops_commands.h"
#include "cli/repo_access.h"
#include "common/time_util.h"
#include "ops/aws_root_volume.h"
#include "ops/doctor.h"
#include "repo/lock.h"

namespace pb::cli {
namespace {

struct DoctorCliOptions {
  std::string data_dir = "./data";
  RepoOptions repo;
  std::string owner;
  std::string host;
  double min_free_ratio = 2.0;
  std::string max_age = "26h";
  int max_age_hours = 0;  // the older spelling of --max-age
  std::string instance_id;
  std::string region;
  bool no_imds = false;
  std::string metrics_file;
  OutputOptions output;

  Result<int64_t> MaxAgeMs() const {
    if (max_age_hours > 0) return int64_t{max_age_hours} * 3600000;
    auto ms = ParseDurationMillis(max_age);
    if (!ms.ok()) return Status::InvalidArgument("--max-age: " + ms.status().message());
    return ms;
  }
};

// --owner USER[:GROUP]: a name or a number for each; the group defaults to
// the user's (its passwd group, or the same number).
Result<ops::ServiceUser> ParseOwner(const std::string& owner) {
  const std::string user = owner.substr(0, owner.find(':'));
  const std::string group = owner.find(':') == std::string::npos ? "" : owner.substr(owner.find(':') + 1);
  // A uid or gid in digits that fits in 32 bits (std::stoul would throw).
  auto numeric = [](const std::string& t) {
    uint32_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && end == t.data() + t.size();
  };
  ops::ServiceUser out;
  out.source = "--owner";
  if (struct passwd* pw = ::getpwnam(user.c_str())) {
    out.uid = pw->pw_uid;
    out.gid = pw->pw_gid;
  } else if (numeric(user)) {
    out.uid = static_cast<uid_t>(std::strtoul(user.c_str(), nullptr, 10));
    out.gid = static_cast<gid_t>(out.uid);
  } else {
    return Status::InvalidArgument("--owner " + owner + ": " + user + " is neither a user name nor a numeric uid");
  }
  if (struct group* gr = group.empty() ? nullptr : ::getgrnam(group.c_str())) {
    out.gid = gr->gr_gid;
  } else if (numeric(group)) {
    out.gid = static_cast<gid_t>(std::strtoul(group.c_str(), nullptr, 10));
  } else if (!group.empty()) {
    return Status::InvalidArgument("--owner " + owner + ": " + group + " is neither a group name nor a numeric gid");
  }
  return out;
}

ops::Finding SnapshotFinding(const DoctorCliOptions& o, const std::string& data_dir, int64_t max_age_ms, Output& out) {
  auto opened = OpenRepo(o.repo, {.mode = repo::LockMode::kRead, .operation = "doctor"}, &out);
  if (!opened.ok()) {
    return {ops::Severity::kError, "snapshot-age", "cannot open the repository " + o.repo.repo + ": " +
                                                       opened.status().message(),
            "export PAYMENTS_REPO_PASSWORD=... (or --password-file FILE); paymentsctl snapshots --repo '" +
                o.repo.repo + "'"};
  }
  auto snapshots = ReadableSnapshots(opened->repo.get(), out);
  if (!snapshots.ok()) {
    return {ops::Severity::kError, "snapshot-age", snapshots.status().message(),
            "paymentsctl check --repo '" + o.repo.repo + "'"};
  }
  return ops::CheckSnapshotAge(*snapshots, o.host.empty() ? repo::HostName() : o.host, data_dir, o.repo.repo,
                               NowMillis(), max_age_ms);
}

class DoctorPrinter : public Report {
 public:
  DoctorPrinter(const std::string& data_dir, const std::vector<ops::Finding>& findings)
      : data_dir_(data_dir), findings_(findings) {}
  // Not ok when a finding is an error.
  bool ok() const override {
    for (const ops::Finding& f : findings_) {
      if (f.severity == ops::Severity::kError) return false;
    }
    return true;
  }
  void Json(JsonObject& o) const override {
    o.Str("data_dir", data_dir_).Raw("findings", JsonArray(findings_, [](std::string* out, const ops::Finding& f) {
      JsonObject(out)
          .Str("severity", ops::SeverityName(f.severity))
          .Str("check", f.check)
          .Str("what", f.what)
          .Str("fix", f.fix)
          .Close();
    }));
  }
  void Text(std::ostream& out) const override {
    out << "doctor: " << data_dir_ << "\n";
    char line[64];
    for (const ops::Finding& f : findings_) {
      std::snprintf(line, sizeof(line), "  %-5s %-16s ", ops::SeverityName(f.severity), f.check.c_str());
      out << line << f.what << "\n";
      if (!f.fix.empty()) out << std::string(25, ' ') << "fix: " << f.fix << "\n";
    }
  }

 private:
  const std::string& data_dir_;
  const std::vector<ops::Finding>& findings_;
};

Status CheckDoctor(const DoctorCliOptions& o) {
  PB_RETURN_IF_ERROR(o.MaxAgeMs().status());
  if (!o.owner.empty()) PB_RETURN_IF_ERROR(ParseOwner(o.owner).status());
  return Status::Ok();
}

// The checks, in order: disk (volume, free space, owners and modes), the
// newest snapshot with --repo, replication, the EC2 root volume.
Status Doctor(const DoctorCliOptions& o, Output& out) {
  ops::DiskCheckOptions disk;
  disk.data_dir = AbsoluteDir(o.data_dir);
  disk.min_free_ratio = o.min_free_ratio;
  PB_ASSIGN_OR_RETURN(const int64_t max_age_ms, o.MaxAgeMs());
  if (!o.owner.empty()) {
    PB_ASSIGN_OR_RETURN(disk.owner, ParseOwner(o.owner));
  } else {
    disk.owner = ops::ComposeServiceUser(disk.data_dir);
  }
  std::vector<ops::Finding> findings = ops::CheckDisk(disk);
  if (!o.repo.repo.empty()) findings.push_back(SnapshotFinding(o, disk.data_dir, max_age_ms, out));
  findings.push_back(ops::CheckReplication(disk.data_dir, NowMillis()));
  ops::AwsCheckOptions aws;
  aws.instance_id = o.instance_id;
  aws.region = o.region;
  aws.use_imds = !o.no_imds;
  aws.data_on_root = findings.front().check == "volume" && findings.front().severity != ops::Severity::kOk;
  findings.push_back(ops::CheckRootVolume(aws));
  out.Print(DoctorPrinter(disk.data_dir, findings));
  return Status::Ok();
}

Status RunDoctor(const DoctorCliOptions& o, Output& out) {
  return RunJob("doctor", o.metrics_file, {{"data_dir", AbsoluteDir(o.data_dir)}}, out,
                [&](JobReport*) { return Doctor(o, out); });
}

}  // namespace

void AddDoctorCommand(CLI::App* app, int* exit_code) {
  auto o = std::make_shared<DoctorCliOptions>();
  CLI::App* cmd = app->add_subcommand(
      "doctor", "check a host's data directory and its backups; each finding with the command that fixes it");
  cmd->add_option("--data-dir", o->data_dir, "data directory")->capture_default_str();
  AddRepoOptions(cmd, &o->repo, Presence::kOptional);
  cmd->add_option("--owner", o->owner,
                  "the service's user, USER[:GROUP] (names or numbers; default: the user: of the compose file beside "
                  "the data directory, else 10001:10001, the container's user)");
  cmd->add_option("--host", o->host, "the host name the snapshots of the data directory record (default: this machine's)");
  cmd->add_option("--min-free-ratio", o->min_free_ratio, "warn when free space is under this times the data size")
      ->capture_default_str();
  cmd->add_option("--max-age", o->max_age, "an error when the newest snapshot is older (30m, 26h, ...)")
      ->capture_default_str();
  cmd->add_option("--max-snapshot-age-hours", o->max_age_hours, "the same as --max-age in hours (older spelling)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--instance-id", o->instance_id, "this EC2 instance (default: from the instance metadata service)")
      ->envname("PAYMENTS_EC2_INSTANCE_ID");
  cmd->add_option("--region", o->region, "AWS region (default: the AWS CLI's)");
  cmd->add_flag("--no-imds", o->no_imds, "never ask the EC2 instance metadata service")->envname("PAYMENTS_NO_IMDS");
  AddMetricsFileOption(cmd, &o->metrics_file);
  AddOutputOptions(cmd, &o->output, "print the findings as one JSON object (errors too)");
  Bind(cmd, o, exit_code, RunDoctor, CheckDoctor);
}

}  // namespace pb::cli
