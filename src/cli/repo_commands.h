// cli/: the repository commands of paymentsctl (docs/repository-format.md,
// README "Backups"). Each registers a subcommand whose callback runs the
// command through Output (cli/output.h: exit 0 success, 1 failure, 2 usage).
#pragma once

#include <CLI/CLI.hpp>

namespace pb::cli {

void AddInitCommand(CLI::App* app, int* exit_code);
void AddBackupCommand(CLI::App* app, int* exit_code);
void AddSnapshotsCommand(CLI::App* app, int* exit_code);
void AddLsCommand(CLI::App* app, int* exit_code);
void AddRestoreCommand(CLI::App* app, int* exit_code);
void AddCheckCommand(CLI::App* app, int* exit_code);
void AddForgetCommand(CLI::App* app, int* exit_code);
void AddPruneCommand(CLI::App* app, int* exit_code);
void AddCompactCommand(CLI::App* app, int* exit_code);
void AddReplicateCommand(CLI::App* app, int* exit_code);
void AddRepairCommand(CLI::App* app, int* exit_code);
void AddUnlockCommand(CLI::App* app, int* exit_code);
void AddKeyCommand(CLI::App* app, int* exit_code);

}  // namespace pb::cli
