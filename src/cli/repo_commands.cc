// paymentsctl init and check.
#include "cli/repo_commands.h"

#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "repo/checker.h"
#include "replicate/shipped_records.h"
#include "secrets/password.h"

namespace pb::cli {
namespace {

struct InitOptions : RepoOptions {
  OutputOptions output;
};

Status RunInit(const InitOptions& options, Output& out) {
  PB_ASSIGN_OR_RETURN(const std::string password,
                      secrets::ReadPassword({.file = options.password_file, .confirm = true}));
  PB_ASSIGN_OR_RETURN(auto backend, repo::CreateBackend(options));
  PB_RETURN_IF_ERROR(repo::Repository::Init(*backend, password, repo::kDefaultKdf));
  const std::string where = backend->Describe();
  out.Print(LinesReport("created repository " + where +
                            "\nKeep the password safe: without it the backups cannot be read by anyone.",
                        [&](JsonObject& o) { o.Str("repository", where); }));
  return Status::Ok();
}

struct CheckOptions : RepoOptions {
  bool read_data = false;
  OutputOptions output;
};

class CheckPrinter : public Report {
 public:
  CheckPrinter(const repo::CheckReport& r, bool read_data) : r_(r), read_data_(read_data) {}
  bool ok() const override { return r_.ok(); }
  void Json(JsonObject& o) const override {
    o.Bool("read_data", read_data_)
        .UInt("snapshots", r_.snapshots)
        .UInt("trees", r_.trees)
        .UInt("packs", r_.packs)
        .UInt("blobs_read", r_.blobs)
        .UInt("bytes_read", r_.bytes_read)
        .UInt("wal_objects", r_.wal_objects)
        .UInt("wal_objects_read", r_.wal_opened)
        .Raw("problems", JsonStringArray(r_.problems))
        .Raw("notes", JsonStringArray(r_.notes));
  }
  void Text(std::ostream& out) const override {
    for (const std::string& n : r_.notes) out << "note: " << n << "\n";
    for (const std::string& p : r_.problems) out << "DAMAGED: " << p << "\n";
    out << r_.snapshots << " snapshot(s), " << r_.trees << " tree(s), " << r_.packs << " pack(s), " << r_.wal_objects
        << " wal object(s) (" << r_.wal_opened << " read)";
    if (read_data_) out << ", " << r_.blobs << " blob(s) and " << HumanBytes(r_.bytes_read) << " read";
    if (r_.ok()) {
      out << ": no damage found\n";
    } else {
      out << ": " << r_.problems.size() << " problem(s): do not prune; run `paymentsctl repair`, then a backup "
          << "(docs/backups.md, \"The repository is damaged\")\n";
    }
  }

 private:
  const repo::CheckReport& r_;
  bool read_data_;
};

Status RunCheck(const CheckOptions& options, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(options, {.mode = repo::LockMode::kRead, .operation = "check"}, &out));
  PB_ASSIGN_OR_RETURN(const repo::CheckReport report,
                      repo::CheckRepository(opened.repo.get(), options.read_data, out.progress().ByteCounter(),
                                            replicate::CheckShippedRecords));
  out.Print(CheckPrinter(report, options.read_data));
  return Status::Ok();
}

}  // namespace

void AddInitCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<InitOptions>();
  CLI::App* cmd = app->add_subcommand("init", "create an encrypted backup repository");
  AddRepoOptions(cmd, opts.get());
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunInit);
}

void AddCheckCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  CLI::App* cmd = app->add_subcommand("check", "check the repository's structure, or every byte with --read-data");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--read-data", opts->read_data, "read and verify every pack (every byte)");
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunCheck);
}

}  // namespace pb::cli
