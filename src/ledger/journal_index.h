#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace pb::ledger {

// Random access to journal records by seq for GET /api/ledger/events and
// the stream to standbys.
// Keeps a sparse in-memory index (one offset per 256 records) built lazily by
// scanning segments the first time they are read; only the new bytes of the
// growing newest segment are scanned again. Single-threaded.
class JournalIndex {
 public:
  explicit JournalIndex(std::string journal_dir) : dir_(std::move(journal_dir)) {}

  // Bodies (JSON text) of up to `limit` records with after < seq <= through.
  // REQUIRES: records through `through` are durable.
  Result<std::vector<std::string>> Read(uint64_t after, uint64_t through, size_t limit) {
    return Collect(after, through, limit, false);
  }
  // The same records' whole journal lines ("<hash> <body>", no newline): what
  // a standby is sent (docs/cluster.md).
  Result<std::vector<std::string>> ReadLines(uint64_t after, uint64_t through, size_t limit) {
    return Collect(after, through, limit, true);
  }

 private:
  Result<std::vector<std::string>> Collect(uint64_t after, uint64_t through, size_t limit, bool whole_lines);
  static constexpr uint64_t kStride = 256;
  struct SegmentIndex {
    uint64_t first_seq = 0;
    std::string path;
    std::vector<uint64_t> offsets;  // offsets[i] = start of record first_seq + i * kStride
    uint64_t scanned_bytes = 0;
    uint64_t scanned_records = 0;
  };
  Status Refresh();
  Status Extend(SegmentIndex* seg);

  std::string dir_;
  std::vector<SegmentIndex> segments_;
};

}  // namespace pb::ledger
