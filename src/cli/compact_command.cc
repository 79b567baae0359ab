// paymentsctl compact [--dry-run] [--json]: compaction of the shipped journal
// (repo/wal_compact.h; docs/repository-format.md, "Levels and compaction").
#include <iostream>
#include <memory>

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
Result<StreamResult> CompactStream(repo::Repository* repo, const std::string& stream, bool dry_run,
                                   std::vector<std::string>* plan_lines) {
  StreamResult r;
  r.stream = stream;
  if (dry_run) {
    auto plan = repo::PlanWalCompaction(repo, stream, replicate::CheckShippedRecords);
    if (!plan.ok()) return plan.status();
    r.before = r.after = plan->objects;
    r.report.problems = plan->problems;
    *plan_lines = PlanLines(*plan);
    return r;
  }
  auto before = repo::ListWal(repo->backend(), stream);
  if (!before.ok()) return before.status();
  r.before = before->size();
  auto report = repo::CompactWalStream(repo, stream, replicate::CheckShippedRecords, {});
  if (!report.ok()) return report.status();
  r.report = std::move(report.value());
  auto after = repo::ListWal(repo->backend(), stream);
  if (!after.ok()) return after.status();
  r.after = after->size();
  return r;
}

void Print(const StreamResult& r, const std::vector<std::string>& plan_lines, bool dry_run) {
  std::cout << "wal stream " << r.stream << ": ";
  if (dry_run) {
    std::cout << r.before << " object(s); the next pass would:\n";
    for (const std::string& line : plan_lines) std::cout << "  " << line << "\n";
    if (plan_lines.empty()) std::cout << "  nothing (compacted)\n";
  } else {
    std::cout << r.before << " -> " << r.after << " object(s): wrote " << r.report.merged_objects
              << " merged object(s) (" << r.report.records << " records), removed " << r.report.removed_objects
              << "\n";
  }
  for (const std::string& p : r.report.problems) std::cerr << "paymentsctl compact: " << p << "\n";
}

std::string Json(const std::vector<StreamResult>& results, bool dry_run) {
  std::string streams = "[";
  for (const StreamResult& r : results) {
    if (streams.size() > 1) streams += ',';
    JsonObject(&streams)
        .Str("stream", r.stream)
        .UInt("objects_before", r.before)
        .UInt("objects_after", r.after)
        .UInt("merged_objects", r.report.merged_objects)
        .UInt("removed_objects", r.report.removed_objects)
        .UInt("records", r.report.records)
        .Raw("problems", JsonStringArray(r.report.problems))
        .Close();
  }
  streams += ']';
  std::string out;
  JsonObject(&out).Bool("dry_run", dry_run).Raw("streams", streams).Close();
  return out;
}

}  // namespace

void AddCompactCommand(CLI::App* app, int* exit_code) {
  struct Options : RepoOptions {
    bool dry_run = false;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app->add_subcommand(
      "compact", "merge the shipped journal (wal/) into objects of 30 s, 5 min, 1 h and 1 day and remove what they "
                 "hold, so that a restore reads few objects (a replicator does it itself unless --no-compact)");
  AddRepoOptions(cmd, opts.get());
  cmd->add_flag("--dry-run", opts->dry_run, "print what the next pass would merge and remove; change nothing");
  cmd->add_flag("--json", opts->json, "print the result as JSON");
  cmd->callback([opts, exit_code] {
    auto opened = OpenRepo(*opts, {.mode = repo::LockMode::kAppend, .operation = "compact"});
    if (!opened.ok()) {
      *exit_code = ReportError("compact", opened.status());
      return;
    }
    auto streams = repo::ListWalStreams(opened->repo->backend());
    if (!streams.ok()) {
      *exit_code = ReportError("compact", streams.status());
      return;
    }
    std::vector<StreamResult> results;
    for (const auto& names : *streams) {
      std::vector<std::string> plan_lines;
      auto r = CompactStream(opened->repo.get(), names.front().stream, opts->dry_run, &plan_lines);
      if (!r.ok()) {
        *exit_code = ReportError("compact", r.status());
        return;
      }
      if (!opts->json) Print(*r, plan_lines, opts->dry_run);
      if (!r->report.problems.empty()) *exit_code = 1;
      results.push_back(std::move(r.value()));
    }
    if (opts->json) std::cout << Json(results, opts->dry_run) << "\n";
    if (!opts->json && results.empty()) std::cout << "no shipped journal (wal/ is empty)\n";
  });
}

}  // namespace pb::cli
