// cli/: the options every remote command shares (--inventory, --target, SSH)
// and the report of a run over its targets.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/output.h"
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
};

// Adds --inventory, --target, --ssh-key, --known-hosts, --accept-new-host-key
// and --staging-dir. With Presence::kRequired, --inventory and --target
// must be given; else each needs the other.
void AddRemoteOptions(CLI::App* cmd, RemoteOptions* options, Presence presence);
// True when --inventory was given (the command then works on hosts).
inline bool IsRemote(const RemoteOptions& options) { return !options.inventory.empty(); }

// The targets --target names in --inventory.
Result<std::vector<remote::Target>> ResolveRemoteTargets(const RemoteOptions& options);
remote::SshOptions SshOptionsOf(const RemoteOptions& options);
// --staging-dir made absolute, or "" for the default.
std::string StagingRoot(const RemoteOptions& options);

// The per-target reports of a run (docs/remote-operations.md, "Output"):
// one summary line per target, or {"targets":[...]}; ok when every target
// succeeded.
class TargetsPrinter : public Report {
 public:
  explicit TargetsPrinter(const std::vector<remote::TargetReport>& reports) : reports_(reports) {}
  bool ok() const override;
  void Json(JsonObject& o) const override;
  void Text(std::ostream& out) const override;

 private:
  const std::vector<remote::TargetReport>& reports_;
};

}  // namespace pb::cli
