#pragma once

#include <string>

#include "remote/host_backup.h"
#include "remote/report.h"
#include "remote/ssh_session.h"

namespace pb::remote {

struct DeployOptions {
  SshOptions ssh;
  std::string image;         // new PAYMENTS_IMAGE, or empty to keep .env as it is
  std::string openapi_path;  // must be listed by /openapi.json, or empty
  int timeout_s = 120;       // for health
  bool reset_data = false;   // REQUIRES: the operator confirmed it
  SharedRepo* backup_repo = nullptr;  // back up first into this, or none
  HostBackupOptions backup;
};

// Deploys one target (docs/remote-operations.md, "Deploy"): check, backup,
// reset, image, pull, up, health; when a step from reset on fails, the
// previous .env (image) and data are put back and the stack started again.
// Everything that happened is in *report.
void DeployTarget(const Target& target, const DeployOptions& options, TargetReport* report);

// Waits for health (step "health") with the deploy's timeout and OpenAPI check.
Status HealthStep(HostStack* stack, int timeout_s, const std::string& openapi_path, TargetReport* report);

}  // namespace pb::remote
