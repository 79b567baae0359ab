// Child processes started from an argument vector (never a shell string),
// and the identity of this process's machine.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pb {

struct SpawnOptions {
  // "NAME=value" entries added to (or replacing in) the parent's environment.
  std::vector<std::string> extra_env;
  // When set, the child's stdout and stderr are appended to this file.
  std::string output_file;
};

// A running child. Not copyable; the destructor neither waits nor kills:
// call Wait() or Kill() explicitly.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Sends `signal`; no-op when not running.
  void Signal(int signal) const;
  // Waits for exit; returns the exit code, or 128+signal when killed.
  int Wait();
  // Reaps the child if it has exited: true and *code set (as Wait) then.
  bool TryWait(int* code);
  // SIGKILL + Wait().
  int Kill();

 private:
  pid_t pid_ = -1;
};

// Starts argv[0] (searched in PATH) with argv. REQUIRES: !argv.empty().
Result<ChildProcess> Spawn(const std::vector<std::string>& argv, const SpawnOptions& options = {});

struct CapturedRun {
  int exit_code = -1;      // exit status, 128+signal when killed
  bool timed_out = false;  // killed because the timeout passed
  std::string out;         // stdout
  std::string err;         // stderr
};

// Runs argv in its own process group with `input` on its stdin and waits at
// most `timeout_ms` for it; on timeout the whole group is killed (SIGKILL).
// Errors: IOError only when the program cannot be started.
Result<CapturedRun> RunCaptured(const std::vector<std::string>& argv, std::string_view input, int64_t timeout_ms,
                                const SpawnOptions& options = {});

// This machine's host name ("unknown" when it cannot be read), as locks and
// snapshots record it.
std::string HostName();

}  // namespace pb
