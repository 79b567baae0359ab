// cli/: paymentsctl subcommands. Each registers its options on the CLI11 app
// and returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace pb::cli {

// `paymentsctl verify --data-dir DIR [--json]`: exit 0 when the data
// directory checks out, 1 with a report otherwise.
void AddVerifyCommand(CLI::App* app, int* exit_code);

}  // namespace pb::cli
