// restore/: the steps that finish a staged restore once every file of the
// snapshot is written: the ledger (extended with the shipped journal, cut
// back to --at, verified) and the snapshot's .env.
#pragma once

#include <string>

#include "common/status.h"
#include "repo/repository.h"
#include "restore/at_time.h"
#include "restore/restorer.h"
#include "restore/wal_replay.h"

namespace pb::restore {

// On the staged data directory `staged` (not in use): applies the shipped
// journal when source.apply_wal (ReplayWal, reporting to `progress`), cuts
// the ledger at options.at_ms (or rebuilds its views after records were
// applied) and checks that --at was reached (CheckReachedAt), then verifies
// it (ledger::VerifyDataDir) when it is a payments data directory, else sets
// result->warning. Fills result's wal, at_last_ts_ms, verified, python_era,
// journal_seq.
// Errors: InvalidArgument for --at or applied records without journal/, or
// an --at that is not reached; Corruption when the directory fails
// verification (with the report); ReplayWal's and CutLedgerAt's errors.
Status FinishLedger(repo::Repository* repo, const AtTimeSource& source, const RestoreOptions& options,
                    const std::string& staged, const WalReplayProgressFn& progress, RestoreResult* result);

// Writes the .env the snapshot holds to options.env_to (mode 0600, replaced
// atomically) and sets result->env_written; with an empty env_to only sets
// result->env_skipped. Nothing when the snapshot holds no .env.
// Errors: InvalidArgument when env_to exists and options.force is false;
// Corruption naming .env when a blob of it is missing, damaged or of
// another length than the snapshot gives; IOError naming the path.
Status RestoreEnv(repo::Repository* repo, const repo::Snapshot& snapshot, const RestoreOptions& options,
                  RestoreResult* result);

}  // namespace pb::restore
