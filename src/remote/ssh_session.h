#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/process.h"
#include "common/status.h"
#include "remote/inventory.h"

namespace pb::remote {

// How to reach hosts: docs/remote-operations.md, "SSH".
struct SshOptions {
  std::string key_file;      // --ssh-key, or empty for the user's usual keys
  std::string known_hosts;   // --known-hosts, or empty for ~/.ssh/known_hosts
  bool accept_new_host_key = false;
};

// `word` single-quoted for a POSIX shell: 'it'\''s'.
std::string ShellQuote(std::string_view word);

// An SSH connection to one target: a private ssh_config in a temporary
// directory and one master connection that every command shares. The
// destructor closes the master and removes the directory.
//
// sshd runs every command through the user's login shell, whose start-up
// files (~/.bashrc under sshd) may print text or take time. Every remote
// command therefore first prints a line only this session knows (a random
// marker) on stdout and on stderr; what came before it is start-up noise and
// is dropped, for Run() and for rsync alike (docs/remote-operations.md,
// "SSH"). Thread-compatible: one thread uses a session at a time.
class SshSession {
 public:
  // Connects (bounded by ConnectTimeout). Unavailable with ssh's own reason
  // (host key verification failed, permission denied, connection refused…).
  static Result<std::unique_ptr<SshSession>> Open(const Target& target, const SshOptions& options);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  // Runs `argv` on the host, every word quoted for the remote shell, with
  // `input` on its standard input (the way secrets travel). `out` and `err`
  // hold what the command printed, without the login shell's start-up output.
  Result<CapturedRun> Run(const std::vector<std::string>& argv, std::string_view input = {},
                          int64_t timeout_ms = 10 * 60 * 1000);
  // Run, then IOError "<what> on <target> failed: <stderr>" unless it exits 0.
  // Returns stdout.
  Result<std::string> Check(const std::string& what, const std::vector<std::string>& argv,
                            std::string_view input = {}, int64_t timeout_ms = 10 * 60 * 1000);

  // rsync's options to reach the host through this session: -e with a
  // wrapper of ssh that passes the remote stdout on from the marker line, and
  // --rsync-path that prints the marker before starting rsync there. Counts
  // as one remote command (see CountCommandsIn).
  std::vector<std::string> RsyncOptions();
  // The rsync host prefix ("pctl-target:").
  std::string RsyncHost() const { return std::string(kAlias) + ":"; }
  // From now on every remote command (Run, Check and RsyncOptions each start
  // one: one SSH session channel and one start of the login shell) also
  // increments *counter. REQUIRES: counter outlives the session.
  void CountCommandsIn(int* counter) { counter_ = counter; }
  // A private directory (0700) for this session's temporary files.
  const std::string& temp_dir() const { return dir_; }
  const Target& target() const { return target_; }

 private:
  static constexpr const char* kAlias = "pctl-target";
  SshSession(Target target, std::string dir, std::string marker)
      : target_(std::move(target)), dir_(std::move(dir)), marker_(std::move(marker)) {}
  std::vector<std::string> SshArgv() const;
  // "printf '%s\n' MARKER; printf '%s\n' MARKER >&2; ": what every remote
  // command line starts with.
  std::string MarkerPrefix() const;

  Target target_;
  std::string dir_;
  std::string marker_;  // random per session: "pctl-begin-<32 hex>"
  ChildProcess master_;
  int* counter_ = nullptr;
  void CountCommand() {
    if (counter_ != nullptr) ++*counter_;
  }
};

}  // namespace pb::remote
