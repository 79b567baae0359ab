// paymentsctl: the operator's tool. Subcommands live in src/cli/.
#include <CLI/CLI.hpp>

#include "cli/verify_command.h"
#include "common/log.h"

int main(int argc, char** argv) {
  pb::InitLogging();
  CLI::App app{"paymentsctl: operate the payments backend's data (verify, and more to come)"};
  app.require_subcommand(1);
  int exit_code = 0;
  pb::cli::AddVerifyCommand(&app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
