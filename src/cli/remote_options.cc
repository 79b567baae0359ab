#include "cli/remote_options.h"

#include <cstdio>
#include <filesystem>

namespace pb::cli {
namespace {

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string Joined(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// "prod: ok (…)" or "prod: FAILED at health: …; rolled back: …".
std::string SummaryLine(const remote::TargetReport& r) {
  double total = 0;
  for (const remote::StepReport& s : r.steps) total += s.seconds;
  std::string line = r.target + ": ";
  if (r.ok) {
    std::vector<std::string> done;
    for (const remote::StepReport& s : r.steps) done.push_back(s.step);
    line += "ok (" + Joined(done, ", ") + "; " + Seconds(total) + ")";
    if (!r.snapshot_id.empty()) line += ", snapshot " + r.snapshot_id.substr(0, 8);
    return line;
  }
  line += "FAILED at " + r.failed_step + ": " + r.error;
  if (!r.rolled_back.empty()) {
    line += "; rolled back: " + Joined(r.rolled_back, ", ") +
            (r.rollback_healthy ? "; the stack is healthy again" : "; the rolled-back stack is NOT healthy");
  }
  return line;
}

void StepJson(std::string* out, const remote::StepReport& s) {
  JsonObject(out)
      .Str("step", s.step)
      .Bool("ok", s.ok)
      .Raw("seconds", FixedSeconds(s.seconds))
      .Raw("start_seconds", FixedSeconds(static_cast<double>(s.started_ms) / 1000.0))
      .Raw("end_seconds", FixedSeconds(static_cast<double>(s.ended_ms) / 1000.0))
      .Int("remote_commands", s.remote_commands)
      .Str("detail", s.detail)
      .Close();
}

void TargetJson(std::string* out, const remote::TargetReport& r) {
  JsonObject(out)
      .Str("target", r.target)
      .Bool("ok", r.ok)
      .Str("failed_step", r.failed_step)
      .Str("error", r.error)
      .Raw("rolled_back", JsonStringArray(r.rolled_back))
      .Bool("rollback_healthy", r.rollback_healthy)
      .Str("snapshot_id", r.snapshot_id)
      .Raw("steps", JsonArray(r.steps, StepJson))
      .Close();
}

}  // namespace

void AddRemoteOptions(CLI::App* cmd, RemoteOptions* options, Presence presence) {
  auto* inventory = cmd->add_option("--inventory", options->inventory,
                                    "inventory JSON of hosts (ops/inventory.example.json)");
  auto* target = cmd->add_option("--target", options->target, "target or group name(s), comma-separated");
  if (presence == Presence::kRequired) {
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

bool TargetsPrinter::ok() const {
  for (const remote::TargetReport& r : reports_) {
    if (!r.ok) return false;
  }
  return true;
}

void TargetsPrinter::Json(JsonObject& o) const { o.Raw("targets", JsonArray(reports_, TargetJson)); }

void TargetsPrinter::Text(std::ostream& out) const {
  for (const remote::TargetReport& r : reports_) out << SummaryLine(r) << "\n";
}

}  // namespace pb::cli
