#include "support/child_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/file_util.h"
#include "support/test_support.h"

extern char** environ;

namespace pb::integration {
namespace {

std::string NameOf(const std::string& kv) { return kv.substr(0, kv.find('=')); }

}  // namespace

std::vector<std::string> ChildEnvironment(const ChildOptions& options) {
  std::vector<std::string> removed = options.unset_env;
  for (const std::string& kv : options.set_env) removed.push_back(NameOf(kv));
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    if (std::find(removed.begin(), removed.end(), NameOf(kv)) == removed.end()) env.push_back(std::move(kv));
  }
  env.insert(env.end(), options.set_env.begin(), options.set_env.end());
  return env;
}

namespace {

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (std::string& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string CaptureFile() {
  char tmpl[] = "/tmp/pb-child-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) return "";
  ::close(fd);
  return tmpl;
}

}  // namespace

std::string ChildResult::Describe() const {
  return "exit code " + std::to_string(exit_code) + (timed_out ? " (timed out, killed)" : "") + " after " +
         std::to_string(elapsed.count()) + " ms\n--- stdout ---\n" + out.substr(0, 4000) + "\n--- stderr ---\n" +
         err.substr(0, 4000);
}

Result<std::unique_ptr<Child>> Child::Start(const std::vector<std::string>& argv, const ChildOptions& options) {
  std::unique_ptr<Child> child(new Child());
  child->out_path_ = CaptureFile();
  child->err_path_ = CaptureFile();
  if (child->out_path_.empty() || child->err_path_.empty()) return Status::FromErrno("mkstemp", errno);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = ChildEnvironment(options);
  auto cargs = CStrings(args);
  auto cenv = CStrings(env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, child->out_path_.c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, 2, child->err_path_.c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A new session: no controlling terminal, and a process group of its own.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  child->started_ = std::chrono::steady_clock::now();
  int rc = ::posix_spawnp(&child->pid_, cargs[0], &actions, &attr, cargs.data(), cenv.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    child->pid_ = -1;
    return Status::FromErrno("start " + argv[0], rc);
  }
  return child;
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
  }
  if (!out_path_.empty()) ::unlink(out_path_.c_str());
  if (!err_path_.empty()) ::unlink(err_path_.c_str());
}

bool Child::Exited() {
  if (reaped_ || pid_ <= 0) return true;
  pid_t r = ::waitpid(pid_, &wait_status_, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    reaped_ = true;
    ended_ = std::chrono::steady_clock::now();
  }
  return reaped_;
}

ChildResult Child::Collect() {
  ChildResult r;
  if (WIFEXITED(wait_status_)) r.exit_code = WEXITSTATUS(wait_status_);
  if (WIFSIGNALED(wait_status_)) r.exit_code = 128 + WTERMSIG(wait_status_);
  r.timed_out = timed_out_;
  r.out = ReadFileOrEmpty(out_path_);
  r.err = ReadFileOrEmpty(err_path_);
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(ended_ - started_);
  return r;
}

ChildResult Child::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Exited()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out_ = true;
      ::kill(-pid_, SIGKILL);  // the whole group: a script's children too
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
      ended_ = std::chrono::steady_clock::now();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Collect();
}

ChildResult Child::Kill9() {
  if (!Exited()) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    ended_ = std::chrono::steady_clock::now();
  }
  return Collect();
}

bool Child::WaitStopped(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_ && pid_ > 0) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG | WUNTRACED);
    if (r == pid_ && WIFSTOPPED(status)) return true;
    if (r == pid_) {
      wait_status_ = status;
      reaped_ = true;
      ended_ = std::chrono::steady_clock::now();
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void Child::Continue() {
  if (!reaped_ && pid_ > 0) ::kill(pid_, SIGCONT);
}

ChildResult RunChild(const std::vector<std::string>& argv, const ChildOptions& options,
                     std::chrono::milliseconds timeout) {
  auto child = Child::Start(argv, options);
  if (!child.ok()) {
    ChildResult r;
    r.err = child.status().ToString();
    return r;
  }
  return (*child)->Wait(timeout);
}

Status WritePasswordFile(const std::string& path, std::string_view password) {
  PB_RETURN_IF_ERROR(WriteFileAtomic(path, std::string(password) + "\n"));
  if (::chmod(path.c_str(), 0600) != 0) return Status::FromErrno("chmod 600 " + path, errno);
  return Status::Ok();
}

std::vector<std::string> CtlArgv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BinPath("paymentsctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ChildOptions CtlEnv(const std::string& password) {
  ChildOptions options;
  options.unset_env = {"PAYMENTS_REPO_PASSWORD", "PAYMENTS_REPO"};
  if (!password.empty()) options.set_env = {"PAYMENTS_REPO_PASSWORD=" + password};
  return options;
}

}  // namespace pb::integration
