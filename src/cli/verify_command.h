// cli/: paymentsctl verify — the offline check of a data directory
// (ledger/verify.h).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/output.h"
#include "common/status.h"

namespace pb::cli {

struct VerifyOptions {
  std::string data_dir = "./data";
  OutputOptions output;
};

// Checks options.data_dir and prints the report; it is not ok (exit 1)
// when the directory does not check out.
Status RunVerify(const VerifyOptions& options, Output& out);

void AddVerifyCommand(CLI::App* app, int* exit_code);

}  // namespace pb::cli
