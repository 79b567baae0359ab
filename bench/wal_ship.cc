// bench-wal-ship: ships a data directory's journal into a repository's wal/
// the way `paymentsctl replicate` does, but paced by record time instead of
// the wall clock, so that days of shipping take minutes
// (bench/compaction_bench.sh): one level 0 object per --every-ms of record
// time (and per segment), from the record after the stream's newest object
// (or after --after-seq) through the last record at or before --until-ms.
// With --compact, a compaction pass of the stream runs whenever a shipped
// record enters a new 30-s window, as the replicator's background thread
// does. Password: $PAYMENTS_REPO_PASSWORD.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "common/process.h"
#include "ledger/datadir.h"
#include "ledger/journal.h"
#include "replicate/shipped_records.h"
#include "repo/location.h"
#include "repo/wal.h"
#include "repo/wal_compact.h"
#include "repo/wal_cover.h"

using namespace pb;

namespace {

struct Options {
  repo::Location location;
  std::string data_dir;
  uint64_t after_seq = 0;
  int64_t until_ms = INT64_MAX;
  int64_t every_ms = 250;
  bool compact = false;
};

class Shipper {
 public:
  Shipper(repo::Repository* repo, const Options& o)
      : repo_(repo), o_(o), stream_(repo::WalStream(HostName(), o.data_dir)) {}

  Status Run() {
    auto names = repo::ListWal(repo_->backend(), stream_);
    if (!names.ok()) return names.status();
    start_ = o_.after_seq;
    if (!names->empty()) start_ = std::max(start_, repo::CoverOf(*names).objects.back().last_seq);
    auto segments = ledger::ListSegments(ledger::JournalDir(o_.data_dir));
    if (!segments.ok()) return segments.status();
    for (const ledger::Segment& s : *segments) segment_starts_.insert(s.first_seq);
    auto read = ledger::ReadJournal(ledger::JournalDir(o_.data_dir), ledger::ChainPoint{}, ledger::OnTornTail::kReport,
                                    [this](const ledger::Record& r, std::string_view line) { return Add(r, line); });
    if (!read.ok()) return read.status();
    PB_RETURN_IF_ERROR(Flush());
    std::cout << "shipped " << objects_ << " object(s) through seq " << shipped_seq_ << ", " << passes_
              << " compaction pass(es)\n";
    return Status::Ok();
  }

 private:
  Status Add(const ledger::Record& r, std::string_view line) {
    if (segment_starts_.count(r.seq)) {
      segment_ = r.seq;
      offset_ = 0;
    }
    Digest hash{};
    FromHex(line.substr(0, 64), &hash);
    const bool ship = r.seq > start_ && r.ts_ms <= o_.until_ms;
    if (ship && !obj_.records.empty() &&
        (obj_.segment != ledger::SegmentFileName(segment_) || r.ts_ms / o_.every_ms != obj_.last_ts_ms / o_.every_ms)) {
      PB_RETURN_IF_ERROR(Flush());
    }
    if (ship) {
      if (obj_.records.empty()) {
        obj_.host = HostName();
        obj_.data_dir = o_.data_dir;
        obj_.segment = ledger::SegmentFileName(segment_);
        obj_.offset = offset_;
        obj_.first_seq = r.seq;
        obj_.prev_hash = prev_;
        obj_.first_ts_ms = r.ts_ms;
      }
      obj_.records += line;
      obj_.last_seq = r.seq;
      obj_.last_ts_ms = r.ts_ms;
    }
    offset_ += line.size();
    prev_ = hash;
    return Status::Ok();
  }

  Status Flush() {
    if (obj_.records.empty()) return Status::Ok();
    const int64_t window = obj_.last_ts_ms / repo::WalWindowMs(1);
    shipped_seq_ = obj_.last_seq;
    PB_RETURN_IF_ERROR(repo_->backend().Write(repo::PathOf(repo::kWalFolder, repo::WalObjectNameOf(obj_)),
                                              repo::EncodeWalObject(repo_->key(), obj_)));
    obj_ = repo::WalObject{};
    ++objects_;
    if (!o_.compact || window == window_) return Status::Ok();
    window_ = window;
    ++passes_;
    auto report = repo::CompactWalStream(repo_, stream_, replicate::CheckShippedRecords, {});
    if (!report.ok()) return report.status();
    if (!report->problems.empty()) return Status::Corruption(report->problems.front());
    return Status::Ok();
  }

  repo::Repository* repo_;
  const Options& o_;
  const std::string stream_;
  uint64_t start_ = 0;
  std::set<uint64_t> segment_starts_;
  uint64_t segment_ = 1, offset_ = 0;
  Digest prev_{};
  repo::WalObject obj_;
  int64_t window_ = -1;
  uint64_t objects_ = 0, passes_ = 0, shipped_seq_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench-wal-ship: ship a journal into wal/ by record time (simulated days of replication)"};
  Options o;
  app.add_option("--repo", o.location.repo, "the repository (a directory)")->required();
  app.add_option("--data-dir", o.data_dir, "the data directory whose journal is shipped")->required();
  app.add_option("--after-seq", o.after_seq, "ship records after this seq (at least after the stream's newest)");
  app.add_option("--until-ms", o.until_ms, "ship the records whose ts is at or before this (ms since 1970)");
  app.add_option("--every-ms", o.every_ms, "one object per this much record time")->check(CLI::PositiveNumber);
  app.add_flag("--compact", o.compact, "a compaction pass whenever a shipped record enters a new 30-s window");
  CLI11_PARSE(app, argc, argv);
  o.data_dir = std::filesystem::absolute(o.data_dir).lexically_normal().string();
  const char* password = std::getenv("PAYMENTS_REPO_PASSWORD");
  if (password == nullptr) {
    std::cerr << "bench-wal-ship: set PAYMENTS_REPO_PASSWORD\n";
    return 2;
  }
  auto repo = repo::UnlockRepository(o.location, [password]() -> Result<std::string> { return std::string(password); });
  Status st = repo.ok() ? Shipper(repo->get(), o).Run() : repo.status();
  if (!st.ok()) {
    std::cerr << "bench-wal-ship: " << st.ToString() << "\n";
    return 1;
  }
  return 0;
}
