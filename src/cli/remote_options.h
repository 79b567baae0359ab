// cli/: the options every remote command shares (--inventory, --target, SSH)
// and how their per-target reports are printed.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/status.h"
#include "remote/inventory.h"
#include "remote/report.h"
#include "remote/ssh_session.h"

namespace pb::cli {

struct RemoteOptions {
  std::string inventory;
  std::string target;
  std::string ssh_key;
  std::string known_hosts;
  bool accept_new_host_key = false;
  std::string staging_dir;
  bool json = false;  // shared with the command's own --json
};

// Adds --inventory, --target, --ssh-key, --known-hosts, --accept-new-host-key
// and --staging-dir. With `required`, --inventory and --target must be given.
void AddRemoteOptions(CLI::App* cmd, RemoteOptions* options, bool required);
// True when --inventory was given (the command then works on hosts).
inline bool IsRemote(const RemoteOptions& options) { return !options.inventory.empty(); }

// The targets --target names in --inventory.
Result<std::vector<remote::Target>> ResolveRemoteTargets(const RemoteOptions& options);
remote::SshOptions SshOptionsOf(const RemoteOptions& options);
// --staging-dir made absolute, or "" for the default.
std::string StagingRoot(const RemoteOptions& options);

// Prints one summary line per target on stdout (or the JSON document) and
// returns the exit code: 0 when every target succeeded, 1 otherwise.
int PrintReports(const std::vector<remote::TargetReport>& reports, bool json);

}  // namespace pb::cli
