// cli/: from argv to one command's run and its exit code. A command is
// `Status RunX(const XOptions&, Output&)`; its CLI11 callback only fills the
// options and calls it (Bind). Names are checked before CLI11 parses, so an
// unknown command or option is what is said first, with the nearest name
// ("unknown command backupp; did you mean backup?"), rather than a missing
// --repo. Every usage error — those, CLI11's (a missing or bad value,
// options that exclude each other) and a command's own checks of how its
// options combine — exits kExitUsage, as a JSON document on stdout when
// --json is among the arguments.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/output.h"
#include "common/status.h"

namespace pb::cli {

// Whether a command requires a group of options (AddRepoOptions,
// AddRemoteOptions).
enum class Presence { kRequired, kOptional };

// "backup", or "key list" for a command under another.
std::string CommandPath(const CLI::App& cmd);

// Runs one command: `check` (how its options combine; an error is a usage
// error) then `run`, through an Output with `options`; returns the exit code.
int Execute(const std::string& command, const OutputOptions& options, const std::function<Status()>& check,
            const std::function<Status(Output&)>& run);

// Makes `run` the callback of `cmd`. Options has an `output` member
// (OutputOptions); when it has `void Complete(const CLI::App&)`, that is
// called first, to record what only the parse knows (whether an option was
// given). `check` may be null.
template <typename Options>
void Bind(CLI::App* cmd, std::shared_ptr<Options> options, int* exit_code, Status (*run)(const Options&, Output&),
          Status (*check)(const Options&) = nullptr) {
  cmd->callback([cmd, options, exit_code, run, check] {
    if constexpr (requires { options->Complete(*cmd); }) options->Complete(*cmd);
    *exit_code = Execute(
        CommandPath(*cmd), options->output, [&] { return check ? check(*options) : Status::Ok(); },
        [&](Output& out) { return run(*options, out); });
  });
}

// The first name in `args` (argv without argv[0]) that is neither a command
// of `app` where a command is expected, nor an option of the command it
// follows: InvalidArgument "unknown command X; did you mean Y?" or "--x is
// not an option of CMD", naming the nearest name when one is close.
// *command receives the last command named (`app` when none).
Status CheckNames(const CLI::App& app, const std::vector<std::string>& args, const CLI::App** command);

// The name among `candidates` nearest to `name` (edit distance, at most a
// third of its length, at least 1; or a candidate it is a prefix of), or "".
std::string Nearest(const std::string& name, const std::vector<std::string>& candidates);

// Parses argv with `app`, whose commands write *exit_code (Bind), and runs
// the chosen command; returns the exit code (usage errors: kExitUsage;
// --help and --version: 0).
int ParseAndRun(CLI::App& app, int argc, char** argv, const int* exit_code);

}  // namespace pb::cli
