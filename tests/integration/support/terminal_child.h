// A child process on a terminal, for what paymentsctl shows only there (its
// progress line): argv only, the environment of child_runner.h, every wait
// bounded.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "support/child_runner.h"

namespace pb::integration {

struct TerminalResult {
  int exit_code = -1;      // exit status, 128+signal when killed
  bool timed_out = false;  // killed by the runner after the deadline
  std::string output;      // every byte written to the terminal ("\n" arrives as "\r\n")
};

// Runs argv (argv[0] a path) in a new session whose controlling terminal is
// a new pseudo-terminal, with stdin, stdout and stderr on it, until it
// exits and the terminal is closed; after `timeout` the child is killed.
// A child that cannot be started gives exit_code -1 and the reason in output.
TerminalResult RunOnTerminal(const std::vector<std::string>& argv, const ChildOptions& options,
                             std::chrono::milliseconds timeout);

}  // namespace pb::integration
