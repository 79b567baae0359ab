// cli/: the operator's checks — paymentsctl doctor and paymentsctl drill
// (src/ops/). They report through Output (cli/output.h: exit 0 success, 1
// failure, 2 usage; a drill stopped by signal N exits 128 + N).
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
