// paymentsctl unlock [--remove-all].
#include <iostream>
#include <memory>

#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/json_text.h"

namespace pb::cli {

void AddUnlockCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    bool remove_all = false;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "unlock", "remove stale locks (of dead processes on this host, or not refreshed for 30 minutes) and lock "
                "files that cannot be read; list the others");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--remove-all", opts->remove_all,
                "remove every lock, also those of processes that may still run (a lost host's)");
  cmd->add_flag("--json", opts->json, "print what was removed and kept as JSON");
  cmd->callback([opts, exit_code] {
    auto repo = UnlockRepo(*opts);
    if (!repo.ok()) {
      *exit_code = ReportError("unlock", repo.status());
      return;
    }
    auto report = repo::RemoveLocks(repo->get(), opts->remove_all);
    if (!report.ok()) {
      *exit_code = ReportError("unlock", report.status());
      return;
    }
    if (opts->json) {
      std::string out;
      JsonObject(&out)
          .Raw("removed", JsonStringArray(report->removed))
          .Raw("kept", JsonStringArray(report->kept))
          .Close();
      std::cout << out << "\n";
      return;
    }
    for (const std::string& r : report->removed) std::cout << "removed " << r << "\n";
    for (const std::string& k : report->kept) std::cout << "kept    " << k << "\n";
    std::cout << report->removed.size() << " lock(s) removed, " << report->kept.size() << " kept\n";
  });
}

}  // namespace pb::cli
