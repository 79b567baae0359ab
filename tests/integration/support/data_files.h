// Files and directory trees for the backup tests: deterministic content
// (seeded), sparse files, a valid ledger data directory made by the real
// tools, a recursive byte-for-byte comparison of two trees, and readers of
// what a restored data directory holds.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace pb::integration {

// `size` bytes of SplitMix64 output from `seed` (incompressible, fast).
std::string RandomBytes(uint64_t size, uint64_t seed);
// Creates (or replaces) `path` with RandomBytes(size, seed) and `mode`.
Status WriteRandomFile(const std::string& path, uint64_t size, uint64_t seed, unsigned mode = 0644);
// Appends RandomBytes(size, seed) to `path`.
Status AppendRandom(const std::string& path, uint64_t size, uint64_t seed);
// A file of `size` bytes that is a hole except `data_length` random bytes
// written at `data_offset` (ftruncate, then pwrite in the middle).
Status WriteSparseFile(const std::string& path, uint64_t size, uint64_t data_offset, uint64_t data_length,
                       uint64_t seed);
// A file of `size` zero bytes, really written (not sparse).
Status WriteZeroFile(const std::string& path, uint64_t size);
// Bytes allocated on disk (st_blocks * 512); UINT64_MAX when lstat fails.
uint64_t AllocatedBytes(const std::string& path);
// Sum of the sizes of the regular files below `dir` (any name, including
// temporary ones); 0 when it does not exist.
uint64_t TreeFileBytes(const std::string& dir);
// Names in `dir` (not "." and ".."); empty when it does not exist.
std::vector<std::string> DirEntries(const std::string& dir);

// Compares the trees below `expected` and `actual` (not the two roots
// themselves): the same relative paths, types, permission bits, sizes,
// bytes, symlink targets and modification times. The roots are not
// compared: a snapshot does not record the data directory's own metadata;
// neither is a LOCK file at the top (ledger/data_dir_lock.h: not data).
// Returns "" when identical, else the first differences, one per line.
std::string CompareTrees(const std::string& expected, const std::string& actual);

// A data directory whose journal bench-journal-gen wrote: `orchestrators`
// registrations, then `workloads` credits (ledger seq orchestrators +
// workloads), with its mirrors; no service ran on it (no checkpoint files),
// so it is quick to make.
Status MakeJournalDataDir(const std::string& data_dir, uint64_t workloads, uint64_t orchestrators = 64);

// A data directory with a valid ledger, made the way production makes one:
// bench-journal-gen writes `workloads` credits, then payments-backend is
// started on it (127.0.0.1, free port) and stopped with SIGTERM, so the
// checkpoint files (journal/CHECKPOINT, *.json) and
// audit/payments-audit.log exist.
Status MakeLedgerDataDir(const std::string& data_dir, uint64_t workloads);

// True when checkpoint files of an unfinished checkpoint (*.json.ckpt,
// journal/CHECKPOINT.ckpt) are in `data_dir`: right after a kill, the kill
// interrupted a checkpoint.
bool CheckpointInProgress(const std::string& data_dir);

// The workload ids of every `workload` record in data_dir/journal/*.journal.
Result<std::set<std::string>> JournalWorkloadIds(const std::string& data_dir);
// The keys of the JSON object in `path` (workloads.json, balances.json).
Result<std::set<std::string>> JsonObjectKeys(const std::string& path);
// Value of `key` in the JSON object of strings in `path` (balances.json).
Result<std::string> JsonObjectString(const std::string& path, const std::string& key);

}  // namespace pb::integration
