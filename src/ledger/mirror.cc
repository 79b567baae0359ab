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
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Result<uint64_t>(uint64_t{0}) : Status::FromErrno("open " + path, errno);
  struct stat st;
  ::fstat(fd, &st);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t from = size > (1 << 16) ? size - (1 << 16) : 0;
  std::string tail(size - from, '\0');
  ssize_t n = ::pread(fd, tail.data(), tail.size(), static_cast<off_t>(from));
  ::close(fd);
  if (n < 0) return Status::FromErrno("read " + path, errno);
  tail.resize(static_cast<size_t>(n));
  size_t end = tail.rfind('\n');
  size_t good = end == std::string::npos ? 0 : end + 1;
  if (good != tail.size() && (end != std::string::npos || from == 0)) {
    spdlog::warn("mirror: cutting a torn last line of {} ({} bytes)", path, tail.size() - good);
    if (::truncate(path.c_str(), static_cast<off_t>(from + good)) != 0) return Status::FromErrno("truncate " + path, errno);
  }
  if (end == std::string::npos) return uint64_t{0};
  size_t start = tail.rfind('\n', end == 0 ? 0 : end - 1);
  start = (start == std::string::npos || end == 0) ? 0 : start + 1;
  simdjson::dom::parser parser;
  uint64_t seq = 0;
  if (parser.parse(simdjson::padded_string(tail.substr(start, end - start)))["seq"].get_uint64().get(seq) !=
      simdjson::SUCCESS) {
    return uint64_t{0};  // a Python-era line: none of our records were mirrored yet
  }
  return seq;
}

Status SyncMirrors(const std::string& data_dir) {
  for (const char* name : {kLedgerEventsLog, kRegistryLog}) {
    std::string path = data_dir + "/" + name;
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
  auto events_seq = RepairMirror(data_dir + "/" + kLedgerEventsLog);
  if (!events_seq.ok()) return events_seq.status();
  auto registry_seq = RepairMirror(data_dir + "/" + kRegistryLog);
  if (!registry_seq.ok()) return registry_seq.status();
  events_after_ = std::max(*events_seq, checkpoint_seq);
  registry_after_ = std::max(*registry_seq, checkpoint_seq);
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
    PB_RETURN_IF_ERROR(MakeDirs(data_dir_ + "/audit"));
    std::string path = data_dir_ + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno("open " + path, errno);
    Status st = WriteAll(fd, *text, path);
    ::close(fd);
    PB_RETURN_IF_ERROR(st);
    spdlog::info("mirror: appended {} bytes to {} from the journal", text->size(), path);
    text->clear();
  }
  return Status::Ok();
}

}  // namespace pb::ledger
