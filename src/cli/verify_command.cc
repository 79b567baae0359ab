#include "cli/verify_command.h"

#include <memory>

#include "cli/command_line.h"
#include "ledger/verify.h"

namespace pb::cli {
namespace {

class VerifyPrinter : public Report {
 public:
  explicit VerifyPrinter(const ledger::VerifyReport& r) : r_(r) {}
  bool ok() const override { return r_.ok(); }
  void Json(JsonObject& o) const override {
    o.Bool("python_era", r_.python_era)
        .UInt("journal_seq", r_.journal_seq)
        .UInt("checkpoint_seq", r_.checkpoint_seq)
        .UInt("orchestrators", r_.orchestrators)
        .UInt("workloads", r_.workloads)
        .Raw("problems", JsonStringArray(r_.problems))
        .Raw("notes", JsonStringArray(r_.notes));
  }
  void Text(std::ostream& out) const override { out << ledger::VerifyReportText(r_); }

 private:
  const ledger::VerifyReport& r_;
};

}  // namespace

Status RunVerify(const VerifyOptions& options, Output& out) {
  const ledger::VerifyReport report = ledger::VerifyDataDir(options.data_dir);
  out.Print(VerifyPrinter(report));
  return Status::Ok();
}

void AddVerifyCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app->add_subcommand("verify", "check a data directory offline: journal chain, replay, checkpoints");
  cmd->add_option("--data-dir", opts->data_dir, "data directory")->capture_default_str();
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunVerify);
}

}  // namespace pb::cli
