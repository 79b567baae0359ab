#include "cli/remote_options.h"

#include <filesystem>
#include <iostream>

namespace pb::cli {

void AddRemoteOptions(CLI::App* cmd, RemoteOptions* options, bool required) {
  auto* inventory = cmd->add_option("--inventory", options->inventory,
                                    "inventory JSON of hosts (ops/inventory.example.json)");
  auto* target = cmd->add_option("--target", options->target, "target or group name(s), comma-separated");
  if (required) {
    inventory->required();
    target->required();
  } else {
    target->needs(inventory);
    inventory->needs(target);
  }
  cmd->add_option("--ssh-key", options->ssh_key, "private key for SSH (default: your usual keys and agent)");
  cmd->add_option("--known-hosts", options->known_hosts, "known_hosts file (default ~/.ssh/known_hosts)");
  cmd->add_flag("--accept-new-host-key", options->accept_new_host_key,
                "trust and record the key of a host seen for the first time (a changed key is still refused)");
  cmd->add_option("--staging-dir", options->staging_dir,
                  "where hosts' staging copies live (default ~/.cache/paymentsctl/hosts)");
}

Result<std::vector<remote::Target>> ResolveRemoteTargets(const RemoteOptions& options) {
  auto inventory = remote::LoadInventory(options.inventory);
  if (!inventory.ok()) return inventory.status();
  return remote::ResolveTargets(*inventory, options.target);
}

std::string StagingRoot(const RemoteOptions& options) {
  if (options.staging_dir.empty()) return "";
  return std::filesystem::absolute(options.staging_dir).lexically_normal().string();
}

remote::SshOptions SshOptionsOf(const RemoteOptions& options) {
  remote::SshOptions ssh;
  ssh.key_file = options.ssh_key;
  ssh.known_hosts = options.known_hosts;
  ssh.accept_new_host_key = options.accept_new_host_key;
  return ssh;
}

int PrintReports(const std::vector<remote::TargetReport>& reports, bool json) {
  bool all_ok = true;
  for (const auto& r : reports) all_ok = all_ok && r.ok;
  if (json) {
    std::cout << remote::ReportsJson(reports) << "\n";
  } else {
    for (const auto& r : reports) std::cout << remote::SummaryLine(r) << "\n";
  }
  return all_ok ? 0 : 1;
}

}  // namespace pb::cli
