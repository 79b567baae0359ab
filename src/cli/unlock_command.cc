// paymentsctl unlock [--remove-all].
#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"

namespace pb::cli {
namespace {

struct UnlockOptions : RepoOptions {
  bool remove_all = false;
  OutputOptions output;
};

class UnlockPrinter : public Report {
 public:
  explicit UnlockPrinter(const repo::UnlockReport& r) : r_(r) {}
  void Json(JsonObject& o) const override {
    o.Raw("removed", JsonStringArray(r_.removed)).Raw("kept", JsonStringArray(r_.kept));
  }
  void Text(std::ostream& out) const override {
    for (const std::string& r : r_.removed) out << "removed " << r << "\n";
    for (const std::string& k : r_.kept) out << "kept    " << k << "\n";
    out << r_.removed.size() << " lock(s) removed, " << r_.kept.size() << " kept\n";
  }

 private:
  const repo::UnlockReport& r_;
};

Status RunUnlock(const UnlockOptions& o, Output& out) {
  PB_ASSIGN_OR_RETURN(auto repo, UnlockRepo(o));
  PB_ASSIGN_OR_RETURN(const repo::UnlockReport report, repo::RemoveLocks(repo.get(), o.remove_all));
  out.Print(UnlockPrinter(report));
  return Status::Ok();
}

}  // namespace

void AddUnlockCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<UnlockOptions>();
  CLI::App* cmd = app->add_subcommand(
      "unlock", "remove stale locks (of dead processes on this host, or not refreshed for 30 minutes) and lock "
                "files that cannot be read; list the others");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--remove-all", opts->remove_all,
                "remove every lock, also those of processes that may still run (a lost host's)");
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunUnlock);
}

}  // namespace pb::cli
