#include "restore/ledger_finish.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "common/file_util.h"
#include "common/sha256.h"
#include "ledger/data_dir_lock.h"
#include "ledger/data_dir_probe.h"
#include "ledger/datadir.h"
#include "ledger/point_in_time.h"
#include "ledger/verify.h"

namespace pb::restore {
namespace {

// Cuts the staged ledger at options.at_ms, or only rebuilds its views when
// shipped records were applied (`extended`), and checks that --at was
// reached.
Status CutStaged(const AtTimeSource& source, const RestoreOptions& options, const std::string& staged, bool extended,
                 RestoreResult* result) {
  if (!FileExists(ledger::JournalDir(staged))) {
    return Status::InvalidArgument("--at needs a ledger journal, and this snapshot has none (journal/)");
  }
  PB_ASSIGN_OR_RETURN(ledger::CutReport cut,
                      ledger::CutLedgerAt(staged, options.at_ms.value_or(INT64_MAX),
                                          extended ? ledger::RebuildViews::kAlways
                                                   : ledger::RebuildViews::kOnlyWhenCut));
  // The cut locked the staging directory (released on return): its LOCK file is not data.
  ::unlink((staged + "/" + std::string(ledger::kLockFileName)).c_str());
  if (options.at_ms) {
    PB_RETURN_IF_ERROR(CheckReachedAt(source, *options.at_ms, cut, result->wal));
    result->at_last_ts_ms = cut.last_kept_ts_ms;
  }
  return Status::Ok();
}

// Verifies the staged directory when it holds a payments ledger; otherwise
// says in result->warning that nothing was verified.
Status VerifyStaged(const repo::SnapshotRef& snapshot, const std::string& staged, RestoreResult* result) {
  if (!ledger::IsPaymentsDataDir(ledger::ClassifyDataDir(staged))) {
    result->warning = "snapshot " + snapshot.id.substr(0, 8) + " holds no payments data directory (no journal/, "
                      "no registry.json, balances.json, workloads.json): nothing was verified, and "
                      "payments-backend would start on it with an empty ledger";
    return Status::Ok();
  }
  ledger::VerifyReport report = ledger::VerifyDataDir(staged);
  if (!report.ok()) {
    return Status::Corruption("the restored data directory fails verification, so it was not put in place:\n" +
                              ledger::VerifyReportText(report));
  }
  result->verified = true;
  result->python_era = report.python_era;
  result->journal_seq = report.journal_seq;
  return Status::Ok();
}

}  // namespace

Status FinishLedger(repo::Repository* repo, const AtTimeSource& source, const RestoreOptions& options,
                    const std::string& staged, const WalReplayProgressFn& progress, RestoreResult* result) {
  const repo::Snapshot& snapshot = source.snapshot.snapshot;
  bool extended = false;
  if (source.apply_wal) {
    PB_ASSIGN_OR_RETURN(result->wal,
                        ReplayWal(repo, snapshot.host, snapshot.data_dir, staged, options.at_ms, progress));
    extended = result->wal.objects > 0;
  }
  if (options.at_ms || extended) PB_RETURN_IF_ERROR(CutStaged(source, options, staged, extended, result));
  return VerifyStaged(source.snapshot, staged, result);
}

Status RestoreEnv(repo::Repository* repo, const repo::Snapshot& snapshot, const RestoreOptions& options,
                  RestoreResult* result) {
  if (!snapshot.env) return Status::Ok();
  if (options.env_to.empty()) {
    result->env_skipped = true;
    return Status::Ok();
  }
  if (FileExists(options.env_to) && !options.force) {
    return Status::InvalidArgument(options.env_to + " exists; give another --env-to or --force to replace it");
  }
  AtomicFileWriter out;
  PB_RETURN_IF_ERROR(out.Open(options.env_to, ".restore-tmp"));
  for (const repo::ContentEntry& e : snapshot.env->content) {
    if (e.hole) {
      PB_RETURN_IF_ERROR(out.Append(std::string(static_cast<size_t>(e.length), '\0')));
      continue;
    }
    auto data = repo->ReadBlob(e.blob);
    if (!data.ok()) return Status::Corruption(".env: " + data.status().message());
    if (data->size() != e.length) {
      return Status::Corruption(".env: blob " + ToHex(e.blob).substr(0, 16) + " holds " +
                                std::to_string(data->size()) + " bytes but the snapshot gives it " +
                                std::to_string(e.length) + " (a damaged or crafted snapshot)");
    }
    PB_RETURN_IF_ERROR(out.Append(*data));
  }
  if (::chmod(out.temp_path().c_str(), 0600) != 0) return Status::FromErrno("chmod " + out.temp_path(), errno);
  PB_RETURN_IF_ERROR(out.Commit());
  result->env_written = options.env_to;
  return Status::Ok();
}

}  // namespace pb::restore
