// paymentsctl: the operator's tool. Subcommands live in src/cli/; how the
// command line becomes one command's run and its exit code is
// cli/command_line.h.
#include <CLI/CLI.hpp>

#include <csignal>

#include "cli/command_line.h"
#include "cli/ops_commands.h"
#include "cli/remote_commands.h"
#include "cli/repo_commands.h"
#include "cli/verify_command.h"
#include "common/log.h"
#include "common/main_guard.h"
#include "common/version.h"

namespace {

int Run(int argc, char** argv) {
  CLI::App app{"paymentsctl: verify, back up, restore and drill the payments backend's data", "paymentsctl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", pb::VersionLine("paymentsctl"), "print the version and git commit, then exit");
  int exit_code = 0;
  pb::cli::AddVerifyCommand(&app, &exit_code);
  pb::cli::AddInitCommand(&app, &exit_code);
  pb::cli::AddBackupCommand(&app, &exit_code);
  pb::cli::AddSnapshotsCommand(&app, &exit_code);
  pb::cli::AddLsCommand(&app, &exit_code);
  pb::cli::AddRestoreCommand(&app, &exit_code);
  pb::cli::AddCheckCommand(&app, &exit_code);
  pb::cli::AddForgetCommand(&app, &exit_code);
  pb::cli::AddPruneCommand(&app, &exit_code);
  pb::cli::AddCompactCommand(&app, &exit_code);
  pb::cli::AddRepairCommand(&app, &exit_code);
  pb::cli::AddUnlockCommand(&app, &exit_code);
  pb::cli::AddKeyCommand(&app, &exit_code);
  pb::cli::AddReplicateCommand(&app, &exit_code);
  pb::cli::AddDeployCommand(&app, &exit_code);
  pb::cli::AddDoctorCommand(&app, &exit_code);
  pb::cli::AddDrillCommand(&app, &exit_code);
  return pb::cli::ParseAndRun(app, argc, argv, &exit_code);
}

}  // namespace

int main(int argc, char** argv) {
  pb::InitLogging();
  // A file-size limit (or a full disk) must give a write error, not kill us.
  signal(SIGXFSZ, SIG_IGN);
  return pb::RunMain("paymentsctl", [&] { return Run(argc, argv); });
}
