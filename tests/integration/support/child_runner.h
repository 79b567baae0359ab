// Child processes for the backup tests: argv only (never a shell string),
// an environment the test controls (variables set and removed), a new
// session (no controlling terminal, so /dev/tty cannot be opened), stdin
// from /dev/null, stdout and stderr captured apart, and every wait bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pb::integration {

struct ChildOptions {
  // "NAME=value": added to the inherited environment, replacing a variable
  // of the same name.
  std::vector<std::string> set_env;
  // Names removed from the inherited environment.
  std::vector<std::string> unset_env;
};

// The environment a child gets: this process's, with options applied
// ("NAME=value" each).
std::vector<std::string> ChildEnvironment(const ChildOptions& options);

struct ChildResult {
  int exit_code = -1;      // exit status, 128+signal when killed
  bool timed_out = false;  // killed by the runner after the deadline
  std::string out;         // stdout
  std::string err;         // stderr
  std::chrono::milliseconds elapsed{0};
  // For failure messages: exit code, stdout and stderr.
  std::string Describe() const;
};

// A running child. The destructor kills (SIGKILL to its process group) and
// reaps a child still running and removes the capture files. Not copyable.
class Child {
 public:
  // Starts argv[0] (a path, or searched in PATH).
  static Result<std::unique_ptr<Child>> Start(const std::vector<std::string>& argv, const ChildOptions& options);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Reaps the child if it has exited; true once it has.
  bool Exited();
  // Waits at most `timeout` for the exit; on timeout kills the process group
  // and sets timed_out.
  ChildResult Wait(std::chrono::milliseconds timeout);
  // SIGKILL to the child alone, then reaps it. exit_code is 137 when the
  // signal killed it, its own code when it had already exited.
  ChildResult Kill9();
  // Waits at most `timeout` for the child to stop (SIGSTOP, e.g. at a stop
  // point: common/stop_point.h). True once it is stopped; false when it
  // exited instead (then it is reaped) or the time ran out.
  bool WaitStopped(std::chrono::milliseconds timeout);
  // SIGCONT to a stopped child.
  void Continue();

 private:
  Child() = default;
  ChildResult Collect();

  pid_t pid_ = -1;
  int wait_status_ = 0;
  bool reaped_ = false;
  bool timed_out_ = false;
  std::string out_path_, err_path_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point ended_;
};

// Start + Wait. A child that cannot be started gives exit_code -1 and the
// reason in err.
ChildResult RunChild(const std::vector<std::string>& argv, const ChildOptions& options,
                     std::chrono::milliseconds timeout);

// The password of every test repository.
inline constexpr const char* kRepoPassword = "correct horse battery staple";

// Writes `password` and a newline to `path` with mode 0600: paymentsctl
// refuses a password file that others can read (secrets/password.h).
Status WritePasswordFile(const std::string& path, std::string_view password);

// BinPath("paymentsctl") followed by `args`.
std::vector<std::string> CtlArgv(const std::vector<std::string>& args);
// The environment of a paymentsctl child: PAYMENTS_REPO_PASSWORD=`password`,
// or no PAYMENTS_REPO_PASSWORD at all when `password` is empty.
ChildOptions CtlEnv(const std::string& password = kRepoPassword);

}  // namespace pb::integration
