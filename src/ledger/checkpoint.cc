#include "ledger/checkpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <simdjson.h>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/time_util.h"
#include "ledger/state_json.h"

namespace pb::ledger {
namespace {

constexpr const char* kFiles[] = {"registry.json", "balances.json", "workloads.json"};
constexpr const char* kSuffix = ".ckpt";

std::string MarkerPath(const std::string& data_dir) { return data_dir + "/journal/CHECKPOINT"; }

// Writes one .ckpt file through `write`, returning its SHA-256.
Result<std::string> WriteOne(const std::string& path, Status (*write)(const StateImage&, const TextSink&),
                             const StateImage& image) {
  AtomicFileWriter file;
  PB_RETURN_IF_ERROR(file.Open(path, kSuffix));
  Sha256 hasher;
  PB_RETURN_IF_ERROR(write(image, [&](std::string_view text) {
    hasher.Update(text);
    return file.Append(text);
  }));
  PB_RETURN_IF_ERROR(file.SyncAndKeep());
  return ToHex(hasher.Finish());
}

}  // namespace

Status WriteCheckpointFiles(const std::string& data_dir, const StateImage& image, const ChainPoint& point) {
  Status (*writers[])(const StateImage&, const TextSink&) = {
      WriteRegistryJson, [](const StateImage& i, const TextSink& s) { return WriteBalancesJson(i.balances, s); },
      WriteWorkloadsJson};
  std::string shas[3];
  for (int i = 0; i < 3; ++i) {
    auto sha = WriteOne(data_dir + "/" + kFiles[i], writers[i], image);
    if (!sha.ok()) return sha.status();
    shas[i] = *sha;
  }
  std::string marker;
  JsonObject m(&marker);
  m.Int("format", 1).UInt("seq", point.seq).Str("hash", ToHex(point.hash)).Str("written_at", FormatIso8601(NowMillis()));
  std::string* files = m.Key("files");
  JsonObject f(files);
  for (int i = 0; i < 3; ++i) f.Str(kFiles[i], shas[i]);
  f.Close();
  m.Close();
  marker.push_back('\n');
  AtomicFileWriter out;
  PB_RETURN_IF_ERROR(out.Open(MarkerPath(data_dir), kSuffix));
  PB_RETURN_IF_ERROR(out.Append(marker));
  return out.SyncAndKeep();
}

Status CommitCheckpoint(const std::string& data_dir) {
  std::string marker = MarkerPath(data_dir);
  if (Fs().Rename((marker + kSuffix).c_str(), marker.c_str()) != 0) return Status::FromErrno("publish " + marker, errno);
  PB_RETURN_IF_ERROR(FsyncDir(data_dir + "/journal"));
  for (const char* name : kFiles) {
    std::string path = data_dir + "/" + name;
    if (Fs().Rename((path + kSuffix).c_str(), path.c_str()) != 0) return Status::FromErrno("publish " + path, errno);
  }
  return FsyncDir(data_dir);
}

Result<CheckpointMarker> ReadCheckpointMarker(const std::string& data_dir) {
  std::string path = MarkerPath(data_dir);
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  auto bad = [&]() {
    return Status::Corruption(path + " is malformed; remove it and the service replays the journal from seq 1");
  };
  if (parser.parse(simdjson::padded_string(*text)).get_object().get(obj) != simdjson::SUCCESS) return bad();
  CheckpointMarker m;
  std::string_view hash, r, b, w;
  int64_t format = 0;
  if (obj["format"].get_int64().get(format) != simdjson::SUCCESS || format != 1 ||
      obj["seq"].get_uint64().get(m.point.seq) != simdjson::SUCCESS ||
      obj["hash"].get_string().get(hash) != simdjson::SUCCESS || !FromHex(hash, &m.point.hash) ||
      obj["files"]["registry.json"].get_string().get(r) != simdjson::SUCCESS ||
      obj["files"]["balances.json"].get_string().get(b) != simdjson::SUCCESS ||
      obj["files"]["workloads.json"].get_string().get(w) != simdjson::SUCCESS) {
    return bad();
  }
  m.registry_sha = std::string(r);
  m.balances_sha = std::string(b);
  m.workloads_sha = std::string(w);
  return m;
}

Result<CheckpointMarker> RecoverCheckpoint(const std::string& data_dir) {
  std::string marker_tmp = MarkerPath(data_dir) + kSuffix;
  if (FileExists(marker_tmp)) {  // crashed before the commit point: the .ckpt files are leftovers
    ::unlink(marker_tmp.c_str());
    for (const char* name : kFiles) ::unlink((data_dir + "/" + name + kSuffix).c_str());
  }
  auto marker = ReadCheckpointMarker(data_dir);
  if (!marker.ok()) {
    if (marker.status().kind() == Status::Kind::kNotFound) {  // none ever committed: every .ckpt is a leftover
      for (const char* name : kFiles) ::unlink((data_dir + "/" + name + kSuffix).c_str());
    }
    return marker.status();
  }
  const std::string* shas[] = {&marker->registry_sha, &marker->balances_sha, &marker->workloads_sha};
  bool usable = true;
  for (int i = 0; i < 3; ++i) {
    std::string path = data_dir + "/" + kFiles[i];
    std::string pending = path + kSuffix;
    auto sha = Sha256File(path);
    if (sha.ok() && *sha == *shas[i]) {
      ::unlink(pending.c_str());
      continue;
    }
    auto pending_sha = Sha256File(pending);
    if (pending_sha.ok() && *pending_sha == *shas[i]) {  // committed, rename not finished: roll forward
      if (Fs().Rename(pending.c_str(), path.c_str()) != 0) return Status::FromErrno("publish " + path, errno);
      PB_RETURN_IF_ERROR(FsyncDir(data_dir));
      continue;
    }
    usable = false;
    if (sha.ok()) {
      std::string aside = path + ".stale-" + std::to_string(marker->point.seq);
      spdlog::warn("checkpoint: {} does not match journal/CHECKPOINT (edited by hand?); moved to {} and "
                   "rebuilding the state from the journal",
                   path, aside);
      if (Fs().Rename(path.c_str(), aside.c_str()) != 0) return Status::FromErrno("move aside " + path, errno);
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
