#include "ops/doctor.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/time_util.h"
#include "replicate/status.h"
#include "repo/snapshot_select.h"

namespace pb::ops {
namespace {

constexpr uint64_t kMinFreeBytes = uint64_t{256} << 20;
constexpr size_t kPathsShown = 5;

std::string Mebibytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// "<source> (<fstype>) mounted at <mount point>" for the mount holding `path`
// on device `dev`, from /proc/self/mountinfo; "" when not found.
std::string MountOf(const std::string& path, dev_t dev) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, best_point, best;
  const std::string want = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point, word;
    fields >> id >> parent >> devno >> root >> point;
    if (devno != want) continue;
    while (fields >> word && word != "-") {
    }
    std::string fstype, source;
    fields >> fstype >> source;
    bool prefix = path.compare(0, point.size(), point) == 0 &&
                  (point == "/" || path.size() == point.size() || path[point.size()] == '/');
    if (prefix && point.size() >= best_point.size()) {
      best_point = point;
      best = source + " (" + fstype + ") mounted at " + point;
    }
  }
  return best;
}

Finding VolumeFinding(const std::string& data_dir, const struct stat& data, const std::string& root_path) {
  struct stat root;
  if (::stat(root_path.c_str(), &root) != 0) {
    return {Severity::kWarn, "volume", "cannot stat " + root_path + " to compare filesystems", ""};
  }
  std::string mount = MountOf(data_dir, data.st_dev);
  if (data.st_dev != root.st_dev) {
    return {Severity::kOk, "volume",
            data_dir + " is on its own filesystem" + (mount.empty() ? "" : ": " + mount) +
                ", separate from " + root_path,
            ""};
  }
  return {Severity::kWarn, "volume",
          data_dir + " is on the same filesystem as " + root_path +
              ": replacing or losing the root volume loses the ledger with it",
          "move it to its own volume (docs/backups.md, \"data/ on its own volume\"): aws ec2 create-volume "
          "--availability-zone AZ --size GIB --volume-type gp3; aws ec2 attach-volume --volume-id VOL "
          "--instance-id INSTANCE --device /dev/sdf; sudo mkfs.ext4 DEVICE; then mount it at " +
              data_dir + " with the service stopped"};
}

struct TreeFacts {
  uint64_t bytes = 0;
  std::vector<std::string> foreign, unwritable, world_writable;
  size_t foreign_count = 0, unwritable_count = 0, world_writable_count = 0;
};

void Note(std::vector<std::string>* list, size_t* count, const std::string& path) {
  if (list->size() < kPathsShown) list->push_back(path);
  ++*count;
}

void Walk(const std::string& path, uid_t owner, TreeFacts* facts) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
  facts->bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  if (st.st_uid != owner) Note(&facts->foreign, &facts->foreign_count, path);
  mode_t need = S_ISDIR(st.st_mode) ? S_IRWXU : (S_IRUSR | S_IWUSR);
  if ((st.st_mode & need) != need) Note(&facts->unwritable, &facts->unwritable_count, path);
  if (st.st_mode & S_IWOTH) Note(&facts->world_writable, &facts->world_writable_count, path);
  if (!S_ISDIR(st.st_mode)) return;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(path, ec)) Walk(e.path().string(), owner, facts);
}

std::string Listed(const std::vector<std::string>& paths, size_t count) {
  std::string out;
  for (const std::string& p : paths) out += (out.empty() ? "" : ", ") + p;
  if (count > paths.size()) out += " and " + std::to_string(count - paths.size()) + " more";
  return out;
}

std::string Quoted(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) out += " '" + p + "'";
  return out;
}

std::string UserName(uid_t uid) {
  struct passwd* pw = ::getpwuid(uid);
  return pw ? pw->pw_name : std::to_string(uid);
}

void PermissionFindings(const std::string& data_dir, const ServiceUser& owner, const TreeFacts& f,
                        std::vector<Finding>* out) {
  const std::string user = UserName(owner.uid) + " (the service's user, from " + owner.source + ")";
  if (f.foreign_count) {
    out->push_back({Severity::kError, "permissions",
                    std::to_string(f.foreign_count) + " entries are not owned by " + user +
                        ", which cannot rewrite them: " + Listed(f.foreign, f.foreign_count),
                    "sudo chown -R " + std::to_string(owner.uid) + ":" + std::to_string(owner.gid) + " '" +
                        data_dir + "'"});
  }
  if (f.unwritable_count) {
    out->push_back({Severity::kError, "permissions",
                    std::to_string(f.unwritable_count) +
                        " entries lack owner read/write (directories also search): " +
                        Listed(f.unwritable, f.unwritable_count),
                    "chmod -R u+rwX '" + data_dir + "'"});
  }
  if (f.world_writable_count) {
    out->push_back({Severity::kWarn, "permissions",
                    std::to_string(f.world_writable_count) + " entries are writable by every user: " +
                        Listed(f.world_writable, f.world_writable_count),
                    "chmod o-w" + Quoted(f.world_writable) + (f.world_writable_count > kPathsShown
                                                                  ? "; chmod -R o-w '" + data_dir + "'"
                                                                  : "")});
  }
  if (!f.foreign_count && !f.unwritable_count && !f.world_writable_count) {
    out->push_back({Severity::kOk, "permissions", "every entry is owned by " + user + " and writable by it", ""});
  }
}

void EnvFileFinding(const std::string& data_dir, std::vector<Finding>* out) {
  std::string env = std::filesystem::path(data_dir).parent_path().string() + "/.env";
  struct stat st;
  if (::stat(env.c_str(), &st) != 0) return;
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    out->push_back({Severity::kWarn, "env-file", env + " (secrets) is readable by other users",
                    "chmod 600 '" + env + "'"});
  } else {
    out->push_back({Severity::kOk, "env-file", env + " is readable by its owner only", ""});
  }
}

}  // namespace

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kOk: return "ok";
    case Severity::kInfo: return "info";
    case Severity::kWarn: return "warn";
    case Severity::kError: return "error";
  }
  return "?";
}

Finding FreeSpaceFinding(const std::string& data_dir, uint64_t free_bytes, uint64_t data_bytes,
                         double min_free_ratio) {
  std::string facts = Mebibytes(free_bytes) + " free for " + Mebibytes(data_bytes) + " of data in " + data_dir;
  std::string fix = "du -sh '" + data_dir + "'/audit/*; move or rotate audit/payments-audit.log, or grow the "
                    "volume: aws ec2 modify-volume --volume-id VOL --size GIB, then sudo resize2fs DEVICE";
  if (free_bytes < kMinFreeBytes) {
    return {Severity::kError, "free-space", facts + ": under 256 MiB, the journal and checkpoints can fail to write",
            fix};
  }
  if (static_cast<double>(free_bytes) < min_free_ratio * static_cast<double>(data_bytes)) {
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%g", min_free_ratio);
    return {Severity::kWarn, "free-space",
            facts + ": under " + ratio + "x the data size (a restore beside it and checkpoint rewrites need room)",
            fix};
  }
  return {Severity::kOk, "free-space", facts, ""};
}

std::vector<Finding> CheckDisk(const DiskCheckOptions& options) {
  std::vector<Finding> out;
  struct stat data;
  if (::stat(options.data_dir.c_str(), &data) != 0 || !S_ISDIR(data.st_mode)) {
    out.push_back({Severity::kError, "data-dir", options.data_dir + " is not a directory",
                   "paymentsctl doctor --data-dir DIR (the directory payments-backend runs with)"});
    return out;
  }
  out.push_back(VolumeFinding(options.data_dir, data, options.root_path));
  const ServiceUser owner = options.owner.value_or(ServiceUser{data.st_uid, data.st_gid, "the data directory's owner"});
  TreeFacts facts;
  Walk(options.data_dir, owner.uid, &facts);
  struct statvfs vfs;
  if (::statvfs(options.data_dir.c_str(), &vfs) == 0) {
    uint64_t free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    out.push_back(FreeSpaceFinding(options.data_dir, free_bytes, facts.bytes, options.min_free_ratio));
  }
  PermissionFindings(options.data_dir, owner, facts, &out);
  EnvFileFinding(options.data_dir, &out);
  return out;
}

Finding CheckSnapshotAge(const std::vector<repo::SnapshotRef>& snapshots, const std::string& host,
                         const std::string& data_dir, const std::string& repo, int64_t now_ms, int64_t max_age_ms) {
  const repo::SnapshotRef* newest = repo::NewestOfGroup(snapshots, {host, data_dir});
  const std::string backup = "paymentsctl backup --repo '" + repo + "' --data-dir '" + data_dir + "'";
  if (!newest) {
    return {Severity::kError, "snapshot-age",
            "the repository " + repo + " has no snapshot of " + data_dir + " on " + host, backup};
  }
  int64_t age_ms = now_ms - newest->snapshot.time_ms;
  std::string facts = "the newest snapshot of " + data_dir + " (" + newest->id.substr(0, 8) + ", " +
                      FormatIso8601(newest->snapshot.time_ms) + ") is " + std::to_string(age_ms / 3600000) +
                      " h " + std::to_string(age_ms / 60000 % 60) + " min old";
  if (age_ms > max_age_ms) {
    return {Severity::kError, "snapshot-age",
            facts + ", over the " + std::to_string(max_age_ms / 3600000) + " h " +
                std::to_string(max_age_ms / 60000 % 60) + " min limit: scheduled backups are not running",
            backup + "; systemctl list-timers 'payments-*'"};
  }
  return {Severity::kOk, "snapshot-age", facts, ""};
}

ServiceUser ComposeServiceUser(const std::string& data_dir) {
  const std::string dir = std::filesystem::path(data_dir).parent_path().string();
  for (const char* name : {"docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml"}) {
    std::ifstream in(dir + "/" + name);
    std::string line;
    while (in && std::getline(in, line)) {
      size_t at = line.find_first_not_of(' ');
      if (at == std::string::npos || line.compare(at, 5, "user:") != 0) continue;
      std::string value = line.substr(at + 5);
      value.erase(0, value.find_first_not_of(" \"'"));
      value.erase(value.find_last_not_of(" \"'\r") + 1);
      std::string user = value.substr(0, value.find(':'));
      std::string group = value.find(':') == std::string::npos ? "" : value.substr(value.find(':') + 1);
      ServiceUser out;
      out.source = dir + "/" + name;
      if (struct passwd* pw = ::getpwnam(user.c_str())) {
        out.uid = pw->pw_uid;
        out.gid = pw->pw_gid;
      } else if (!user.empty() && user.find_first_not_of("0123456789") == std::string::npos) {
        out.uid = static_cast<uid_t>(std::stoul(user));
        out.gid = static_cast<gid_t>(out.uid);
      } else {
        continue;
      }
      if (!group.empty() && group.find_first_not_of("0123456789") == std::string::npos) {
        out.gid = static_cast<gid_t>(std::stoul(group));
      }
      return out;
    }
  }
  return ServiceUser{10001, 10001, "the container image's default user: no compose file with a user: line in " + dir};
}

Finding CheckReplication(const std::string& data_dir, int64_t now_ms) {
  auto s = replicate::ReadStatusFile(data_dir, now_ms);
  if (!s.ok() && s.status().kind() == Status::Kind::kNotFound) {
    return {Severity::kInfo, "replication", "no replicator has run for " + data_dir + " (no continuous replication)",
            ""};
  }
  if (!s.ok()) return {Severity::kError, "replication", s.status().message(), "paymentsctl replicate --status --data-dir '" + data_dir + "'"};
  const std::string facts = "replication of " + data_dir + " to " + s->repository + " is " + s->state +
                            ": shipped through seq " + std::to_string(s->shipped_seq) + " of " +
                            std::to_string(s->journal_seq) + ", lag " + std::to_string(s->lag_ms) + " ms" +
                            (s->last_error.empty() ? "" : ", last error: " + s->last_error);
  if (replicate::Healthy(*s) || s->state == "starting") return {Severity::kOk, "replication", facts, ""};
  return {Severity::kError, "replication",
          facts + (s->state == "stopped" ? " (no replicator runs: records are no longer shipped)" : ""),
          "paymentsctl replicate --status --data-dir '" + data_dir +
              "'; restart the service (payments-backend --replicate-to) or paymentsctl replicate; remove " +
              replicate::StatusPath(data_dir) + " if replication was turned off on purpose"};
}

}  // namespace pb::ops
