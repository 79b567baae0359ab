// repo/: snapshots — one backup's root and metadata
// (docs/repository-format.md, "Snapshots").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "repo/tree.h"

namespace pb::repo {

// Where the snapshot's journal ends. The repository reads `seq` as a
// position in the shipped journal of the data directory (wal.h: which wal
// objects a snapshot covers); the rest is the backup's data, stored as given.
struct SnapshotLedger {
  uint64_t seq = 0;             // last journal record held
  uint64_t checkpoint_seq = 0;  // the checkpoint the JSON files hold
  // The chain hash of record `seq` (docs/journal-format.md), so that a later
  // backup can tell a journal that continues this one from another ledger
  // that merely reached the same seq; absent in older snapshots.
  std::optional<Digest> hash;
  // What a replay through `seq` gave at backup time, as a JSON object
  // (the ledger's EncodeTotals writes it, its DecodeTotals reads it); the
  // repository keeps the text byte for byte and does not interpret it beyond
  // checking that it is an object. Absent in older snapshots.
  std::optional<std::string> totals;
};

struct SnapshotStats {
  uint64_t files = 0;
  uint64_t bytes = 0;         // sum of file sizes
  uint64_t new_bytes = 0;     // bytes of blobs this backup added (plaintext)
  uint64_t stored_bytes = 0;  // bytes this backup added to the repository
};

// The data directory's own metadata (its entries are in the tree).
struct RootEntry {
  uint32_t mode = 0;  // permission bits only
  int64_t mtime_ns = 0;
  std::optional<Owner> owner;
};

struct Snapshot {
  int64_t time_ms = 0;
  std::string host;
  std::string data_dir;
  std::string mode;  // "essential" or "full"
  std::vector<std::string> tags;
  Digest tree{};
  std::optional<RootEntry> root;  // absent in snapshots written before it was recorded
  std::optional<Digest> parent;
  std::optional<Node> env;  // the .env file, with --include-env
  std::optional<SnapshotLedger> ledger;
  SnapshotStats stats;
};

std::string EncodeSnapshot(const Snapshot& snapshot);
// Corruption naming `what` on any malformed or missing field.
Result<Snapshot> DecodeSnapshot(std::string_view json, std::string_view what);

// A snapshot and its id (the file's name).
struct SnapshotRef {
  std::string id;
  Snapshot snapshot;
};

// Picks the snapshot `query` names: a unique prefix of an id of at least 4
// characters, or "latest" as SelectSnapshot (repo/snapshot_select.h) picks
// it with no filter and no target: the newest of the only group. NotFound /
// InvalidArgument (ambiguous, too short, several groups) with a message that
// lists what to do.
Result<SnapshotRef> FindSnapshot(const std::vector<SnapshotRef>& all, std::string_view query);

// Sorts oldest first (time, then id).
void SortSnapshots(std::vector<SnapshotRef>* all);

}  // namespace pb::repo
