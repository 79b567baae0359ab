// paymentsctl compact [--dry-run]: compaction of the shipped journal
// (repo/wal_compact.h; docs/repository-format.md, "Levels and compaction").
#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/json_text.h"
#include "replicate/shipped_records.h"
#include "repo/wal_compact.h"

namespace pb::cli {
namespace {

struct StreamResult {
  std::string stream;
  uint64_t before = 0, after = 0;  // objects listed
  repo::WalCompactionReport report;
  std::vector<std::string> plan_lines;  // with --dry-run: PlanLines
};

// One pass's plan, as lines (--dry-run).
std::vector<std::string> PlanLines(const repo::WalCompactionPlan& plan) {
  std::vector<std::string> lines;
  for (const auto& [object, holder] : plan.redundant) {
    lines.push_back("remove wal/" + object.name + " (held by wal/" + holder.name + ")");
  }
  for (const repo::WalMerge& m : plan.merges) {
    lines.push_back("merge " + std::to_string(m.inputs.size()) + " objects, records " +
                    std::to_string(m.inputs.front().first_seq) + "-" + std::to_string(m.inputs.back().last_seq) +
                    ", into level " + std::to_string(m.level));
  }
  if (plan.more) lines.push_back("(more level 0 objects to read after this pass)");
  return lines;
}

// Compacts (or with dry_run plans one pass over) one stream.
Result<StreamResult> CompactStream(repo::Repository* repo, const std::string& stream, bool dry_run) {
  StreamResult r;
  r.stream = stream;
  if (dry_run) {
    PB_ASSIGN_OR_RETURN(const repo::WalCompactionPlan plan,
                        repo::PlanWalCompaction(repo, stream, replicate::CheckShippedRecords));
    r.before = r.after = plan.objects;
    r.report.problems = plan.problems;
    r.plan_lines = PlanLines(plan);
    return r;
  }
  PB_ASSIGN_OR_RETURN(const auto before, repo::ListWal(repo->backend(), stream));
  r.before = before.size();
  PB_ASSIGN_OR_RETURN(r.report, repo::CompactWalStream(repo, stream, replicate::CheckShippedRecords, {}));
  PB_ASSIGN_OR_RETURN(const auto after, repo::ListWal(repo->backend(), stream));
  r.after = after.size();
  return r;
}

// Text: per stream its objects before and after (with --dry-run the next
// pass's plan), and what was not done. JSON: dry_run, and streams (one
// object each). Not ok when a stream has problems.
class CompactPrinter : public Report {
 public:
  CompactPrinter(const std::vector<StreamResult>& results, bool dry_run) : results_(results), dry_run_(dry_run) {}
  bool ok() const override {
    for (const StreamResult& r : results_) {
      if (!r.report.problems.empty()) return false;
    }
    return true;
  }
  void Json(JsonObject& o) const override {
    o.Bool("dry_run", dry_run_).Raw("streams", JsonArray(results_, StreamJson));
  }
  void Text(std::ostream& out) const override {
    if (results_.empty()) out << "no shipped journal (wal/ is empty)\n";
    for (const StreamResult& r : results_) StreamText(out, r);
  }

 private:
  static void StreamJson(std::string* out, const StreamResult& r) {
    JsonObject(out)
        .Str("stream", r.stream)
        .UInt("objects_before", r.before)
        .UInt("objects_after", r.after)
        .UInt("merged_objects", r.report.merged_objects)
        .UInt("removed_objects", r.report.removed_objects)
        .UInt("records", r.report.records)
        .Raw("problems", JsonStringArray(r.report.problems))
        .Close();
  }
  void StreamText(std::ostream& out, const StreamResult& r) const {
    out << "wal stream " << r.stream << ": ";
    if (dry_run_) {
      out << r.before << " object(s); the next pass would:\n";
      for (const std::string& line : r.plan_lines) out << "  " << line << "\n";
      if (r.plan_lines.empty()) out << "  nothing (compacted)\n";
    } else {
      out << r.before << " -> " << r.after << " object(s): wrote " << r.report.merged_objects
          << " merged object(s) (" << r.report.records << " records), removed " << r.report.removed_objects << "\n";
    }
    for (const std::string& p : r.report.problems) out << "  PROBLEM: " << p << "\n";
  }

  const std::vector<StreamResult>& results_;
  bool dry_run_;
};

struct CompactOptions : RepoOptions {
  bool dry_run = false;
  OutputOptions output;
};

// Compacts every stream of the shipped journal (or plans a pass over each
// with --dry-run) and prints what was done.
Status RunCompact(const CompactOptions& opts, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(opts, {.mode = repo::LockMode::kAppend, .operation = "compact"}, &out));
  PB_ASSIGN_OR_RETURN(const auto streams, repo::ListWalStreams(opened.repo->backend()));
  std::vector<StreamResult> results;
  for (const auto& names : streams) {
    PB_ASSIGN_OR_RETURN(StreamResult r, CompactStream(opened.repo.get(), names.front().stream, opts.dry_run));
    results.push_back(std::move(r));
  }
  out.Print(CompactPrinter(results, opts.dry_run));
  return Status::Ok();
}

}  // namespace

void AddCompactCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<CompactOptions>();
  CLI::App* cmd = app->add_subcommand(
      "compact", "merge the shipped journal (wal/) into objects of 30 s, 5 min, 1 h and 1 day and remove what they "
                 "hold, so that a restore reads few objects (a replicator does it itself unless --no-compact)");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--dry-run", opts->dry_run, "print what the next pass would merge and remove; change nothing");
  AddOutputOptions(cmd, &opts->output);
  Bind(cmd, opts, exit_code, RunCompact);
}

}  // namespace pb::cli
