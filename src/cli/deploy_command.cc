// paymentsctl deploy.
#include <iostream>
#include <memory>

#include "cli/remote_commands.h"
#include "cli/remote_options.h"
#include "cli/repo_access.h"
#include "remote/deploy.h"
#include "remote/env_file.h"

namespace pb::cli {

void AddDeployCommand(CLI::App* app, int* exit_code) {
  struct Options : RemoteOptions {
    std::string image;
    std::string openapi_path;
    int timeout_s = 120;
    std::string backup_out;
    std::string password_file;
    std::string backup_mode = "essential";
    bool backup_include_env = false;
    bool reset_data = false;
    bool yes_really_reset_data = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "deploy", "back up, optionally reset, set the image and restart a host's stack over SSH; rolls back on failure");
  AddRemoteOptions(cmd, opts.get(), /*required=*/true);
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
  cmd->add_flag("--json", opts->json, "print the per-host report as JSON");
  cmd->callback([opts, exit_code, cmd] {
    if (opts->reset_data && !opts->yes_really_reset_data) {
      std::cerr << "paymentsctl deploy: refusing --reset-data without --yes-really-reset-data: it stops the stack "
                   "and moves the host's data/ aside (to backups/<UTC time>/data). Nothing was done.\n";
      *exit_code = 2;
      return;
    }
    if (cmd->count("--image")) {
      if (Status st = remote::ValidateImage(opts->image); !st.ok()) {
        *exit_code = ReportError("deploy", st);
        return;
      }
    }
    auto targets = ResolveRemoteTargets(*opts);
    if (!targets.ok()) {
      *exit_code = ReportError("deploy", targets.status());
      return;
    }
    remote::DeployOptions options;
    options.ssh = SshOptionsOf(*opts);
    options.image = opts->image;
    options.openapi_path = opts->openapi_path;
    options.timeout_s = opts->timeout_s;
    options.reset_data = opts->reset_data;
    options.backup.include_env = opts->backup_include_env;
    options.backup.staging_root = StagingRoot(*opts);
    backup::ParseMode(opts->backup_mode, &options.backup.mode);
    remote::SharedRepo shared;
    OpenedRepo opened;
    if (!opts->backup_out.empty()) {
      RepoOptions ro{{opts->backup_out}, opts->password_file};
      bool created = false;
      auto repo = OpenOrInitRepo(ro, repo::LockMode::kAppend, "deploy backup", /*load_index=*/true, &created);
      if (!repo.ok()) {
        *exit_code = ReportError("deploy", repo.status());
        return;
      }
      if (created) std::cerr << "created repository " << opts->backup_out << "\n";
      opened = std::move(*repo);
      shared.repo = opened.repo.get();
      options.backup_repo = &shared;
    }
    auto reports = remote::ForEachTarget(
        *targets, [&](const remote::Target& t, remote::TargetReport* r) { remote::DeployTarget(t, options, r); });
    *exit_code = PrintReports(reports, opts->json);
  });
}

}  // namespace pb::cli
