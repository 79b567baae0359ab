// paymentsctl deploy.
#include <memory>

#include "cli/command_line.h"
#include "cli/remote_commands.h"
#include "cli/remote_options.h"
#include "cli/repo_access.h"
#include "remote/deploy.h"
#include "remote/env_file.h"

namespace pb::cli {
namespace {

struct DeployCliOptions : RemoteOptions {
  std::string image;
  bool image_given = false;  // --image was given
  std::string openapi_path;
  int timeout_s = 120;
  std::string backup_out;
  std::string password_file;
  std::string backup_mode = "essential";
  bool backup_include_env = false;
  bool reset_data = false;
  bool yes_really_reset_data = false;
  OutputOptions output;

  void Complete(const CLI::App& cmd) { image_given = cmd.count("--image") > 0; }
};

Status CheckDeploy(const DeployCliOptions& o) {
  if (o.reset_data && !o.yes_really_reset_data) {
    return Status::InvalidArgument(
        "refusing --reset-data without --yes-really-reset-data: it stops the stack and moves the host's data/ "
        "aside (to backups/<UTC time>/data). Nothing was done.");
  }
  if (o.image_given) PB_RETURN_IF_ERROR(remote::ValidateImage(o.image));
  return Status::Ok();
}

remote::DeployOptions DeployOptionsOf(const DeployCliOptions& o) {
  remote::DeployOptions options;
  options.ssh = SshOptionsOf(o);
  options.image = o.image;
  options.openapi_path = o.openapi_path;
  options.timeout_s = o.timeout_s;
  options.reset_data = o.reset_data;
  options.backup.include_env = o.backup_include_env;
  options.backup.staging_root = StagingRoot(o);
  backup::ParseMode(o.backup_mode, &options.backup.mode);
  return options;
}

Status RunDeploy(const DeployCliOptions& o, Output& out) {
  PB_ASSIGN_OR_RETURN(const std::vector<remote::Target> targets, ResolveRemoteTargets(o));
  remote::DeployOptions options = DeployOptionsOf(o);
  remote::SharedRepo shared;
  OpenedRepo opened;
  if (!o.backup_out.empty()) {
    const RepoOptions repo_options{{o.backup_out}, o.password_file};
    PB_ASSIGN_OR_RETURN(opened, OpenOrInitRepo(repo_options, {.mode = repo::LockMode::kAppend,
                                                              .operation = "deploy backup", .load_index = true},
                                               &out));
    if (opened.created) out.Note("created repository " + o.backup_out);
    shared.repo = opened.repo.get();
    options.backup_repo = &shared;
  }
  const auto reports = remote::ForEachTarget(
      targets, [&](const remote::Target& t, remote::TargetReport* r) { remote::DeployTarget(t, options, r); });
  out.Print(TargetsPrinter(reports));
  return Status::Ok();
}

}  // namespace

void AddDeployCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<DeployCliOptions>();
  CLI::App* cmd = app->add_subcommand(
      "deploy", "back up, optionally reset, set the image and restart a host's stack over SSH; rolls back on failure");
  AddRemoteOptions(cmd, opts.get(), Presence::kRequired);
  cmd->add_option("--image", opts->image, "image to deploy (PAYMENTS_IMAGE in the host's .env)");
  cmd->add_option("--expect-openapi-path", opts->openapi_path,
                  "path the service's /openapi.json must list for the deploy to count as healthy");
  cmd->add_option("--timeout-seconds", opts->timeout_s, "how long to wait for health")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--backup-out", opts->backup_out, "back up first into this repository (created if missing)");
  cmd->add_option("--password-file", opts->password_file,
                  "repository password file (default: $PAYMENTS_REPO_PASSWORD, else a prompt)");
  cmd->add_option("--backup-mode", opts->backup_mode, "essential or full")
      ->check(CLI::IsMember({"essential", "full"}))
      ->capture_default_str();
  cmd->add_flag("--backup-include-env", opts->backup_include_env, "also back up the host's .env (encrypted)");
  cmd->add_flag("--reset-data", opts->reset_data,
                "move data/ aside to backups/<UTC time>/data on the host and start empty (needs "
                "--yes-really-reset-data)");
  cmd->add_flag("--yes-really-reset-data", opts->yes_really_reset_data, "confirm --reset-data");
  AddOutputOptions(cmd, &opts->output, "print the per-host report as one JSON object (errors too)");
  Bind(cmd, opts, exit_code, RunDeploy, CheckDeploy);
}

}  // namespace pb::cli
