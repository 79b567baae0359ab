#include "remote/host_backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "backup/archiver.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "remote/pull.h"

namespace pb::remote {

namespace {

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::string DefaultStagingRoot() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string cache = xdg && *xdg ? xdg : std::string(home && *home ? home : ".") + "/.cache";
  return cache + "/paymentsctl/hosts";
}

Result<std::string> TargetCacheDir(const std::string& root, const Target& target) {
  std::string base = root.empty() ? DefaultStagingRoot() : root;
  std::string id = Sha256Hex(target.user + "@" + target.host + ":" + std::to_string(target.port) + ":" +
                             target.remote_path);
  std::string dir = base + "/" + target.name + "-" + id.substr(0, 8);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create " + dir + ": " + ec.message() + "; choose another --staging-dir");
  for (const std::string& d : {base, dir}) {
    if (::chmod(d.c_str(), 0700) != 0) return Status::FromErrno("chmod 0700 " + d, errno);
  }
  return dir;
}

Result<std::unique_ptr<SshSession>> Connect(const Target& target, const SshOptions& ssh, TargetReport* report) {
  std::unique_ptr<SshSession> session;
  Status st = report->Step("connect", [&]() -> Result<std::string> {
    auto opened = SshSession::Open(target, ssh);
    if (!opened.ok()) return opened.status();
    session = std::move(*opened);
    return target.Address();
  });
  if (!st.ok()) return st;
  session->CountCommandsIn(&report->remote_commands);
  return session;
}

Status CheckHost(HostStack* stack, HostEnv env_use, TargetReport* report) {
  return report->Step("check", [&]() -> Result<std::string> {
    const std::string& path = stack->target().remote_path;
    if (env_use == HostEnv::kLeave) {
      PB_RETURN_IF_ERROR(stack->CheckRemotePath());
      return path + " is a directory";
    }
    auto env = stack->ReadEnv();
    if (!env.ok()) return env.status();
    return path + " is a directory; " + (env->has_value() ? ".env read" : "no .env");
  });
}

Status BackupHost(SshSession* session, HostStack* stack, SharedRepo* shared, const HostBackupOptions& options,
                  TargetReport* report) {
  const Target& t = session->target();
  std::string staging;
  PB_RETURN_IF_ERROR(report->Step("fetch", [&]() -> Result<std::string> {
    auto cache = TargetCacheDir(options.staging_root, t);
    if (!cache.ok()) return cache.status();
    staging = *cache + "/data";
    auto stats = PullDataDir(session, staging, options.mode);
    if (!stats.ok()) return stats.status();
    return std::string(backup::ModeName(options.mode)) + ": received " + Mib(stats->bytes_received) + " (" +
           std::to_string(stats->files_transferred) + " file(s) changed) into " + staging;
  }));
  return report->Step("backup", [&]() -> Result<std::string> {
    backup::BackupOptions bo;
    bo.data_dir = staging;
    bo.mode = options.mode;
    bo.host = t.name;
    bo.recorded_dir = t.DataDir();
    bo.tags = options.tags;
    bo.allow_empty = options.allow_empty;
    bo.allow_regression = options.allow_regression;
    if (options.include_env) {
      // The .env goes through a private file of the session (0700 directory),
      // removed with it; it never enters the staging copy.
      auto env = stack->ReadEnv();
      if (!env.ok()) return env.status();
      if (!env->has_value()) return Status::NotFound(t.name + " has no " + t.remote_path + "/.env to include");
      bo.env_file = session->temp_dir() + "/env";
      PB_RETURN_IF_ERROR(WriteFileAtomic(bo.env_file, **env));
    }
    std::lock_guard<std::mutex> lock(shared->mu);
    auto result = backup::RunBackup(shared->repo, bo, {});
    if (!bo.env_file.empty()) ::unlink(bo.env_file.c_str());
    if (!result.ok()) return result.status();
    report->snapshot_id = result->snapshot_id;
    const repo::Snapshot& s = result->snapshot;
    std::string detail = "snapshot " + result->snapshot_id.substr(0, 8) + ": " + std::to_string(s.stats.files) +
                         " file(s), " + std::to_string(result->files_grown) + " appended to, " +
                         std::to_string(result->files_read) + " read whole; new " + Mib(s.stats.new_bytes);
    if (s.ledger) detail += "; journal through seq " + std::to_string(s.ledger->seq);
    return detail;
  });
}

}  // namespace pb::remote
