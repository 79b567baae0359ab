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
class SshSession {
 public:
  // Connects (bounded by ConnectTimeout). Unavailable with ssh's own reason
  // (host key verification failed, permission denied, connection refused…).
  static Result<std::unique_ptr<SshSession>> Open(const Target& target, const SshOptions& options);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  // Runs `argv` on the host, every word quoted for the remote shell, with
  // `input` on its standard input (the way secrets travel).
  Result<CapturedRun> Run(const std::vector<std::string>& argv, std::string_view input = {},
                          int64_t timeout_ms = 10 * 60 * 1000);
  // Run, then IOError "<what> on <target> failed: <stderr>" unless it exits 0.
  // Returns stdout.
  Result<std::string> Check(const std::string& what, const std::vector<std::string>& argv,
                            std::string_view input = {}, int64_t timeout_ms = 10 * 60 * 1000);

  // The ssh command for rsync's -e option (one word per argument, no value
  // that needs quoting) and the rsync host prefix ("pctl-target:").
  std::string RsyncShell() const;
  std::string RsyncHost() const { return std::string(kAlias) + ":"; }
  // A private directory (0700) for this session's temporary files.
  const std::string& temp_dir() const { return dir_; }
  const Target& target() const { return target_; }

 private:
  static constexpr const char* kAlias = "pctl-target";
  SshSession(Target target, std::string dir) : target_(std::move(target)), dir_(std::move(dir)) {}
  std::vector<std::string> SshArgv() const;

  Target target_;
  std::string dir_;
  ChildProcess master_;
};

}  // namespace pb::remote
