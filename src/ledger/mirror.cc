#include "ledger/mirror.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <simdjson.h>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/time_util.h"

namespace pb::ledger {

MirrorLog MirrorLogOf(RecordType type) {
  switch (type) {
    case RecordType::kWorkload:
    case RecordType::kAdjustment: return MirrorLog::kLedgerEvents;
    case RecordType::kRegister: return MirrorLog::kRegistry;
    default: return MirrorLog::kNone;
  }
}

void AppendMirrorLine(const Record& r, std::string* ledger_events, std::string* registry_log) {
  MirrorLog log = MirrorLogOf(r.type);
  if (log == MirrorLog::kNone) return;
  std::string line;
  JsonObject j(&line);
  j.Str("timestamp", FormatIso8601(r.ts_ms));
  switch (r.type) {
    case RecordType::kWorkload: {
      std::string amount = FormatEth(r.amount);
      j.Str("event", "credit").Str("orchestrator_id", r.orchestrator_id).Str("amount", amount);
      j.Str("balance", FormatEth(r.balance)).Str("delta", amount).Str("reason", "workload");
      std::string meta;
      JsonObject(&meta).Str("workload_id", r.workload_id).Close();
      j.Raw("metadata", meta);
      break;
    }
    case RecordType::kAdjustment: {
      j.Str("event", r.reason == "payout" ? "payout" : "adjustment").Str("orchestrator_id", r.orchestrator_id);
      j.Str("amount", FormatEth(r.delta < 0 ? -r.delta : r.delta)).Str("balance", FormatEth(r.balance));
      j.Str("delta", FormatEth(r.delta)).Str("reason", r.reason);
      if (!r.tx_hash.empty()) {
        std::string meta;
        JsonObject(&meta).Str("tx_hash", r.tx_hash).Close();
        j.Raw("metadata", meta);
      }
      break;
    }
    case RecordType::kRegister:
      j.Str("event", "register").Str("orchestrator_id", r.orchestrator_id).Str("address", r.address);
      break;
    default:
      break;
  }
  j.UInt("seq", r.seq).Close();
  line.push_back('\n');
  (log == MirrorLog::kRegistry ? registry_log : ledger_events)->append(line);
}

Result<uint64_t> RepairMirror(const std::string& path) {
  constexpr uint64_t kTailBytes = 1 << 16;  // a mirror line is far shorter
  LastLine last;
  uint64_t size = 0;
  {
    auto fd = OpenForReading(path);
    if (!fd.ok()) return fd.status().kind() == Status::Kind::kNotFound ? Result<uint64_t>(uint64_t{0}) : fd.status();
    struct stat st;
    if (::fstat(fd->get(), &st) != 0) return Status::FromErrno("stat " + path, errno);
    size = static_cast<uint64_t>(st.st_size);
    PB_ASSIGN_OR_RETURN(last, FindLastLine(fd->get(), size, kTailBytes, path));
  }
  // What follows the last '\n' is torn; with no '\n' in the tail, only a
  // file shorter than the tail is torn whole.
  if (last.end < size && (last.end > 0 || size <= kTailBytes)) {
    spdlog::warn("mirror: cutting a torn last line of {} ({} bytes)", path, size - last.end);
    PB_RETURN_IF_ERROR(TruncateFile(path, last.end));
  }
  if (!last.text) return uint64_t{0};
  simdjson::dom::parser parser;
  uint64_t seq = 0;
  if (parser.parse(simdjson::padded_string(*last.text))["seq"].get_uint64().get(seq) != simdjson::SUCCESS) {
    return uint64_t{0};  // a Python-era line: none of our records were mirrored yet
  }
  return seq;
}

Status SyncMirrors(const std::string& data_dir) {
  for (const char* name : kMirrorLogs) {
    std::string path = DataPath(data_dir, name);
    int fd = Fs().Open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return Status::FromErrno("open " + path, errno);
    }
    int rc = Fs().Fdatasync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::FromErrno("fdatasync " + path, err);
  }
  return Status::Ok();
}

Status MirrorCatchUp::Open(const std::string& data_dir, uint64_t checkpoint_seq) {
  data_dir_ = data_dir;
  // No directory is created here: a start-up that then finds corruption must
  // leave the data directory as it was. Flush() creates audit/ when needed.
  PB_ASSIGN_OR_RETURN(uint64_t events_seq, RepairMirror(DataPath(data_dir, kLedgerEventsLog)));
  PB_ASSIGN_OR_RETURN(uint64_t registry_seq, RepairMirror(DataPath(data_dir, kRegistryLog)));
  events_after_ = std::max(events_seq, checkpoint_seq);
  registry_after_ = std::max(registry_seq, checkpoint_seq);
  return Status::Ok();
}

Status MirrorCatchUp::Offer(const Record& r) {
  MirrorLog log = MirrorLogOf(r.type);
  if (log == MirrorLog::kNone) return Status::Ok();
  uint64_t after = log == MirrorLog::kRegistry ? registry_after_ : events_after_;
  if (r.seq <= after) return Status::Ok();
  AppendMirrorLine(r, &events_, &registry_);
  if (events_.size() + registry_.size() > (8 << 20)) return Flush();
  return Status::Ok();
}

Status MirrorCatchUp::Flush() {
  for (auto [name, text] : {std::pair{kLedgerEventsLog, &events_}, std::pair{kRegistryLog, &registry_}}) {
    if (text->empty()) continue;
    PB_RETURN_IF_ERROR(MakeDirs(DataPath(data_dir_, kAuditDir)));
    std::string path = DataPath(data_dir_, name);
    ScopedFd fd(Fs().Open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Status::FromErrno("open " + path, errno);
    PB_RETURN_IF_ERROR(WriteAll(fd.get(), *text, path));
    spdlog::info("mirror: appended {} bytes to {} from the journal", text->size(), path);
    text->clear();
  }
  return Status::Ok();
}

}  // namespace pb::ledger
