#include "ledger/ledger.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/time_util.h"
#include "ledger/checkpoint.h"
#include "ledger/mirror.h"
#include "ledger/replay.h"
#include "ledger/state_json.h"

namespace pb::ledger {

namespace {

// A workload record is ~250 bytes; used only to pre-size hash tables.
constexpr uint64_t kTypicalRecordBytes = 250;

// Best effort (0 when the directory cannot be read): only a size hint.
uint64_t JournalBytes(const std::string& journal_dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(journal_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    uint64_t size = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
    if (!size_ec) total += size;
  }
  return total;
}

}  // namespace

Ledger::Ledger(std::string data_dir) : data_dir_(std::move(data_dir)), index_(JournalDir(data_dir_)) {}

Ledger::~Ledger() {
  committer_.Stop();  // lets a waiting checkpoint thread finish
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& data_dir) {
  std::unique_ptr<Ledger> ledger(new Ledger(data_dir));
  PB_RETURN_IF_ERROR(MakeDirs(data_dir));
  auto lock = DataDirLock::Acquire(data_dir, "payments-backend");
  if (!lock.ok()) return lock.status();
  ledger->lock_ = std::move(lock).value();
  const std::string journal_dir = JournalDir(data_dir);
  for (const char* sub : {kJournalDir, kAuditDir}) {
    PB_RETURN_IF_ERROR(CheckWritableDir(data_dir, DataPath(data_dir, sub)));
  }
  std::error_code ec;
  bool has_journal = std::filesystem::exists(journal_dir, ec);
  if (ec) return Status::IOError("cannot look for " + journal_dir + ": " + ec.message());
  if (!has_journal) {
    if (HasStateFiles(data_dir)) {  // Python era
      PB_RETURN_IF_ERROR(ledger->Adopt());
    } else {
      PB_RETURN_IF_ERROR(MakeDirs(journal_dir));
      PB_RETURN_IF_ERROR(FsyncDir(data_dir));
    }
  }
  PB_RETURN_IF_ERROR(ledger->Recover());
  return ledger;
}

Status Ledger::Recover() {
  int64_t started = MonotonicMicros();
  // Huge pages while loading, small ones once serving (common/huge_pages.h).
  state_.SetBulkLoad(true);
  struct EndBulkLoad {
    LedgerState* state;
    ~EndBulkLoad() { state->SetBulkLoad(false); }
  } end_bulk_load{&state_};
  ChainPoint start;
  auto marker = RecoverCheckpoint(data_dir_);
  if (marker.ok()) {
    PB_RETURN_IF_ERROR(LoadStateFiles(data_dir_, &state_));
    start = marker->point;
  } else if (marker.status().kind() != Status::Kind::kNotFound) {
    return marker.status();
  }
  checkpoint_seq_ = start.seq;
  state_.ReserveWorkloads(JournalBytes(JournalDir(data_dir_)) / kTypicalRecordBytes + state_.workloads().size());
  MirrorCatchUp mirrors;
  PB_RETURN_IF_ERROR(mirrors.Open(data_dir_, start.seq));
  auto read = ReplayJournal(JournalDir(data_dir_), start, [&](const Record& r) {
    Status st = state_.Apply(r);
    if (!st.ok()) {
      return Status::Corruption("journal record seq " + std::to_string(r.seq) + " cannot be replayed: " +
                                st.message() + ". Restore the data directory from a backup");
    }
    ++replayed_;
    return mirrors.Offer(r);
  }, [&](const Record& r) { state_.Prefetch(r); });
  if (!read.ok()) return read.status();
  PB_RETURN_IF_ERROR(mirrors.Flush());
  last_ = read->end;
  spdlog::info("ledger: {} opened at seq {} (checkpoint seq {}, {} records replayed in {:.3f}s)", data_dir_,
               last_.seq, start.seq, replayed_, static_cast<double>(MonotonicMicros() - started) / 1e6);
  return Status::Ok();
}

Status Ledger::Adopt() {
  spdlog::info("ledger: {} has Python-era files and no journal: adopting them", data_dir_);
  LedgerState old;
  Status loaded = LoadStateFiles(data_dir_, &old);
  if (!loaded.ok()) {
    return Status::InvalidArgument("cannot adopt the Python-era data directory: " + loaded.message());
  }
  std::string keep = DataPath(data_dir_, kAdoptedDir);
  PB_RETURN_IF_ERROR(MakeDirs(keep));
  for (const char* name : kStateFiles) {
    std::error_code ec;
    if (FileExists(DataPath(data_dir_, name))) {
      std::filesystem::copy_file(DataPath(data_dir_, name), DataPath(keep, name),
                                 std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) return Status::IOError("copy " + std::string(name) + " to " + keep + ": " + ec.message());
    }
  }
  std::string staging = DataPath(data_dir_, kAdoptingJournalDir);
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  if (ec) return Status::IOError("remove " + staging + " (left by an interrupted adoption): " + ec.message());
  JournalWriter writer;
  PB_RETURN_IF_ERROR(writer.Open(staging, 1));
  ChainPoint point;
  std::string lines;
  uint64_t lines_first = 1;
  int64_t now = NowMillis();
  auto add = [&](Record r) -> Status {
    r.seq = point.seq + 1;
    r.ts_ms = now;
    std::string body = EncodeBody(r);
    point.hash = ChainHash(point.hash, body);
    if (lines.empty()) lines_first = r.seq;
    lines += EncodeLine(point.hash, body);
    point.seq = r.seq;
    if (lines.size() < (8 << 20)) return Status::Ok();
    Status st = writer.AppendDurably(lines_first, lines);
    lines.clear();
    return st;
  };
  for (const auto& o : old.orchestrators()) {
    Record r;
    r.type = RecordType::kImportOrchestrator;
    r.orchestrator_id = o.id;
    r.raw_record = OrchestratorJson(o, 0, false);
    PB_RETURN_IF_ERROR(add(std::move(r)));
  }
  for (const auto& [id, wei] : old.balances()) {
    Record r;
    r.type = RecordType::kImportBalance;
    r.orchestrator_id = id;
    r.balance = wei;
    PB_RETURN_IF_ERROR(add(std::move(r)));
  }
  for (const auto& w : old.workloads()) {
    Record r;
    r.type = RecordType::kImportWorkload;
    r.workload_id = std::string(w.id);
    r.raw_record = WorkloadJson(w);
    PB_RETURN_IF_ERROR(add(std::move(r)));
  }
  if (!lines.empty()) PB_RETURN_IF_ERROR(writer.AppendDurably(lines_first, lines));
  if (Fs().Rename(staging.c_str(), JournalDir(data_dir_).c_str()) != 0) {
    return Status::FromErrno("rename " + staging + " to journal", errno);
  }
  PB_RETURN_IF_ERROR(FsyncDir(data_dir_));
  spdlog::info("ledger: adopted {} orchestrators, {} balances, {} workloads as journal records 1..{}; originals "
               "copied to {}",
               old.orchestrators().size(), old.balances().size(), old.workloads().size(), point.seq, keep);
  return Status::Ok();
}

Status Ledger::Start(GroupCommitter::Callbacks callbacks) {
  return committer_.Start(data_dir_, last_.seq, std::move(callbacks));
}

Result<uint64_t> Ledger::Submit(Record r) {
  r.seq = last_.seq + 1;
  r.ts_ms = NowMillis();
  if (r.type == RecordType::kWorkload || r.type == RecordType::kAdjustment) {
    auto after = state_.BalanceAfter(r.orchestrator_id, r.type == RecordType::kWorkload ? r.amount : r.delta);
    if (!after.ok()) return after.status();
    r.balance = *after;
  }
  PB_RETURN_IF_ERROR(state_.Apply(r));
  std::string body = EncodeBody(r);
  last_.hash = ChainHash(last_.hash, body);
  last_.seq = r.seq;
  std::string events, registry;
  AppendMirrorLine(r, &events, &registry);
  committer_.Enqueue(r.seq, EncodeLine(last_.hash, body), events, registry);
  return r.seq;
}

Status Ledger::Follow(std::string_view line) {
  const uint64_t want = last_.seq + 1;
  auto refuse = [&](const std::string& why) {
    return Status::Corruption("the primary's record " + std::to_string(want) + " " + why +
                              "; nothing after it is appended");
  };
  Digest hash;
  if (line.size() < 66 || line[64] != ' ' || !FromHex(line.substr(0, 64), &hash)) {
    return refuse("is not a journal line (<64 hex digits> <body>)");
  }
  const std::string_view body = line.substr(65);
  auto r = DecodeBody(body);
  if (!r.ok()) return refuse("does not parse: " + r.status().message());
  if (r->seq != want) return refuse("came with seq " + std::to_string(r->seq));
  if (ChainHash(last_.hash, body) != hash) return refuse("does not continue this journal's hash chain");
  if (Status st = state_.Apply(*r); !st.ok()) return refuse("cannot be applied: " + st.message());
  last_ = ChainPoint{want, hash};
  std::string events, registry;
  AppendMirrorLine(*r, &events, &registry);
  committer_.Enqueue(want, EncodeLine(hash, body), events, registry);
  return Status::Ok();
}

void Ledger::MaybeCheckpoint() {
  if (stopped_ || checkpoint_running_.load() || last_.seq == checkpoint_seq_.load() ||
      MonotonicMicros() < checkpoint_not_before_us_.load()) {
    return;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  checkpoint_running_ = true;
  auto image = std::make_shared<StateImage>(state_.Image());
  checkpoint_thread_ = std::thread([this, image, point = last_] {
    // Background work: the CPU and the disk go to the service's requests first.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
    ::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, ::gettid(), 3 << 13 /* IOPRIO_CLASS_IDLE */);
    int64_t started = MonotonicMicros();
    Status st = PublishCheckpoint(*image, point);
    if (!st.ok()) spdlog::error("checkpoint at seq {} failed: {}; the journal is intact, the next attempt follows",
                                point.seq, st.ToString());
    int64_t ended = MonotonicMicros();
    checkpoint_not_before_us_ = ended + 9 * (ended - started);
    checkpoint_running_ = false;
  });
}

Status Ledger::PublishCheckpoint(const StateImage& image, const ChainPoint& point) {
  PB_RETURN_IF_ERROR(WriteCheckpointFiles(data_dir_, image, point));
  if (!committer_.WaitMirrored(point.seq)) {
    return Status::Unavailable("the journal could not be made durable through seq " + std::to_string(point.seq));
  }
  PB_RETURN_IF_ERROR(committer_.SyncMirrorsForCheckpoint());
  PB_RETURN_IF_ERROR(CommitCheckpoint(data_dir_));
  checkpoint_seq_ = point.seq;
  return Status::Ok();
}

Status Ledger::Shutdown() {
  if (stopped_) return Status::Ok();
  stopped_ = true;
  committer_.Stop();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  if (committer_.failed()) {
    return Status::Unavailable("the journal could not be made durable; no checkpoint written. Restart the "
                               "service: it recovers from what is on disk");
  }
  if (last_.seq == checkpoint_seq_.load()) return Status::Ok();
  PB_RETURN_IF_ERROR(PublishCheckpoint(state_.Image(), last_));
  spdlog::info("ledger: checkpoint written at seq {}", last_.seq);
  return Status::Ok();
}

}  // namespace pb::ledger
