#include "cli/verify_command.h"

#include <iostream>
#include <memory>

#include "ledger/verify.h"

namespace pb::cli {

void AddVerifyCommand(CLI::App* app, int* exit_code) {
  struct Options {
    std::string data_dir = "./data";
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand("verify", "check a data directory offline: journal chain, replay, checkpoints");
  cmd->add_option("--data-dir", opts->data_dir, "data directory")->capture_default_str();
  cmd->add_flag("--json", opts->json, "print the report as JSON");
  cmd->callback([opts, exit_code] {
    auto report = ledger::VerifyDataDir(opts->data_dir);
    std::cout << (opts->json ? ledger::VerifyReportJson(report) : ledger::VerifyReportText(report));
    *exit_code = report.ok() ? 0 : 1;
  });
}

}  // namespace pb::cli
