// ledger/: what a directory holds, seen from outside the service, cheaply
// and without replaying anything: whether it is a payments data directory
// at all, and where its journal ends. The guards of backup, verify,
// restore and drill ask here, so "a data directory" means one thing.
#pragma once

#include <cstdint>
#include <string>

#include "common/sha256.h"
#include "common/status.h"
#include "ledger/journal.h"

namespace pb::ledger {

enum class DataDirKind {
  kMissing,       // nothing at that path
  kNotADirectory,
  kUnreadable,    // a directory this user cannot list or search
  kJournal,       // has journal/: the service has run on it
  kPythonEra,     // no journal/, but registry.json, balances.json or workloads.json (adopted on first start)
  kRepository,    // a paymentsctl backup repository (config, keys/, snapshots/)
  kOther,         // a directory with none of the above: empty, or someone else's files
};

// What `dir` is (docs/journal-format.md "Files"; the Python-era files are
// the ones the service adopts, src/ledger/ledger.cc).
DataDirKind ClassifyDataDir(const std::string& dir);

// True for kJournal and kPythonEra.
inline bool IsPaymentsDataDir(DataDirKind kind) {
  return kind == DataDirKind::kJournal || kind == DataDirKind::kPythonEra;
}

// For a kind that is not a payments data directory: one sentence saying
// what `dir` is instead, naming a few of its entries, e.g. "/srv/d2 is not
// a payments data directory: it has no journal/ and none of registry.json,
// balances.json, workloads.json (it holds: hello.txt)".
std::string NotADataDirMessage(const std::string& dir, DataDirKind kind);

// The last complete record of the journal in `journal_dir` (the last line
// ending in '\n' of the last non-empty segment): its seq and its stated
// hash, read from the segment's tail without checking the chain. Seq 0
// (zero hash) when the directory is missing or holds no record.
// Corruption when that line is not "<64 hex> {...\"seq\":N...}".
Result<ChainPoint> LastJournalRecord(const std::string& journal_dir);

// As LastJournalRecord, for the segment file `path` cut at byte `end`
// (what a backup read of it). REQUIRES: end > 0.
Result<ChainPoint> LastRecordOfSegment(const std::string& path, uint64_t end);

// The stated hash of record `seq` (> 0), found in the segment that holds
// it. NotFound when the journal does not hold that seq; Corruption when the
// line found there is not record `seq`.
Result<Digest> JournalRecordHash(const std::string& journal_dir, uint64_t seq);

}  // namespace pb::ledger
