// bench-journal-gen: writes a valid journal of registrations and workload
// credits straight into a data directory, so benchmarks can start the
// service on a large history without feeding it over HTTP first.
// With --append it continues an existing journal (and its mirrors) with more
// credits, as a service that ran for a while would have (make bench: the
// change between a full and an incremental backup).
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <iostream>
#include <map>

#include "common/file_util.h"
#include "common/time_util.h"
#include "ledger/data_dir_lock.h"
#include "ledger/journal.h"
#include "ledger/mirror.h"
#include "ledger/record.h"

using namespace pb;
using namespace pb::ledger;

namespace {

// Appends `data` to the file at `path` (created when missing). Mirrors are
// not fsynced by the service either.
Status AppendToFile(const std::string& path, std::string_view data) {
  if (data.empty()) return Status::Ok();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  Status st = WriteAll(fd, data, path);
  ::close(fd);
  return st;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench-journal-gen: generate a journal with N workload credits"};
  std::string data_dir;
  uint64_t orchestrators = 64, workloads = 10000;
  bool append = false;
  int64_t ts = NowMillis();
  int64_t ts_step = 0;
  app.add_option("--data-dir", data_dir, "data directory to create (must not hold a journal unless --append)")
      ->required();
  app.add_option("--orchestrators", orchestrators, "orchestrators bench-0..bench-N-1 (ignored with --append)")
      ->capture_default_str();
  app.add_option("--workloads", workloads, "workload credit records to write")->capture_default_str();
  app.add_flag("--append", append,
               "continue the existing journal: N more credits spread over its orchestrators, "
               "with their mirror lines (the service must not be running)");
  app.add_option("--ts-ms", ts, "ts of the first record written, ms since 1970 (default: now)");
  app.add_option("--ts-step-ms", ts_step, "added to the ts after each record (default 0: one ts for all)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  Status made = MakeDirs(data_dir);
  auto lock = DataDirLock::Acquire(data_dir, "bench-journal-gen");  // no service may write it meanwhile
  if (!made.ok() || !lock.ok()) {
    std::cerr << (made.ok() ? lock.status() : made).ToString() << "\n";
    return 1;
  }
  std::string journal_dir = JournalDir(data_dir);
  ChainPoint point;
  // Orchestrators in registration order, with their balances.
  std::vector<std::string> orch_ids;
  std::map<std::string, Wei> balance_of;
  auto existing = ListSegments(journal_dir);
  bool has_journal = existing.ok() && !existing->empty();
  if (append) {
    if (!has_journal) {
      std::cerr << journal_dir << " has no segments to append to\n";
      return 2;
    }
    auto read = ReadJournal(journal_dir, ChainPoint{}, OnTornTail::kReport, [&](const Record& r, std::string_view) {
      switch (r.type) {
        case RecordType::kRegister:
        case RecordType::kImportOrchestrator:
          if (balance_of.emplace(r.orchestrator_id, 0).second) orch_ids.push_back(r.orchestrator_id);
          break;
        case RecordType::kWorkload:
        case RecordType::kAdjustment:
        case RecordType::kImportBalance:
          balance_of[r.orchestrator_id] = r.balance;
          break;
        case RecordType::kImportWorkload:
          break;
      }
      return Status::Ok();
    });
    if (!read.ok()) {
      std::cerr << read.status().ToString() << "\n";
      return 1;
    }
    if (read->torn) {
      std::cerr << journal_dir << " has a torn tail; start the service once to repair it\n";
      return 1;
    }
    if (orch_ids.empty()) {
      std::cerr << journal_dir << " registers no orchestrator to credit\n";
      return 1;
    }
    point = read->end;
  } else {
    if (has_journal) {
      std::cerr << journal_dir << " already has segments; pick an empty directory (or --append)\n";
      return 2;
    }
    for (uint64_t i = 0; i < orchestrators; ++i) {
      orch_ids.push_back("bench-" + std::to_string(i));
      balance_of[orch_ids.back()] = 0;
    }
  }
  const uint64_t first_new_seq = point.seq + 1;

  JournalWriter writer;
  Status st = writer.Open(journal_dir, first_new_seq);
  std::string lines;
  uint64_t lines_first = first_new_seq;
  // The readable mirrors a running service would have written alongside.
  std::string events, registry;
  if (st.ok()) st = MakeDirs(DataPath(data_dir, kAuditDir));
  auto add = [&](Record r) {
    r.seq = point.seq + 1;
    r.ts_ms = ts;
    ts += ts_step;
    std::string body = EncodeBody(r);
    point.hash = ChainHash(point.hash, body);
    point.seq = r.seq;
    AppendMirrorLine(r, &events, &registry);
    if (lines.empty()) lines_first = r.seq;
    lines += EncodeLine(point.hash, body);
    if (lines.size() >= (4 << 20) && st.ok()) {
      st = writer.AppendDurably(lines_first, lines);
      lines.clear();
    }
  };
  if (!append) {
    for (uint64_t i = 0; i < orch_ids.size() && st.ok(); ++i) {
      Record r;
      r.type = RecordType::kRegister;
      r.orchestrator_id = orch_ids[i];
      r.address = "0x1111111111111111111111111111111111111111";
      add(std::move(r));
    }
  }
  for (uint64_t i = 0; i < workloads && st.ok(); ++i) {
    Record r;
    r.type = RecordType::kWorkload;
    const std::string& o = orch_ids[i % orch_ids.size()];
    // Fresh journals use gen-0..gen-(N-1); appended credits are named after
    // their seq, which is larger than any earlier gen- index, so ids stay unique.
    r.workload_id = "gen-" + std::to_string(append ? point.seq + 1 : i);
    r.orchestrator_id = o;
    r.amount = 1000000000000;  // 0.000001 ETH
    r.duration_ms = 1000;
    balance_of[o] += r.amount;
    r.balance = balance_of[o];
    add(std::move(r));
  }
  if (st.ok() && !lines.empty()) st = writer.AppendDurably(lines_first, lines);
  if (append) {
    if (st.ok()) st = AppendToFile(DataPath(data_dir, kLedgerEventsLog), events);
    if (st.ok()) st = AppendToFile(DataPath(data_dir, kRegistryLog), registry);
  } else {
    if (st.ok()) st = WriteFileAtomic(DataPath(data_dir, kLedgerEventsLog), events);
    if (st.ok()) st = WriteFileAtomic(DataPath(data_dir, kRegistryLog), registry);
  }
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  std::cout << "wrote records " << first_new_seq << ".." << point.seq << " to " << journal_dir << "\n";
  return 0;
}
