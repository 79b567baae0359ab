// cli/: the operator's checks — paymentsctl doctor and paymentsctl drill
// (src/ops/). Each callback sets *exit_code: 0 success, 1 failure.
#pragma once

#include <CLI/CLI.hpp>

namespace pb::cli {

// `paymentsctl doctor [--data-dir DIR] [--repo REPO] [--json] ...`: exit 1
// when a finding is an error.
void AddDoctorCommand(CLI::App* app, int* exit_code);

// `paymentsctl drill --repo REPO [SNAPSHOT|latest] [--json]`: exit 1 when
// any step fails.
void AddDrillCommand(CLI::App* app, int* exit_code);

}  // namespace pb::cli
