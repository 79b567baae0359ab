#include "repo/lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "common/json_text.h"
#include "common/log.h"
#include "common/time_util.h"
#include "repo/json_fields.h"

namespace pb::repo {
namespace {

struct LockInfo {
  std::string host;
  uint64_t pid = 0;
  int64_t time_ms = 0;
  bool exclusive = false;
  std::string operation;
};

Result<LockInfo> DecodeLock(std::string_view json, const std::string& what) {
  simdjson::dom::parser parser;
  auto root = ParseObject(parser, json, what);
  if (!root.ok()) return root.status();
  JsonFields f(*root, what);
  LockInfo info;
  std::string time;
  PB_RETURN_IF_ERROR(f.Str("host", &info.host));
  PB_RETURN_IF_ERROR(f.UInt("pid", &info.pid));
  PB_RETURN_IF_ERROR(f.Str("time", &time));
  PB_RETURN_IF_ERROR(f.OptBool("exclusive", &info.exclusive));
  PB_RETURN_IF_ERROR(f.OptStr("operation", &info.operation));
  auto ms = ParseIso8601(time);
  if (!ms.ok()) return f.Bad("field time is not an ISO-8601 time");
  info.time_ms = *ms;
  return info;
}

bool ProcessAlive(uint64_t pid) {
  if (pid == 0 || pid > 0x7fffffff) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

bool IsStale(const LockInfo& info) {
  if (NowMillis() - info.time_ms > kLockStaleMs) return true;
  return info.host == HostName() && !ProcessAlive(info.pid);
}

}  // namespace

Result<std::string> RepoLock::WriteLockFile() {
  std::string json;
  JsonObject(&json)
      .Str("host", HostName())
      .UInt("pid", static_cast<uint64_t>(getpid()))
      .Str("time", FormatIso8601(NowMillis()))
      .Bool("exclusive", exclusive_)
      .Str("operation", operation_)
      .Close();
  return repo_->SaveFile("locks", json);
}

Result<std::unique_ptr<RepoLock>> RepoLock::Acquire(Repository* repo, bool exclusive, const std::string& operation) {
  std::unique_ptr<RepoLock> lock(new RepoLock(repo, exclusive, operation));
  auto own = lock->WriteLockFile();
  if (!own.ok()) return own.status();
  lock->name_ = *own;
  // On failure the lock file is removed here; the destructor then has nothing left to remove.
  auto release_own = [&] {
    (void)repo->backend().Remove(PathOf("locks", lock->name_));
    lock->name_.clear();
  };
  auto names = repo->backend().List("locks");
  if (!names.ok()) {
    release_own();
    return names.status();
  }
  for (const std::string& name : *names) {
    if (name == lock->name_) continue;
    auto json = repo->LoadFile("locks", name);
    if (!json.ok()) {
      if (json.status().kind() == Status::Kind::kNotFound) continue;  // released meanwhile
      release_own();
      return Status::Conflict("locks/" + name + " cannot be read (" + json.status().message() +
                              "); if no paymentsctl is running on this repository, delete that file");
    }
    auto info = DecodeLock(*json, "locks/" + name);
    if (!info.ok()) {
      release_own();
      return info.status();
    }
    if (IsStale(*info)) {
      spdlog::warn("removing stale lock locks/{} of pid {} on {} ({} since {})", name, info->pid, info->host,
                   info->operation, FormatIso8601(info->time_ms));
      (void)repo->backend().Remove(PathOf("locks", name));
      continue;
    }
    if (exclusive || info->exclusive) {
      release_own();
      return Status::Conflict("the repository is locked by " + info->operation + " (pid " +
                              std::to_string(info->pid) + " on " + info->host + ", since " +
                              FormatIso8601(info->time_ms) + "); wait for it to finish. A lock whose process died is "
                              "removed automatically (at once on the same host, after 30 minutes otherwise)");
    }
  }
  lock->refresher_ = std::thread([l = lock.get()] { l->RefreshLoop(); });
  return lock;
}

void RepoLock::RefreshLoop() {
  std::unique_lock<std::mutex> guard(mu_);
  while (!cv_.wait_for(guard, std::chrono::milliseconds(kLockRefreshMs), [this] { return stopping_; })) {
    auto fresh = WriteLockFile();
    if (!fresh.ok()) {
      spdlog::warn("{}", "could not refresh the repository lock: " + fresh.status().message());
      continue;
    }
    if (*fresh != name_) (void)repo_->backend().Remove(PathOf("locks", name_));
    name_ = *fresh;
  }
}

RepoLock::~RepoLock() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  if (name_.empty()) return;  // never written, or already released by a failed Acquire
  Status st = repo_->backend().Remove(PathOf("locks", name_));
  if (!st.ok()) spdlog::warn("{}", "could not remove the repository lock: " + st.message());
}

}  // namespace pb::repo
