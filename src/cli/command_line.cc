#include "cli/command_line.h"

#include <algorithm>
#include <cstdlib>

#include "common/log.h"

namespace pb::cli {
namespace {

// Edit distance (insertions, deletions, substitutions) of `a` and `b`.
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A number such as -1 or -0.5 is a value, not an option.
bool IsNumber(const std::string& token) {
  char* end = nullptr;
  std::strtod(token.c_str(), &end);
  return end != token.c_str() && *end == '\0';
}

std::vector<const CLI::App*> Commands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

const CLI::App* FindCommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : Commands(app)) {
    if (sub->check_name(name)) return sub;
  }
  return nullptr;
}

std::vector<std::string> OptionNames(const CLI::App& cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : cmd.get_options()) {
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

std::string WithNearest(std::string message, const std::string& nearest) {
  return nearest.empty() ? message : message + "; did you mean " + nearest + "?";
}

std::string Described(const CLI::App& cmd) {
  const std::string path = CommandPath(cmd);
  return path.empty() ? "paymentsctl" : path;
}

// The option `token` names in `cmd` (for "-qv": each of q and v), or an
// error naming it. *takes_value: the next argument is its value.
Status CheckOption(const CLI::App& cmd, const std::string& token, bool* takes_value) {
  *takes_value = false;
  const size_t eq = token.find('=');
  const std::string name = token.substr(0, eq);
  std::vector<std::string> names = {name};
  if (name.size() > 2 && name[1] != '-') {  // a cluster of short flags
    names.clear();
    for (size_t i = 1; i < name.size(); ++i) names.push_back(std::string("-") + name[i]);
  }
  for (const std::string& n : names) {
    const CLI::Option* opt = cmd.get_option_no_throw(n);
    if (opt == nullptr) {
      return Status::InvalidArgument(
          WithNearest(n + " is not an option of " + Described(cmd), Nearest(n, OptionNames(cmd))));
    }
    if (opt->get_type_size_max() > 0) {
      *takes_value = eq == std::string::npos && n == names.back() && names.size() == 1;
      break;  // the rest of a cluster is the value
    }
  }
  return Status::Ok();
}

std::string UnknownCommand(const CLI::App& parent, const std::string& name) {
  std::vector<std::string> names;
  for (const CLI::App* sub : Commands(parent)) names.push_back(sub->get_name());
  const std::string prefix = CommandPath(parent).empty() ? "" : CommandPath(parent) + " ";
  const std::string nearest = Nearest(name, names);
  return WithNearest("unknown command " + prefix + name, nearest.empty() ? "" : prefix + nearest);
}

}  // namespace

std::string CommandPath(const CLI::App& cmd) {
  std::string path;
  for (const CLI::App* a = &cmd; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
    path = path.empty() ? a->get_name() : a->get_name() + " " + path;
  }
  return path;
}

std::string Nearest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, name.size() / 3) + 1;
  for (const std::string& c : candidates) {
    size_t d = Distance(name, c);
    if (name.size() >= 3 && c.size() > name.size() && c.compare(0, name.size(), name) == 0) d = 1;
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

Status CheckNames(const CLI::App& app, const std::vector<std::string>& args, const CLI::App** command) {
  const CLI::App*& cmd = *command;
  cmd = &app;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& token = args[i];
    if (token == "--") break;
    if (token.size() > 1 && token[0] == '-' && !IsNumber(token)) {
      bool takes_value = false;
      PB_RETURN_IF_ERROR(CheckOption(*cmd, token, &takes_value));
      if (takes_value && i + 1 < args.size() && (args[i + 1].empty() || args[i + 1][0] != '-')) ++i;
    } else if (!Commands(*cmd).empty()) {
      const CLI::App* sub = FindCommand(*cmd, token);
      if (sub == nullptr) return Status::InvalidArgument(UnknownCommand(*cmd, token));
      cmd = sub;
    }
  }
  return Status::Ok();
}

int Execute(const std::string& command, const OutputOptions& options, const std::function<Status()>& check,
            const std::function<Status(Output&)>& run) {
  if (options.verbosity == Verbosity::kQuiet) spdlog::set_level(spdlog::level::warn);
  if (options.verbosity == Verbosity::kVerbose) spdlog::set_level(spdlog::level::debug);
  Output out(command, options);
  Status usage = check();
  if (!usage.ok()) return out.Finish(usage, kExitUsage);
  return out.Finish(run(out));
}

int ParseAndRun(CLI::App& app, int argc, char** argv, const int* exit_code) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  OutputOptions output;
  output.json = std::find(args.begin(), std::find(args.begin(), args.end(), "--"), "--json") != args.end();
  const CLI::App* named = &app;
  Status names = CheckNames(app, args, &named);
  const std::string command = CommandPath(*named);
  const auto usage = [&](const std::string& message) {
    const std::string help = "paymentsctl " + (command.empty() ? "" : command + " ") + "--help";
    return Output(command, output).Finish(Status::InvalidArgument(message + " (see `" + help + "`)"), kExitUsage);
  };
  if (!names.ok()) return usage(names.message());
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (Commands(*named).empty()) return usage(e.what());
    std::string commands;
    for (const CLI::App* sub : Commands(*named)) commands += (commands.empty() ? "" : ", ") + sub->get_name();
    return usage("give a command: " + commands);
  }
  return *exit_code;
}

}  // namespace pb::cli
