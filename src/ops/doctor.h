// ops/: paymentsctl doctor — findings about a host's data directory and its
// backups, each with a severity and the command that fixes it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "repo/snapshot.h"

namespace pb::ops {

enum class Severity { kOk, kInfo, kWarn, kError };
const char* SeverityName(Severity s);  // "ok", "info", "warn", "error"

struct Finding {
  Severity severity = Severity::kOk;
  std::string check;  // volume, free-space, permissions, env-file, snapshot-age, replication, ec2-root-volume
  std::string what;   // what was found, for an operator
  std::string fix;    // the exact command(s) that fix it; empty when nothing is to do
};

// The user the service runs as, and where that was learnt.
struct ServiceUser {
  uid_t uid = 10001;
  gid_t gid = 10001;
  std::string source;  // "docker-compose.yml beside the data directory", "--owner", ...
};

// The container's user: the `user: "UID:GID"` line of the compose file
// beside `data_dir` (docker-compose.yml, docker-compose.yaml, compose.yaml
// or compose.yml in its parent directory), else the image's default user
// 10001:10001. A name instead of a number is looked up in /etc/passwd.
ServiceUser ComposeServiceUser(const std::string& data_dir);

struct DiskCheckOptions {
  std::string data_dir;           // absolute
  std::string root_path = "/";    // what counts as "the root filesystem"
  std::optional<ServiceUser> owner;  // the service's user; default: the data directory's owner
  double min_free_ratio = 2.0;    // warn when free space < ratio x data size
};

// Whether data_dir sits on the same filesystem as root_path (st_dev), naming
// its mount from /proc/self/mountinfo; free space against the data size;
// entries not owned by the service's user, directories without u+rwx,
// files without u+rw, world-writable entries, and a .env next to data_dir
// readable by others. A missing data_dir is one error finding.
std::vector<Finding> CheckDisk(const DiskCheckOptions& options);

// The free-space finding for `free_bytes` available and `data_bytes` used:
// error under 256 MiB, warn under min_free_ratio x data_bytes.
Finding FreeSpaceFinding(const std::string& data_dir, uint64_t free_bytes, uint64_t data_bytes,
                         double min_free_ratio);

// The age of the newest snapshot of the group (host, data_dir) among
// `snapshots` (repo::NewestOfGroup): an error when older than max_age_ms at
// now_ms, or when there is none. `repo` only appears in the fix commands.
Finding CheckSnapshotAge(const std::vector<repo::SnapshotRef>& snapshots, const std::string& host,
                         const std::string& data_dir, const std::string& repo, int64_t now_ms, int64_t max_age_ms);

// The replication of `data_dir` as its status file says
// (replicate::ReadStatusFile): info when no replicator ever ran there, ok
// while it ships, an error when it is stalled or no longer running.
Finding CheckReplication(const std::string& data_dir, int64_t now_ms);

}  // namespace pb::ops
