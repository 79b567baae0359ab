// repo/: shipped journal data — the objects of the wal/ folder that
// continuous journal shipping (src/replicate/) writes and restore, check and
// prune read, and compaction merges into levels (docs/repository-format.md,
// "Shipped journal"; the cover is repo/wal_cover.h, compaction
// repo/wal_compact.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "repo/backend.h"
#include "repo/crypto.h"

namespace pb::repo {

inline constexpr std::string_view kWalFolder = "wal";

// Level 0: objects as shipped; 1..kWalTopLevel: merged by compaction.
inline constexpr int kWalTopLevel = 4;

// A contiguous run of complete journal records of one segment, as shipped.
struct WalObject {
  std::string host;        // the data directory's host and absolute path,
  std::string data_dir;    // as a snapshot of it records them
  std::string segment;     // "<20 digits>.journal", the segment the records are in
  uint64_t offset = 0;     // byte offset of the first record in that segment
  uint64_t first_seq = 0;  // first and last record
  uint64_t last_seq = 0;
  Digest prev_hash{};      // chain hash of record first_seq - 1 (zeros when first_seq is 1)
  Digest last_hash{};      // chain hash of record last_seq (filled by the WalRecordsCheck)
  int64_t first_ts_ms = 0; // ts of the first and the last record
  int64_t last_ts_ms = 0;
  int level = 0;           // 0 as shipped, 1..kWalTopLevel when merged
  std::string records;     // the journal lines, byte for byte, each ending in '\n'
};

// The parsed name of a wal object: "<stream>_<first seq>-<last seq>" (level
// 0) or "<stream>_<first seq>-<last seq>_L<level>_<last ts ms>" (merged), with
// the stream 16 lowercase hex digits, each seq 20 decimal digits and the ts
// decimal without leading zeros, so the names of one stream sort by first seq.
struct WalName {
  std::string name;
  std::string stream;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  int level = 0;
  int64_t last_ts_ms = -1;  // merged objects only; -1 for level 0 (read the object)

  uint64_t records() const { return last_seq - first_seq + 1; }
};

// The stream of a data directory: the first 16 hex digits of
// SHA-256(host "\n" data_dir).
std::string WalStream(std::string_view host, std::string_view data_dir);
std::string WalObjectName(std::string_view stream, uint64_t first_seq, uint64_t last_seq);
// The name of a merged object. REQUIRES: 1 <= level <= kWalTopLevel, last_ts_ms >= 0.
std::string MergedWalObjectName(std::string_view stream, uint64_t first_seq, uint64_t last_seq, int level,
                                int64_t last_ts_ms);
// The name `obj` is stored under (by its level). REQUIRES: a valid object.
std::string WalObjectNameOf(const WalObject& obj);
// InvalidArgument when `name` is not a wal object name.
Result<WalName> ParseWalName(std::string_view name);

// The stored form: Seal(Compress(header JSON "\n" records)); the header has
// "level" only for merged objects.
// REQUIRES: obj.records holds the lines first_seq..last_seq.
std::string EncodeWalObject(const MasterKey& key, const WalObject& obj);
// The same, building the plaintext in obj.records' own buffer (for merged
// objects of many MiB): obj.records is consumed.
std::string EncodeWalObject(const MasterKey& key, WalObject&& obj);

// The check of a wal object's records, which the repository stores without
// interpreting them: the caller, who knows what they are, passes it in
// (replicate::CheckShippedRecords for journal lines). Ok when obj->records
// hold exactly what the header claims, with obj->last_hash filled in; else
// Corruption saying what is wrong, without naming the object.
using WalRecordsCheck = std::function<Status(WalObject* obj)>;

// Opens a stored wal object and checks everything it claims: authentication,
// the header's fields, and the records through `check_records`. When `name`
// is not empty it must match the header (stream, seqs, level, and a merged
// name's last ts). Corruption naming `what` on any damage.
Result<WalObject> DecodeWalObject(const MasterKey& key, std::string_view stored, std::string_view name,
                                  std::string_view what, const WalRecordsCheck& check_records);

// The objects of `stream` in `backend`, sorted by first seq, then last seq,
// then level (all of them: readers choose among them with repo/wal_cover.h).
// Names in wal/ that are not wal object names are Corruption.
Result<std::vector<WalName>> ListWal(Backend& backend, std::string_view stream);

// The objects of every stream, grouped by stream (sorted as ListWal inside).
Result<std::vector<std::vector<WalName>>> ListWalStreams(Backend& backend);

// Reads and decodes wal/<name.name> (DecodeWalObject); NotFound when missing.
Result<WalObject> ReadWalObject(Backend& backend, const MasterKey& key, const WalName& name,
                                const WalRecordsCheck& check_records);

}  // namespace pb::repo
