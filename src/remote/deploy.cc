#include "remote/deploy.h"

#include <optional>

#include "remote/env_file.h"
#include "remote/host_stack.h"

namespace pb::remote {

namespace {

constexpr const char* kImageKey = "PAYMENTS_IMAGE";

// What a deploy changed on the host, so that it can be put back.
struct Changes {
  bool touched = false;  // the stack was stopped or .env written
  std::optional<std::string> env_before;
  bool env_written = false;
  std::string archived_data;  // backups/<stamp>/data after a reset
};

std::string ImageOf(const std::optional<std::string>& env) {
  auto image = env ? GetEnvValue(*env, kImageKey) : std::nullopt;
  return image ? *image : "(compose default)";
}

void Rollback(HostStack* stack, const DeployOptions& options, const Changes& changes, TargetReport* report) {
  report->Step("rollback", [&]() -> Result<std::string> {
    std::string problems;
    auto note = [&](const Status& st) {
      if (!st.ok()) problems += (problems.empty() ? "" : "; ") + st.ToString();
    };
    note(stack->Compose({"down"}));
    if (changes.env_written) {
      Status st = stack->WriteEnv(changes.env_before);
      note(st);
      if (st.ok()) report->rolled_back.push_back("image " + ImageOf(changes.env_before) + " (.env as before)");
    }
    if (!changes.archived_data.empty()) {
      auto dir = stack->SwapData(UtcStamp(), changes.archived_data, "data.failed-deploy");
      note(dir.status());
      if (dir.ok()) {
        report->rolled_back.push_back("data/ from " + changes.archived_data + " (the failed deploy's data is in " +
                                      *dir + "/data.failed-deploy)");
      }
    }
    note(stack->Compose({"up", "-d"}));
    auto healthy = stack->WaitHealthy(options.timeout_s, options.openapi_path);
    note(healthy.status());
    report->rollback_healthy = healthy.ok();
    if (!problems.empty()) return Status::IOError("rollback incomplete: " + problems);
    return "previous state back, " + *healthy;
  });
}

}  // namespace

Status HealthStep(HostStack* stack, int timeout_s, const std::string& openapi_path, TargetReport* report) {
  return report->Step("health", [&]() -> Result<std::string> { return stack->WaitHealthy(timeout_s, openapi_path); });
}

void DeployTarget(const Target& target, const DeployOptions& options, TargetReport* report) {
  auto session = Connect(target, options.ssh, report);
  if (!session.ok()) return;
  HostStack stack(session->get());
  if (!CheckHost(&stack, HostEnv::kRead, report).ok()) return;
  Changes changes;
  {
    auto env = stack.ReadEnv();  // read by the check step: no remote command
    if (!env.ok()) return;
    changes.env_before = std::move(*env);
  }
  if (options.backup_repo &&
      !BackupHost(session->get(), &stack, options.backup_repo, options.backup, report).ok()) {
    return;  // nothing on the host has changed
  }
  auto mutate = [&]() -> Status {
    if (options.reset_data) {
      PB_RETURN_IF_ERROR(report->Step("reset", [&]() -> Result<std::string> {
        std::string stamp = UtcStamp();
        std::string fresh = ".data.new-" + stamp;
        Status st = stack.Adopt(fresh, AuditFolder::kCreate);
        if (!st.ok()) {
          (void)stack.RemoveScratch(fresh);
          return st;
        }
        changes.touched = true;
        PB_RETURN_IF_ERROR(stack.Compose({"down"}));
        auto dir = stack.SwapData(stamp, fresh, "data");
        if (!dir.ok()) return dir.status();
        if (dir->empty()) return std::string("stack stopped; there was no data/; new empty data/audit");
        changes.archived_data = *dir + "/data";
        return "stack stopped; data/ moved to " + target.remote_path + "/" + changes.archived_data +
               "; new empty data/audit";
      }));
    }
    if (!options.image.empty()) {
      PB_RETURN_IF_ERROR(report->Step("image", [&]() -> Result<std::string> {
        std::string updated = SetEnvValue(changes.env_before.value_or(""), kImageKey, options.image);
        changes.touched = true;
        changes.env_written = true;
        PB_RETURN_IF_ERROR(stack.WriteEnv(updated));
        return std::string(kImageKey) + " " + ImageOf(changes.env_before) + " -> " + options.image;
      }));
    }
    PB_RETURN_IF_ERROR(report->Step("pull", [&]() -> Result<std::string> {
      PB_RETURN_IF_ERROR(stack.Compose({"pull"}));
      return std::string("pulled");
    }));
    PB_RETURN_IF_ERROR(report->Step("up", [&]() -> Result<std::string> {
      changes.touched = true;
      PB_RETURN_IF_ERROR(stack.Compose({"up", "-d"}));
      return std::string("started");
    }));
    return HealthStep(&stack, options.timeout_s, options.openapi_path, report);
  };
  if (!mutate().ok() && changes.touched) Rollback(&stack, options, changes, report);
}

}  // namespace pb::remote
