#include "ledger/verify.h"

#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/file_util.h"
#include "ledger/data_dir_probe.h"
#include "ledger/datadir.h"
#include "ledger/journal.h"
#include "ledger/state.h"
#include "ledger/state_json.h"

namespace pb::ledger {
namespace {

std::map<std::string, Wei> BalanceMap(const LedgerState& s) {
  std::map<std::string, Wei> out;
  for (const auto& [id, wei] : s.balances()) out[id] = wei;
  return out;
}

void VerifyPythonEra(const std::string& dir, VerifyReport* report) {
  report->python_era = true;
  report->notes.push_back("no journal yet: a Python-era data directory (payments-backend adopts it on first start)");
  LedgerState state;
  Status st = LoadStateFiles(dir, &state);
  if (!st.ok()) {
    report->problems.push_back(st.message());
    return;
  }
  report->orchestrators = state.orchestrators().size();
  report->workloads = state.workloads().size();
  std::ifstream events(DataPath(dir, kLedgerEventsLog));
  std::set<std::string> credited;
  simdjson::dom::parser parser;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(events, line)) {
    ++line_no;
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;  // best-effort log: torn lines happen
    std::string_view event, workload;
    if (e["event"].get_string().get(event) != simdjson::SUCCESS || event != "credit") continue;
    if (e["metadata"]["workload_id"].get_string().get(workload) != simdjson::SUCCESS) continue;
    if (!credited.emplace(workload).second) {
      report->problems.push_back("audit/ledger-events.log line " + std::to_string(line_no) + ": workload '" +
                                 std::string(workload) + "' credited twice");
    }
  }
}

// Compares each JSON file with `marker`, adding a problem for each that
// does not match. Returns the paths to load: a file may still sit under its
// .ckpt name when the service stopped between publishing CHECKPOINT and the
// renames (start-up finishes those renames).
StateFilePaths MatchedStatePaths(const std::string& dir, const CheckpointMarker& marker, VerifyReport* report) {
  StateFilePaths paths = DefaultStateFilePaths(dir);
  std::string* path_of[kStateFileCount] = {&paths.registry, &paths.balances, &paths.workloads};
  const auto matches = MatchCheckpointFiles(dir, marker);
  for (size_t i = 0; i < kStateFileCount; ++i) {
    const std::string name = kStateFiles[i];
    switch (matches[i].match) {
      case FileMatch::kMatches: break;
      case FileMatch::kPendingMatches:
        *path_of[i] += kPendingSuffix;
        report->notes.push_back(name + kPendingSuffix + " holds the committed checkpoint (the service stopped "
                                "before renaming it); payments-backend finishes the rename at start-up");
        break;
      case FileMatch::kDiffers:
        report->problems.push_back(name + " does not match journal/CHECKPOINT (content differs: edited or damaged)");
        break;
      case FileMatch::kUnreadable:
        report->problems.push_back(name + " does not match journal/CHECKPOINT (" + matches[i].read_error.message() +
                                   ")");
        break;
    }
  }
  return paths;
}

// Compares the state loaded from the JSON files with the journal's at the
// checkpoint's `seq` (its balances and its number of workloads).
void CompareWithJournal(const LedgerState& files_state, const std::map<std::string, Wei>& balances_at_checkpoint,
                        uint64_t workloads_at_checkpoint, uint64_t seq, VerifyReport* report) {
  auto file_balances = BalanceMap(files_state);
  for (const auto& [id, wei] : balances_at_checkpoint) {
    auto it = file_balances.find(id);
    if (it == file_balances.end()) {
      report->problems.push_back("balances.json lacks '" + id + "' (journal: " + FormatEth(wei) + " ETH)");
    } else if (it->second != wei) {
      report->problems.push_back("balances.json says '" + id + "' = " + FormatEth(it->second) + " ETH, the journal " +
                                 FormatEth(wei) + " ETH at seq " + std::to_string(seq));
    }
  }
  for (const auto& [id, wei] : file_balances) {
    if (!balances_at_checkpoint.count(id)) {
      report->problems.push_back("balances.json has '" + id + "' which the journal never credited");
    }
  }
  if (files_state.workloads().size() != workloads_at_checkpoint) {
    report->problems.push_back("workloads.json has " + std::to_string(files_state.workloads().size()) +
                               " workloads, the journal " + std::to_string(workloads_at_checkpoint) + " at seq " +
                               std::to_string(seq));
  }
}

}  // namespace

VerifyReport VerifyDataDir(const std::string& dir) {
  VerifyReport report;
  const DataDirKind kind = ClassifyDataDir(dir);
  if (!IsPaymentsDataDir(kind)) {
    report.problems.push_back(NotADataDirMessage(dir, kind) +
                              "; give the directory payments-backend runs with (its --data-dir)");
    return report;
  }
  if (kind == DataDirKind::kPythonEra) {
    VerifyPythonEra(dir, &report);
    return report;
  }
  auto marker = ReadCheckpointMarker(dir);
  if (marker.ok()) {
    report.checkpoint_seq = marker->point.seq;
  } else if (marker.status().kind() != Status::Kind::kNotFound) {
    report.problems.push_back(marker.status().message());
  }
  LedgerState state;
  std::map<std::string, Wei> balances_at_checkpoint;
  uint64_t workloads_at_checkpoint = 0;
  Digest hash_at_checkpoint{};
  auto capture = [&](uint64_t seq) {
    if (!marker.ok() || seq != marker->point.seq) return;
    balances_at_checkpoint = BalanceMap(state);
    workloads_at_checkpoint = state.workloads().size();
  };
  capture(0);
  auto replay = [&](const Record& r, std::string_view line) {
    Status st = state.Apply(r);
    if (!st.ok()) return Status::Corruption("record seq " + std::to_string(r.seq) + ": " + st.message());
    if (marker.ok() && r.seq == marker->point.seq) FromHex(line.substr(0, 64), &hash_at_checkpoint);
    capture(r.seq);
    return Status::Ok();
  };
  auto read = ReadJournal(JournalDir(dir), ChainPoint{}, OnTornTail::kReport, replay);
  if (!read.ok()) {
    report.problems.push_back(read.status().message());
    return report;
  }
  report.journal_seq = read->end.seq;
  report.orchestrators = state.orchestrators().size();
  report.workloads = state.workloads().size();
  if (read->torn) {
    report.notes.push_back("the last record of " + read->tail.path + " is torn at byte offset " +
                           std::to_string(read->tail.offset) + " (" + std::to_string(read->tail.bytes) +
                           " bytes, never acknowledged); payments-backend cuts it at start-up");
  }
  if (!marker.ok()) {
    if (FileExists(DataPath(dir, kBalancesJson))) {
      report.notes.push_back("no journal/CHECKPOINT: the JSON files are not checked against the journal");
    }
    return report;
  }
  if (marker->point.seq > report.journal_seq) {
    report.problems.push_back("journal/CHECKPOINT is at seq " + std::to_string(marker->point.seq) +
                              " but the journal ends at seq " + std::to_string(report.journal_seq));
    return report;
  }
  if (marker->point.seq > 0 && hash_at_checkpoint != marker->point.hash) {
    report.problems.push_back("journal/CHECKPOINT's hash does not match record seq " + std::to_string(marker->point.seq));
  }
  StateFilePaths paths = MatchedStatePaths(dir, *marker, &report);
  LedgerState files_state;
  Status loaded = LoadStateFiles(paths, &files_state);
  if (!loaded.ok()) {
    report.problems.push_back(loaded.message());
    return report;
  }
  CompareWithJournal(files_state, balances_at_checkpoint, workloads_at_checkpoint, marker->point.seq, &report);
  return report;
}

std::string VerifyReportText(const VerifyReport& r) {
  std::string out;
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  for (const auto& p : r.problems) out += "PROBLEM: " + p + "\n";
  out += r.ok() ? "verify: OK" : "verify: FAILED";
  out += " (journal seq " + std::to_string(r.journal_seq) + ", checkpoint seq " + std::to_string(r.checkpoint_seq) +
         ", " + std::to_string(r.orchestrators) + " orchestrators, " + std::to_string(r.workloads) + " workloads)\n";
  return out;
}

}  // namespace pb::ledger
