#include "remote/pull.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/file_util.h"
#include "ledger/datadir.h"

namespace pb::remote {

namespace {

constexpr int kGroupAttempts = 10;

std::vector<std::string> Excludes(backup::BackupMode mode) {
  std::vector<std::string> args;
  for (const std::string& pattern : backup::ExcludePatterns(mode)) args.push_back("--exclude=" + pattern);
  return args;
}

// True when the staging copy's JSON files match its journal/CHECKPOINT (or
// there is no CHECKPOINT).
Result<bool> GroupConsistent(const std::string& dir) {
  auto marker = ledger::ReadCheckpointMarker(dir);
  if (!marker.ok()) return marker.status().kind() == Status::Kind::kNotFound ? Result<bool>(true) : marker.status();
  return ledger::AllMatch(ledger::MatchCheckpointFiles(dir, *marker));
}

std::string Lines(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) out.append(n).push_back('\n');
  return out;
}

}  // namespace

Result<TransferStats> PullDataDir(SshSession* session, const std::string& staging_dir, backup::BackupMode mode) {
  const Target& t = session->target();
  // One remote command: exit 3 without data/, 4 with data/ but no journal/.
  const std::string journal(ledger::kJournalDir);
  auto probe = session->Run({"sh", "-c", "[ -d \"$1\" ] || exit 3; [ -d \"$1/$2\" ] || exit 4", "pctl", t.DataDir(),
                             journal});
  if (!probe.ok()) return probe.status();
  if (probe->exit_code != 0 && probe->exit_code != 4) {
    return Status::NotFound(t.name + " has no directory " + t.DataDir() + " (" + t.Address() + ")");
  }
  const bool has_journal = probe->exit_code == 0;
  std::error_code ec;
  std::filesystem::create_directories(staging_dir, ec);
  if (ec) return Status::IOError("create " + staging_dir + ": " + ec.message());
  // The copy holds the ledger in the clear: only its owner may enter it.
  // rsync -a gives data/ the host's mode, so this is redone at the end.
  auto seal = [&] {
    if (::chmod(staging_dir.c_str(), 0700) != 0) return Status::FromErrno("chmod 0700 " + staging_dir, errno);
    return Status::Ok();
  };
  PB_RETURN_IF_ERROR(seal());

  const std::string src = session->RsyncHost() + t.DataDir() + "/";
  const std::string dst = staging_dir + "/";
  TransferStats total;
  const std::vector<std::string> list_args = {"--files-from=-", "--delete-missing-args"};

  // 1. The checkpoint group, until it is one consistent set.
  std::string group = Lines({ledger::kCheckpointMarker, ledger::kRegistryJson, ledger::kBalancesJson,
                             ledger::kWorkloadsJson});
  bool consistent = false;
  for (int attempt = 0; attempt < kGroupAttempts && !consistent; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    PB_ASSIGN_OR_RETURN(const TransferStats stats, RunRsync(session, list_args, src, dst, group));
    total += stats;
    PB_ASSIGN_OR_RETURN(consistent, GroupConsistent(staging_dir));
  }
  if (!consistent) {
    return Status::Unavailable("journal/CHECKPOINT and the JSON files on " + t.name +
                               " kept changing during " + std::to_string(kGroupAttempts) +
                               " pulls (a checkpoint was being published each time); run the backup again");
  }
  // 2. The mirror logs: never ahead of the journal pulled after them.
  const std::string mirror_logs = Lines({ledger::kLedgerEventsLog, ledger::kRegistryLog});
  PB_ASSIGN_OR_RETURN(const TransferStats mirrors, RunRsync(session, list_args, src, dst, mirror_logs));
  total += mirrors;
  // 3. The journal segments.
  if (has_journal) {
    std::vector<std::string> args = Excludes(mode);
    args.insert(args.end(), {"--delete", "--exclude=/" + std::string(ledger::kCheckpointMarkerName)});
    PB_ASSIGN_OR_RETURN(const TransferStats segs, RunRsync(session, args, src + journal + "/", dst + journal + "/"));
    total += segs;
  }
  // 4. Everything else the mode selects.
  std::vector<std::string> args = Excludes(mode);
  args.insert(args.end(), {"--delete", "--exclude=/" + journal + "/"});
  for (const char* name : ledger::kStateFiles) args.push_back("--exclude=/" + std::string(name));
  for (const char* name : ledger::kMirrorLogs) args.push_back("--exclude=/" + std::string(name));
  PB_ASSIGN_OR_RETURN(const TransferStats rest, RunRsync(session, args, src, dst));
  total += rest;
  PB_RETURN_IF_ERROR(seal());
  return total;
}

}  // namespace pb::remote
