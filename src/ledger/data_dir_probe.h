// ledger/: what a directory holds, seen from outside the service, cheaply
// and without replaying anything: whether it is a payments data directory
// at all (where its journal ends: ledger/datadir.h). The guards of backup,
// verify, restore and drill ask here, so "a data directory" means one thing.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

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
// ledger/datadir.h's kStateFiles, which the service adopts).
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

}  // namespace pb::ledger
