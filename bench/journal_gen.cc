// bench-journal-gen: writes a valid journal of registrations and workload
// credits straight into a data directory, so benchmarks can start the
// service on a large history without feeding it over HTTP first.
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/file_util.h"
#include "common/time_util.h"
#include "ledger/journal.h"
#include "ledger/mirror.h"
#include "ledger/record.h"

using namespace pb;
using namespace pb::ledger;

int main(int argc, char** argv) {
  CLI::App app{"bench-journal-gen: generate a journal with N workload credits"};
  std::string data_dir;
  uint64_t orchestrators = 64, workloads = 10000;
  app.add_option("--data-dir", data_dir, "data directory to create (must not hold a journal)")->required();
  app.add_option("--orchestrators", orchestrators, "orchestrators bench-0..bench-N-1")->capture_default_str();
  app.add_option("--workloads", workloads, "workload credit records")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::string journal_dir = data_dir + "/journal";
  auto existing = ListSegments(journal_dir);
  if (existing.ok() && !existing->empty()) {
    std::cerr << journal_dir << " already has segments; pick an empty directory\n";
    return 2;
  }
  JournalWriter writer;
  Status st = writer.Open(journal_dir, 1);
  ChainPoint point;
  std::string lines;
  uint64_t lines_first = 1;
  std::vector<Wei> balances(orchestrators, 0);
  // The readable mirrors a running service would have written alongside.
  std::string events, registry;
  st = MakeDirs(data_dir + "/audit");
  int64_t ts = NowMillis();
  auto add = [&](Record r) {
    r.seq = point.seq + 1;
    r.ts_ms = ts;
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
  for (uint64_t i = 0; i < orchestrators && st.ok(); ++i) {
    Record r;
    r.type = RecordType::kRegister;
    r.orchestrator_id = "bench-" + std::to_string(i);
    r.address = "0x1111111111111111111111111111111111111111";
    add(std::move(r));
  }
  for (uint64_t i = 0; i < workloads && st.ok(); ++i) {
    Record r;
    r.type = RecordType::kWorkload;
    uint64_t o = i % orchestrators;
    r.workload_id = "gen-" + std::to_string(i);
    r.orchestrator_id = "bench-" + std::to_string(o);
    r.amount = 1000000000000;  // 0.000001 ETH
    r.duration_ms = 1000;
    balances[o] += r.amount;
    r.balance = balances[o];
    add(std::move(r));
  }
  if (st.ok() && !lines.empty()) st = writer.AppendDurably(lines_first, lines);
  if (st.ok()) st = WriteFileAtomic(data_dir + "/" + kLedgerEventsLog, events);
  if (st.ok()) st = WriteFileAtomic(data_dir + "/" + kRegistryLog, registry);
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  std::cout << "wrote " << point.seq << " records to " << journal_dir << "\n";
  return 0;
}
