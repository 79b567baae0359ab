#include "backup/source_check.h"

#include "common/time_util.h"
#include "ledger/data_dir_probe.h"
#include "ledger/datadir.h"
#include "repo/snapshot_select.h"

namespace pb::backup {
namespace {

std::string Named(const repo::SnapshotRef& s) {
  return "the newest snapshot of " + repo::DescribeGroup(repo::GroupOf(s.snapshot)) + " (" + s.id.substr(0, 8) +
         ", " + FormatIso8601(s.snapshot.time_ms) + ")";
}

constexpr char kRegressionAdvice[] =
    ": this is not the ledger that was backed up (a volume that failed to mount, an old disk, another service's "
    "data?). Check --data-dir; give --allow-regression only if this ledger is now the truth (after a restore --at)";

}  // namespace

Status CheckBackupSource(const std::string& data_dir, const repo::SnapshotRef* newest, const SourceGuards& guards) {
  const ledger::DataDirKind kind = ledger::ClassifyDataDir(data_dir);
  if (kind == ledger::DataDirKind::kMissing) return Status::NotFound("data directory " + data_dir + " does not exist");
  if (kind == ledger::DataDirKind::kNotADirectory || kind == ledger::DataDirKind::kUnreadable) {
    return Status::InvalidArgument(ledger::NotADataDirMessage(data_dir, kind));
  }
  if (!ledger::IsPaymentsDataDir(kind) && !guards.allow_empty) {
    return Status::InvalidArgument(ledger::NotADataDirMessage(data_dir, kind) +
                                   ". Nothing was backed up: check --data-dir (is the data volume mounted?); give "
                                   "--allow-empty to back it up anyway");
  }
  if (guards.allow_regression || !newest || !repo::HoldsJournal(newest->snapshot)) return Status::Ok();
  const repo::SnapshotLedger& before = *newest->snapshot.ledger;
  PB_ASSIGN_OR_RETURN(const ledger::ChainPoint now, ledger::LastJournalRecord(ledger::JournalDir(data_dir)));
  if (now.seq < before.seq) {
    return Status::InvalidArgument(data_dir + " holds the ledger through seq " + std::to_string(now.seq) + ", but " +
                                   Named(*newest) + " holds it through seq " + std::to_string(before.seq) +
                                   kRegressionAdvice);
  }
  if (!before.hash) return Status::Ok();
  Digest hash = now.hash;
  if (now.seq != before.seq) {
    PB_ASSIGN_OR_RETURN(hash, ledger::JournalRecordHash(ledger::JournalDir(data_dir), before.seq));
  }
  if (hash != *before.hash) {
    return Status::InvalidArgument(data_dir + " holds the ledger through seq " + std::to_string(now.seq) +
                                   ", but its record " + std::to_string(before.seq) + " is not the one " +
                                   Named(*newest) + " holds (hash " + ToHex(hash).substr(0, 16) + "… instead of " +
                                   ToHex(*before.hash).substr(0, 16) + "…)" + kRegressionAdvice);
  }
  return Status::Ok();
}

}  // namespace pb::backup
