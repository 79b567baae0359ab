#include "repo/lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "common/json_text.h"
#include "common/log.h"
#include "common/stop_point.h"
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

// Why a lock is stale, or "" when it is not.
std::string StaleReason(const LockInfo& info) {
  if (NowMillis() - info.time_ms > kLockStaleMs) return "not refreshed for more than 30 minutes";
  if (info.host == HostName() && !ProcessAlive(info.pid)) return "its process is no longer running on this host";
  return "";
}

// "backup (shared, pid 12 on host1 since <time>; locks/<name>)".
std::string Describe(const std::string& name, const LockInfo& info) {
  return (info.operation.empty() ? "an unknown operation" : info.operation) + " (" +
         (info.exclusive ? "exclusive" : "shared") + ", pid " + std::to_string(info.pid) + " on " + info.host +
         " since " + FormatIso8601(info.time_ms) + "; locks/" + name + ")";
}

// The lock file `name`, read and decoded. NotFound when it was released
// meanwhile; Corruption (naming it) when it cannot be read.
Result<LockInfo> ReadLock(Repository* repo, const std::string& name) {
  auto json = repo->LoadFile("locks", name);
  if (!json.ok()) return json.status();
  return DecodeLock(*json, "locks/" + name);
}

constexpr const char* kUnlockAdvice =
    "If that process is gone (its host was lost, or it was killed), `paymentsctl unlock` removes its lock once it "
    "is stale (same host and not running, or not refreshed for 30 minutes) and `paymentsctl unlock --remove-all` "
    "at once";

}  // namespace

Result<std::string> RepoLock::WriteLockFile() {
  std::string json;
  JsonObject(&json)
      .Str("host", HostName())
      .UInt("pid", static_cast<uint64_t>(getpid()))
      .Str("time", FormatIso8601(NowMillis()))
      .Bool("exclusive", mode_ == LockMode::kExclusive)
      .Str("operation", operation_)
      .Close();
  return repo_->SaveFile("locks", json);
}

Result<std::unique_ptr<RepoLock>> RepoLock::Acquire(Repository* repo, LockMode mode, const std::string& operation) {
  std::unique_ptr<RepoLock> lock(new RepoLock(repo, mode, operation));
  const bool exclusive = mode == LockMode::kExclusive;
  auto own = lock->WriteLockFile();
  if (!own.ok()) return own.status();
  lock->name_ = *own;
  // On failure the lock file is removed here; the destructor then has nothing left to remove.
  auto release_own = [&] {
    (void)repo->backend().Remove(PathOf("locks", lock->name_));
    lock->name_.clear();
  };
  auto names = repo->backend().List("locks");
  if (!names.ok() && mode == LockMode::kRead && names.status().kind() == Status::Kind::kCorruption) {
    // A reader cannot harm the repository: it goes on, saying why.
    spdlog::warn("{}; going on without checking the other locks (this command only reads)", names.status().message());
    names = std::vector<std::string>{};
  }
  if (!names.ok()) {
    release_own();
    return names.status();
  }
  for (const std::string& name : *names) {
    if (name == lock->name_) continue;
    auto info = ReadLock(repo, name);
    if (!info.ok()) {
      if (info.status().kind() == Status::Kind::kNotFound) continue;  // released meanwhile
      if (mode == LockMode::kRead && info.status().kind() == Status::Kind::kCorruption) {
        spdlog::warn("ignoring the lock file locks/{}, which cannot be read ({}); `paymentsctl unlock` removes it",
                     name, info.status().message());
        continue;
      }
      release_own();
      return Status::Conflict("locks/" + name + " cannot be read (" + info.status().message() +
                              "); if it is not the lock of a paymentsctl running now, `paymentsctl unlock` removes it");
    }
    if (std::string stale = StaleReason(*info); !stale.empty()) {
      spdlog::warn("removing the stale lock {} ({})", Describe(name, *info), stale);
      (void)repo->backend().Remove(PathOf("locks", name));
      continue;
    }
    if (mode == LockMode::kRead && info->exclusive && info->host != HostName()) {
      // Whether it still runs cannot be known from here (a lost instance's
      // lock looks alive for 30 minutes). Everything read is authenticated:
      // if it does run, it can make this command fail, never lie.
      spdlog::warn("the repository is locked by {}, on another host; this command only reads, so it goes on (if "
                   "that operation is running, it may make this command fail, never give wrong data)",
                   Describe(name, *info));
      continue;
    }
    if (exclusive || info->exclusive) {
      release_own();
      return Status::Conflict("the repository is locked by " + Describe(name, *info) + "; " +
                              (exclusive ? operation : info->operation) +
                              " needs the repository alone: wait for it to finish. " + kUnlockAdvice);
    }
  }
  lock->refresher_ = std::thread([l = lock.get()] { l->RefreshLoop(); });
  StopPoint("locked:" + operation);
  return lock;
}

Result<UnlockReport> RemoveLocks(Repository* repo, bool remove_all) {
  auto names = repo->backend().List("locks");
  if (!names.ok()) return names.status();
  UnlockReport report;
  for (const std::string& name : *names) {
    auto info = ReadLock(repo, name);
    std::string line, reason;
    if (!info.ok()) {
      if (info.status().kind() == Status::Kind::kNotFound) continue;  // released meanwhile
      if (info.status().kind() != Status::Kind::kCorruption) return info.status();
      line = "locks/" + name;
      reason = "it cannot be read: " + info.status().message();
    } else {
      line = Describe(name, *info);
      reason = StaleReason(*info);
      if (reason.empty() && remove_all) reason = "--remove-all";
    }
    if (reason.empty()) {
      report.kept.push_back(line + ": not stale, its process may still run (--remove-all removes it)");
      continue;
    }
    Status st = repo->backend().Remove(PathOf("locks", name));
    if (!st.ok() && st.kind() != Status::Kind::kNotFound) return st;
    report.removed.push_back(line + ": " + reason);
  }
  return report;
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
