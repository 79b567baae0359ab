#include "ledger/checkpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/time_util.h"
#include "ledger/state_json.h"

namespace pb::ledger {
namespace {

std::string MarkerPath(const std::string& data_dir) { return DataPath(data_dir, kCheckpointMarker); }

// Writes one .ckpt file through `write`, returning its SHA-256.
Result<std::string> WriteOne(const std::string& path, Status (*write)(const StateImage&, const TextSink&),
                             const StateImage& image) {
  AtomicFileWriter file;
  PB_RETURN_IF_ERROR(file.Open(path, kPendingSuffix));
  Sha256 hasher;
  PB_RETURN_IF_ERROR(write(image, [&](std::string_view text) {
    hasher.Update(text);
    return file.Append(text);
  }));
  PB_RETURN_IF_ERROR(file.SyncAndKeep());
  return ToHex(hasher.Finish());
}

// Removes what an uncommitted checkpoint left (best effort: the next
// checkpoint overwrites a leftover anyway).
void RemovePending(const std::string& path) { (void)RemoveFile(path + kPendingSuffix); }

}  // namespace

Status WriteCheckpointFiles(const std::string& data_dir, const StateImage& image, const ChainPoint& point) {
  Status (*writers[kStateFileCount])(const StateImage&, const TextSink&) = {
      WriteRegistryJson, [](const StateImage& i, const TextSink& s) { return WriteBalancesJson(i.balances, s); },
      WriteWorkloadsJson};
  CheckpointMarker marker{point, {}};
  for (size_t i = 0; i < kStateFileCount; ++i) {
    PB_ASSIGN_OR_RETURN(marker.file_sha[i], WriteOne(DataPath(data_dir, kStateFiles[i]), writers[i], image));
  }
  AtomicFileWriter out;
  PB_RETURN_IF_ERROR(out.Open(MarkerPath(data_dir), kPendingSuffix));
  PB_RETURN_IF_ERROR(out.Append(EncodeCheckpointMarker(marker, NowMillis())));
  return out.SyncAndKeep();
}

Status CommitCheckpoint(const std::string& data_dir) {
  std::string marker = MarkerPath(data_dir);
  if (Fs().Rename((marker + kPendingSuffix).c_str(), marker.c_str()) != 0) {
    return Status::FromErrno("publish " + marker, errno);
  }
  PB_RETURN_IF_ERROR(FsyncDir(JournalDir(data_dir)));
  for (const char* name : kStateFiles) {
    std::string path = DataPath(data_dir, name);
    if (Fs().Rename((path + kPendingSuffix).c_str(), path.c_str()) != 0) {
      return Status::FromErrno("publish " + path, errno);
    }
  }
  return FsyncDir(data_dir);
}

Result<CheckpointMarker> RecoverCheckpoint(const std::string& data_dir) {
  if (FileExists(MarkerPath(data_dir) + kPendingSuffix)) {  // crashed before the commit point: leftovers
    RemovePending(MarkerPath(data_dir));
    for (const char* name : kStateFiles) RemovePending(DataPath(data_dir, name));
  }
  auto marker = ReadCheckpointMarker(data_dir);
  if (!marker.ok()) {
    if (marker.status().kind() == Status::Kind::kNotFound) {  // none ever committed: every .ckpt is a leftover
      for (const char* name : kStateFiles) RemovePending(DataPath(data_dir, name));
    }
    return marker.status();
  }
  const auto matches = MatchCheckpointFiles(data_dir, *marker);
  bool usable = true;
  for (size_t i = 0; i < kStateFileCount; ++i) {
    const std::string path = DataPath(data_dir, kStateFiles[i]);
    switch (matches[i].match) {
      case FileMatch::kMatches:
        RemovePending(path);
        break;
      case FileMatch::kPendingMatches:  // committed, rename not finished: roll forward
        if (Fs().Rename((path + kPendingSuffix).c_str(), path.c_str()) != 0) {
          return Status::FromErrno("publish " + path, errno);
        }
        PB_RETURN_IF_ERROR(FsyncDir(data_dir));
        break;
      case FileMatch::kDiffers: {
        usable = false;
        const std::string aside = StalePath(path, marker->point.seq);
        spdlog::warn("checkpoint: {} does not match journal/CHECKPOINT (edited by hand?); moved to {} and "
                     "rebuilding the state from the journal",
                     path, aside);
        if (Fs().Rename(path.c_str(), aside.c_str()) != 0) return Status::FromErrno("move aside " + path, errno);
        break;
      }
      case FileMatch::kUnreadable:
        usable = false;
        break;
    }
  }
  if (!usable) return Status::NotFound("checkpoint files do not match journal/CHECKPOINT");
  return marker;
}

Result<int64_t> CheckpointWrittenMillis(const std::string& data_dir) {
  const std::string path = MarkerPath(data_dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist: no checkpoint was written yet");
    return Status::FromErrno("stat " + path, errno);
  }
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace pb::ledger
